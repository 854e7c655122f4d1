// The wasm benchmark: every runner × model × batch in its own process (../process/child.ts), then a
// table of microseconds per inference (median of 15 rounds), the wasm bundle's GFLOP/s, and
// its speed relative to each peer against the targets of issue 7.
//
//   npm run bench -- --target wasm [--runners a,b] [--models seed,deep] [--batches 1,32,256] [--repeat 2]
//   (or npx tsx test/bench/wasm/run.ts with the same flags)
//
// On a shared machine a process may be descheduled for a while; each measurement therefore
// runs in `--repeat` separate processes (default 2) and the lowest median counts.

import { fileURLToPath } from 'node:url';
import { caseByName, flopsPerSample, MLP_CASES } from '../process/cases.ts';
import type { Measurement } from '../process/child.ts';
import { RUNNER_NAMES, type RunnerName } from '../process/runners.ts';
import { listArg, measureInChild } from '../process/spawn.ts';

const MODEL_NAMES = MLP_CASES.map((c) => c.name);
const BATCHES = [1, 32, 256];

function measure(runner: RunnerName, model: string, batch: number): Measurement | undefined {
  const result = measureInChild(runner, model, batch);
  if (typeof result !== 'string') return result;
  process.stderr.write(`${runner} ${model} batch ${batch}: failed: ${result}\n`);
  return undefined;
}

/** How many times faster `ours` is than `theirs` (peer time / our time). */
function speedup(results: ReadonlyMap<RunnerName, Measurement>, ours: RunnerName, theirs: RunnerName): number | undefined {
  const a = results.get(ours)?.medianUs;
  const b = results.get(theirs)?.medianUs;
  return a === undefined || b === undefined ? undefined : b / a;
}

const fmt = (value: number | undefined, digits = 2): string => (value === undefined ? '-' : value.toFixed(digits));

/** Runs the benchmark and prints the table; `argv` holds the flags above. */
export function runWasmBench(argv: readonly string[]): void {
  const runners = listArg(argv, '--runners', RUNNER_NAMES, (t) => t as RunnerName);
  const models = listArg(argv, '--models', MODEL_NAMES, (t) => t);
  const batches = listArg(argv, '--batches', BATCHES, Number);
  const repeat = listArg(argv, '--repeat', [2], Number)[0] ?? 2;
  const header = ['model', 'batch', ...runners.map((r) => `${r} µs`), 'wasm GFLOP/s', 'relaxed GFLOP/s',
    '×ort-web (≥1.1)', '×tfjs-wasm (≥1.0)', '×ort-node (≥1.2 b1 / ≥0.2)', 'relaxed ×ort-node (≥0.25)'];
  const rows: string[][] = [];
  for (const model of models) {
    const flops = flopsPerSample(caseByName(model));
    for (const batch of batches) {
      const results = new Map<RunnerName, Measurement>();
      for (const runner of runners) {
        let m: Measurement | undefined;
        for (let i = 0; i < repeat; i++) {
          const next = measure(runner, model, batch);
          if (next !== undefined && (m === undefined || next.medianUs < m.medianUs)) m = next;
        }
        if (m !== undefined) results.set(runner, m);
        process.stderr.write(`${model} b${batch} ${runner}: ${fmt(m?.medianUs, 1)} µs\n`);
      }
      const gflops = (runner: RunnerName): number | undefined => {
        const us = results.get(runner)?.medianUs;
        return us === undefined ? undefined : (flops * batch) / us / 1e3;
      };
      rows.push([model, String(batch), ...runners.map((r) => fmt(results.get(r)?.medianUs, 1)),
        fmt(gflops('fusegraph-wasm'), 1), fmt(gflops('fusegraph-wasm-relaxed'), 1),
        fmt(speedup(results, 'fusegraph-wasm', 'ort-web')), fmt(speedup(results, 'fusegraph-wasm', 'tfjs-wasm')),
        fmt(speedup(results, 'fusegraph-wasm', 'ort-node')), fmt(speedup(results, 'fusegraph-wasm-relaxed', 'ort-node'))]);
    }
  }
  const lines = [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) runWasmBench(process.argv.slice(2));
