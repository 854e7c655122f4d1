// What the WGSL benchmarks (wgsl-bench.ts for the MLPs, wgsl-cnn-bench.ts for the CNNs) share:
// the bundle's session shape, one measurement row, and the timing loop (a few warm-up runs,
// then whole run() calls for about the budget; the median).

export type Feeds = Record<string, Float32Array>;
export type Run = (feeds: Feeds) => Promise<Record<string, Float32Array>>;

export interface Session {
  run: Run;
  dispose(): void;
}

export interface Loadable {
  load(options?: object): Promise<Session>;
}

export interface WgslMeasurement {
  readonly model: string;
  readonly target: 'wgsl' | 'js';
  readonly batch: number;
  /** Median milliseconds per run() over the budget. */
  readonly medianMs: number;
  readonly runs: number;
  readonly gflops: number;
}

/** Warm up, then run for about budgetMs; the median of the run times. */
export async function timeRuns(run: Run, feeds: Feeds, budgetMs: number): Promise<{ medianMs: number; runs: number }> {
  for (let i = 0; i < 3; i++) await run(feeds);
  const samples: number[] = [];
  const end = performance.now() + budgetMs;
  while (samples.length < 5 || (performance.now() < end && samples.length < 10_000)) {
    const start = performance.now();
    await run(feeds);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[Math.floor(samples.length / 2)] ?? NaN, runs: samples.length };
}
