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
    pythonStreamMiB: number;
    pythonStreamRounds: number;
    coldStartRuns: number;
    pythonWarmup: number;
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
  python: PythonSection;
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
  server: ServerResult['id'] | PythonServerId;
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
  /** MB/s (10^6 bytes a second) of each counted download. */
  mbps: number[];
  /** The server's RSS growth during each counted download, MiB. */
  rssGrowthMiB: number[];
  /** The server's CPU (all threads) per MiB of each counted download, ms. */
  cpuMsPerMiB: number[];
  /** The download before the counted ones, which pays for the streamed path's first run (see measureStreams). */
  first?: { mbps: number; rssGrowthMiB: number; cpuMsPerMiB: number };
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
  python?: PythonLambdaReport;
}

/** The seed's Python app behind wsgi-edge's Lambda `handle()`, against its TypeScript port, in-process. */
export interface PythonLambdaReport {
  measured: boolean;
  reason?: string;
  events?: PythonLambdaEventLine[];
}

export interface PythonLambdaEventLine {
  event: string;
  pythonStatus: number;
  typescriptStatus: number;
  /** Same status and body bytes from both handlers. */
  sameAnswer: boolean;
  /** Median time per invocation, microseconds. */
  pythonUs: number;
  typescriptUs: number;
}

/** The Python section: the same Python apps on wsgi-edge (Pyodide) and on CPython's own servers. */
export interface PythonSection {
  measured: boolean;
  reason?: string;
  /** The CPython the gunicorn, waitress and wsgiref lines run on, and the package versions it imports. */
  cpython: { command: string; version: string; packages: Record<string, string> };
  /** The folder Flask's packages came from (`BENCH_FLASK_SITE`), when not from that CPython's own. */
  flaskSite?: string;
  /** The default Pyodide (the package's devDependency). */
  pyodide: string;
  /** Every Pyodide the wsgi-edge lines run, the default first. */
  pyodideVersions: string[];
  apps: PythonAppResult[];
  /** A generator of 64 KiB chunks (the seed app's /stream/gen route); the baseline is gunicorn. */
  streaming: StreamResult[];
  /** The memory snapshots the cold starts with a snapshot start from. */
  snapshots: SnapshotLine[];
  coldStart: ColdStartLine[];
  lambdaPackage: LambdaPackageLine[];
  workersPackage: WorkersPackageLine[];
}

/** One app's memory snapshot, made by `snapshotPythonApp` (what `wsgi-edge snapshot` runs). */
export interface SnapshotLine {
  app: 'seed' | 'flask';
  /** The Pyodide that made it (and the only one that restores it). */
  pyodide: string;
  measured: boolean;
  reason?: string;
  bytes?: number;
  /** Wall time of the process that made it, ms. */
  makeMs?: number;
}

/** The wsgi-edge lines under the default Pyodide; under another, the same id ending in `-<its name>` (`wsgi-edge-node-314`). */
export type PythonServerId = 'wsgi-edge-node' | 'wsgi-edge-deno' | `wsgi-edge-${'node' | 'deno'}-${string}` | 'wsgi-edge-deno-build' | 'gunicorn' | 'waitress-1' | 'waitress' | 'wsgiref';

export interface PythonAppResult {
  id: 'seed' | 'flask';
  label: string;
  /** 'module:callable', as every server is given it. */
  spec: string;
  servers: PythonServerResult[];
  throughput: ThroughputCell[];
}

export interface PythonServerResult {
  id: PythonServerId;
  label: string;
  measured: boolean;
  reason?: string;
  /** RSS of the process that serves (gunicorn: its worker) after the throughput runs, MiB. */
  rssMiB?: number;
}

/** Process start to the first 200 of `/encode?mystring=hello`, `runs` fresh processes. */
export interface ColdStartLine {
  app: PythonAppResult['id'];
  server: PythonServerId;
  label: string;
  /** Started from a memory snapshot of the loaded interpreter. */
  snapshot: boolean;
  measured: boolean;
  reason?: string;
  /** Milliseconds of each run. */
  ms: number[];
  /** RSS of the serving process right after its first answer, each run, MiB. */
  rssMiB: number[];
}

/** A deployable Lambda zip for a Python app: the bundle, Pyodide's files, the bridge and the app. */
export interface LambdaPackageLine {
  label: string;
  measured: boolean;
  reason?: string;
  zipBytes?: number;
  unzippedBytes?: number;
  /** Fresh `node` importing the entry until its handler is ready (Pyodide and the app loaded), ms each run. */
  initMs?: number[];
}

/** A `wsgi-edge build cloudflare` folder in workerd (./workers-start.ts). */
export interface WorkersPackageLine {
  app: 'seed' | 'flask' | 'django';
  label: string;
  snapshot: boolean;
  measured: boolean;
  reason?: string;
  /** What `wrangler deploy --dry-run` bundled: the script and its modules, bytes. */
  uploadBytes?: number;
  /** The bundle's top level, timed inside the Worker, ms each run. */
  globalScopeMs?: number[];
  /** The first request, Python started (or restored) inside it, ms each run. */
  firstRequestMs?: number[];
  memory?: WorkersMemory;
}

/** The Worker's isolate after `requests` requests, MiB. */
export interface WorkersMemory {
  requests: number;
  jsHeapUsedMiB: number;
  jsHeapTotalMiB: number;
  /** ArrayBuffers' backing stores outside the heap: the Data modules (the snapshot, the archive, the standard library). */
  arrayBuffersMiB: number;
  /** Pyodide's linear memory: every WebAssembly.Memory. */
  wasmMemoryMiB: number;
}

export interface SizeRow {
  target: string;
  variant: 'wsgi-edge' | 'hono';
  measured: boolean;
  reason?: string;
  minBytes?: number;
  gzipBytes?: number;
}
