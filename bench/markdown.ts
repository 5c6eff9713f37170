/**
 * What the reports (report.ts, report-python.ts) share: number formats, the median, a Markdown table and
 * a stream's row.
 * @module
 */

import type { StreamResult } from './types.ts';

export const NOT_MEASURED = 'not measured';

/** A figure as the reports print it; '—' for one that is not a finite number. */
export const fmt = {
  int: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—'),
  ms: (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—'),
  us: (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—'),
  ratio: (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—'),
  mib: (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—'),
};

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n') + '\n';
}

/** A stream table's header: `first` (what a row names), MB/s, `ratio` (the ratio to the table's baseline), then the rest of streamRow. */
export function streamHeader(first: string, ratio: string): string[] {
  return [first, 'MB/s', ratio, 'CPU ms/MiB', 'RSS growth MiB (worst)', 'first download: MB/s, RSS growth MiB', 'peak RSS MiB', 'MB/s of each run'];
}

/** The worst RSS growth of the counted downloads, and the first download's beside it. */
export function streamGrowth(s: StreamResult): string {
  return `${fmt.mib(Math.max(...s.rssGrowthMiB))}${s.first ? ` (${fmt.mib(s.first.rssGrowthMiB)})` : ''}`;
}

/** One stream's row under streamHeader: its MB/s over `base`'s is the ratio. */
export function streamRow(s: StreamResult, base: StreamResult | undefined): string[] {
  if (!s.measured) return [s.label, NOT_MEASURED, '—', '—', '—', '—', '—', s.reason ?? ''];
  return [s.label + (s.baseline ? ' (baseline)' : ''), fmt.int(median(s.mbps)), base ? fmt.ratio(median(s.mbps) / median(base.mbps)) : '—',
    fmt.ms(median(s.cpuMsPerMiB)), fmt.mib(Math.max(...s.rssGrowthMiB)), s.first ? `${fmt.int(s.first.mbps)}, ${fmt.mib(s.first.rssGrowthMiB)}` : '—',
    fmt.int(s.peakRssMiB ?? Number.NaN), s.mbps.map((n) => Math.round(n)).join(', ')];
}
