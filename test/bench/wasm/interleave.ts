// What the thread benchmarks (threads.ts, threads-ab.ts) share: the session shape of a wasm
// bundle, and timing one runner for a block of inferences, its wall time per inference and
// its CPU time per thread of the process (Linux /proc/self/task/*/schedstat), so runners
// interleaved block by block see the same load.

import { readdirSync, readFileSync } from 'node:fs';

export type Results = Record<string, Float32Array>;
export interface Session { readonly threads: number; runSync(feeds: object): Results; run(feeds: object): Promise<Results>; dispose(): Promise<void> }
export type Infer = () => Promise<Float32Array | undefined> | Float32Array | undefined;

/** CPU nanoseconds of each thread of this process so far. */
function threadCpu(): Map<string, number> {
  const times = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      times.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    } catch {
      // The thread ended meanwhile.
    }
  }
  return times;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/** Inferences per block: ~100 ms of `infer` (so /proc is read once per block). */
export async function blockSize(infer: Infer | undefined): Promise<number> {
  const t0 = performance.now();
  await infer?.();
  return Math.max(1, Math.round(100 / (performance.now() - t0)));
}

/**
 * Runs `block` inferences: the wall ms of each, and per inference the CPU ms of all threads
 * and of the busiest one (the critical path).
 */
export async function timeBlock(infer: Infer, block: number): Promise<{ walls: number[]; cpu: number; critical: number }> {
  const walls: number[] = [];
  const before = threadCpu();
  for (let i = 0; i < block; i++) {
    const begin = performance.now();
    await infer();
    walls.push(performance.now() - begin);
  }
  const perThread = [...threadCpu()].map(([tid, ns]) => (ns - (before.get(tid) ?? ns)) / 1e6 / block);
  return { walls, cpu: perThread.reduce((a, b) => a + b, 0), critical: Math.max(...perThread) };
}
