// What the benchmark driver and its runner processes exchange, and the one timing routine
// every runner uses: warm-up, then samples of calibrated repetitions, per-call percentiles.

export interface RunnerJob {
  readonly runner: string;
  /** Directory with model files (bundle, .onnx, layers.json/weights.bin) and inputs x_<batch>.bin. */
  readonly dir: string;
  readonly model: string;
  readonly batches: readonly number[];
  /** Time spent sampling per batch, in ms. */
  readonly budgetMs: number;
}

export interface CallStats {
  readonly batch: number;
  readonly medianUs: number;
  readonly p10Us: number;
  readonly p90Us: number;
  /**
   * Median CPU time (user + system, all threads) per call: unlike wall time it does not count
   * waiting for a core, so it stays meaningful when other processes load the machine.
   */
  readonly cpuMedianUs: number;
  readonly samples: number;
}

export interface RunnerReport {
  readonly runner: string;
  readonly model: string;
  readonly version: string;
  readonly stats: readonly CallStats[];
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))));
  return sorted[index] ?? NaN;
}

/** Times `call` (sync or async): 300 ms of warm-up, then samples of >= 2 ms each. */
export async function timeCalls(batch: number, call: () => unknown, budgetMs: number): Promise<CallStats> {
  const once = async (): Promise<void> => {
    const result = call();
    if (result instanceof Promise) await result;
  };
  const warmEnd = performance.now() + 300;
  let calls = 0;
  while (performance.now() < warmEnd || calls < 10) {
    await once();
    calls++;
  }
  const probeStart = performance.now();
  for (let i = 0; i < 5; i++) await once();
  const estimate = Math.max((performance.now() - probeStart) / 5, 1e-3);
  const reps = Math.max(1, Math.ceil(2 / estimate));
  const perCall: number[] = [];
  const cpuPerCall: number[] = [];
  const end = performance.now() + budgetMs;
  while ((performance.now() < end || perCall.length < 15) && perCall.length < 400) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < reps; i++) await once();
    const cpu = process.cpuUsage(cpuStart);
    perCall.push(((performance.now() - start) / reps) * 1000);
    cpuPerCall.push((cpu.user + cpu.system) / reps);
  }
  perCall.sort((a, b) => a - b);
  cpuPerCall.sort((a, b) => a - b);
  return {
    batch, medianUs: percentile(perCall, 0.5), p10Us: percentile(perCall, 0.1), p90Us: percentile(perCall, 0.9),
    cpuMedianUs: percentile(cpuPerCall, 0.5), samples: perCall.length,
  };
}
