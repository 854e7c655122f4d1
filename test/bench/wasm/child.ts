// One benchmark measurement in its own process: `child.ts <runner> <model> <batch>` prepares
// the runner, checks its output once against the interpreter, warms up, then times rounds of
// back-to-back inferences and prints one JSON line (median and best microseconds per call).

import { interpret } from '../../../ir/interpret.ts';
import { compareArrays } from '../../../src/tolerance.ts';
import { benchGraph, benchInput, MODEL_NAMES, type ModelName } from './models.ts';
import { prepareRunner, RUNNER_NAMES, type RunnerName } from './runners.ts';

const WARMUP_MS = 700;
const ROUNDS = 15;
const ROUND_MS = 60;

export interface Measurement {
  readonly runner: RunnerName;
  readonly model: ModelName;
  readonly batch: number;
  readonly medianUs: number;
  readonly bestUs: number;
}

async function main(): Promise<void> {
  const [runner, model, batchText] = process.argv.slice(2);
  if (!RUNNER_NAMES.includes(runner as RunnerName) || !MODEL_NAMES.includes(model as ModelName)) {
    throw new Error(`usage: child.ts <${RUNNER_NAMES.join('|')}> <${MODEL_NAMES.join('|')}> <batch>`);
  }
  const batch = Number(batchText);
  const graph = benchGraph(model as ModelName);
  const x = benchInput(batch);
  const infer = await prepareRunner(runner as RunnerName, graph, x, batch);
  const expected = interpret(graph, { x }).logits ?? new Float32Array();
  // A loose bound: peers accumulate in their own order; a wrong model is off by O(1).
  const check = compareArrays(expected, await infer(), { abs: 1e-3, rel: 1e-3 });
  if (!check.ok) throw new Error(`${runner} computes something else: ${JSON.stringify(check.mismatch)}`);
  // Synchronous runners are timed without an await per call (that would add a microtask).
  const asynchronous = infer() instanceof Promise;
  const batchOf = async (calls: number): Promise<void> => {
    if (asynchronous) for (let i = 0; i < calls; i++) await infer();
    else for (let i = 0; i < calls; i++) infer();
  };
  const until = performance.now() + WARMUP_MS;
  let calls = 0;
  while (performance.now() < until) { await batchOf(10); calls += 10; }
  const perRound = Math.max(1, Math.round((calls / WARMUP_MS) * ROUND_MS));
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    await batchOf(perRound);
    times.push(((performance.now() - start) * 1000) / perRound);
  }
  times.sort((a, b) => a - b);
  const result: Measurement = {
    runner: runner as RunnerName, model: model as ModelName, batch,
    medianUs: times[Math.floor(times.length / 2)] ?? NaN, bestUs: times[0] ?? NaN,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
