/**
 * The shape of bench/results.json: what one run measured, with the reason wherever something was not
 * measured. The quick-mode test checks a run against these shapes.
 * @module
 */

export interface Results {
  quick: boolean;
  startedAt: string;
  config: {
    seconds: number;
    warmup: number;
    rounds: number;
    connections: number;
    streamMiB: number;
    streamRounds: number;
    lambdaMs: number;
    loadRuns: number;
    routes: readonly string[];
  };
  machine: {
    cpu: string;
    memoryGiB: number;
    kernel: string;
    pinning: string;
    loadAtStart: string;
    loadAtEnd: string;
    commit: string;
    versions: Record<string, string>;
  };
  runtimes: RuntimeResult[];
  lambda: LambdaReport;
  size: SizeRow[];
  durationSeconds: number;
}

export interface RuntimeResult {
  id: 'node' | 'deno' | 'workerd';
  label: string;
  servers: ServerResult[];
  throughput: ThroughputCell[];
  streaming: StreamResult[];
}

export interface ServerResult {
  id: 'raw' | 'wsgi' | 'hono' | 'python';
  label: string;
  measured: boolean;
  reason?: string;
}

/** The medians of `runs` wrk runs of one server on one route. */
export interface ThroughputCell {
  server: ServerResult['id'];
  route: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU time (user + system) per request, microseconds: steadier than req/s on a busy machine. */
  cpuUsPerRequest: number;
  /** Requests/s of each run, in order. */
  runs: number[];
  /** wrk's socket errors over all runs (connect/read/write/timeouts; for wsgiref, not its closes). */
  errors: number;
  /** Answers other than 2xx/3xx over all runs: 0 unless a server misbehaved under load. */
  non2xx: number;
}

export interface StreamResult {
  label: string;
  baseline: boolean;
  measured: boolean;
  reason?: string;
  /** MB/s (10^6 bytes a second) of each download. */
  mbps: number[];
  /** The server's RSS growth during each download, MiB. */
  rssGrowthMiB: number[];
  peakRssMiB?: number;
}

export interface LambdaEventLine {
  event: string;
  /** What each handler answered, to show they did the same work. */
  wsgiStatus: number;
  honoStatus: number;
  /** Same status and body bytes from both: only then is the comparison like for like. */
  sameAnswer: boolean;
  /** Median time per invocation, microseconds. */
  wsgiUs: number;
  honoUs: number;
  wsgiSamples: number;
  honoSamples: number;
}

export interface LambdaStreamLine {
  label: string;
  /** Milliseconds per MiB streamed, median. */
  msPerMiB: number;
  mib: number;
}

export interface LambdaLoadLine {
  label: string;
  file: string;
  measured: boolean;
  reason?: string;
  /** Median milliseconds to import the module in a fresh Node process. */
  ms: number;
  runs: number[];
}

export interface LambdaReport {
  measured: boolean;
  reason?: string;
  events?: LambdaEventLine[];
  streaming?: LambdaStreamLine[];
  load?: LambdaLoadLine[];
}

export interface SizeRow {
  target: string;
  variant: 'wsgi-edge' | 'hono';
  measured: boolean;
  reason?: string;
  minBytes?: number;
  gzipBytes?: number;
}
