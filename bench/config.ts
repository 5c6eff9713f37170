/**
 * The run's durations and sizes: the full run (`npm run bench`) and the quick one (`--quick`), which only
 * has to show the harness works.
 * @module
 */

export function benchConfig(quick: boolean) {
  return quick
    ? {
      seconds: 1, warmup: 0, rounds: 1, connections: 32, streamMiB: 16, streamRounds: 1, lambdaMs: 100, loadRuns: 2,
      routes: ['encode'] as const, pythonStreamMiB: 16, pythonStreamRounds: 1, coldStartRuns: 1, pythonWarmup: 0,
    }
    : {
      seconds: 4, warmup: 1, rounds: 5, connections: 32, streamMiB: 1024, streamRounds: 4, lambdaMs: 1500, loadRuns: 10,
      routes: ['encode', 'hello'] as const, pythonStreamMiB: 256, coldStartRuns: 5,
      // A 256 MiB download takes some 0.15 s, and single ones spread by a third here: a median of four was
      // moved by one of them (bench/PROFILE.md).
      pythonStreamRounds: 10,
      // A fresh Pyodide's wasm is still being tiered up after 1 s of load (V8's compile threads spent 14 µs a
      // request after 3 s, 2 µs after 10 s: bench/PROFILE.md, Flask's third pass); cold starts are measured apart.
      pythonWarmup: 10,
    };
}

export type BenchConfig = ReturnType<typeof benchConfig>;
