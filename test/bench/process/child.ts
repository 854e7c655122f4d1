// One benchmark measurement in its own process: `child.ts <runner> <model> <batch> [reference]`
// prepares the runner, checks its output once against the reference (a file of f32 values the
// driver wrote, else the interpreter), warms up, then times rounds of back-to-back inferences
// and prints one JSON line (median and best microseconds per call).

import { readFileSync } from 'node:fs';
import { interpret } from '../../../ir/interpret.ts';
import { compareArrays } from '../../../src/tolerance.ts';
import { caseByName, outputName } from './cases.ts';
import { prepareRunner, RUNNER_NAMES, type RunnerName } from './runners.ts';

const WARMUP_MS = 700;
const ROUNDS = 15;
const ROUND_MS = 60;

export interface Measurement {
  readonly runner: RunnerName;
  readonly model: string;
  readonly batch: number;
  readonly medianUs: number;
  readonly bestUs: number;
  /**
   * Median CPU time (user + system, all threads) per call over the same rounds: unlike wall
   * time it does not count waiting for a core when other processes load the machine.
   */
  readonly cpuMedianUs: number;
  /** Largest |output - reference| of the checked call. */
  readonly maxAbsError: number;
}

function readFloats(path: string): Float32Array {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

function maxAbs(values: Float32Array): number {
  let best = 0;
  for (const v of values) best = Math.max(best, Math.abs(v));
  return best;
}

async function main(): Promise<void> {
  const [runner, model = '', batchText, referencePath] = process.argv.slice(2);
  if (!RUNNER_NAMES.includes(runner as RunnerName)) throw new Error(`usage: child.ts <${RUNNER_NAMES.join('|')}> <model> <batch> [reference.bin]`);
  const bench = caseByName(model);
  const batch = Number(batchText);
  const graph = bench.graph();
  const x = bench.input(batch);
  const prepared = await prepareRunner(runner as RunnerName, { graph, x, shape: bench.inputShape(batch) });
  const infer = prepared.infer;
  const expected = referencePath !== undefined ? readFloats(referencePath) : interpret(graph, { x })[outputName(graph)] ?? new Float32Array();
  const first = await infer();
  // A loose bound, scaled to the output's size: peers accumulate in their own order; a wrong
  // model is off by O(1) of it.
  const scale = Math.max(1, maxAbs(expected));
  const check = compareArrays(expected, prepared.canonical?.(first) ?? first, { abs: 1e-3 * scale, rel: 1e-3 });
  if (!check.ok) throw new Error(`${runner} computes something else: ${JSON.stringify(check.mismatch)} (max abs error ${check.maxAbsError})`);
  // Synchronous runners are timed without an await per call (that would add a microtask).
  const asynchronous = infer() instanceof Promise;
  const batchOf = async (calls: number): Promise<void> => {
    if (asynchronous) for (let i = 0; i < calls; i++) await infer();
    else for (let i = 0; i < calls; i++) infer();
  };
  // Warm up one call at a time at first, so a model that takes a second per call warms up
  // in about WARMUP_MS too.
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < WARMUP_MS) {
    const step = calls < 10 ? 1 : 10;
    await batchOf(step);
    calls += step;
  }
  const perRound = Math.max(1, Math.round((calls / (performance.now() - start)) * ROUND_MS));
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const roundStart = performance.now();
    const cpuStart = process.cpuUsage();
    await batchOf(perRound);
    const cpu = process.cpuUsage(cpuStart);
    times.push(((performance.now() - roundStart) * 1000) / perRound);
    cpuTimes.push((cpu.user + cpu.system) / perRound);
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const result: Measurement = {
    runner: runner as RunnerName, model, batch,
    medianUs: times[Math.floor(times.length / 2)] ?? NaN, bestUs: times[0] ?? NaN,
    cpuMedianUs: cpuTimes[Math.floor(cpuTimes.length / 2)] ?? NaN, maxAbsError: check.maxAbsError,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
