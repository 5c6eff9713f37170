/**
 * What the reports (report.ts, report-python.ts) share: number formats, the median, and a Markdown table.
 * @module
 */

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
