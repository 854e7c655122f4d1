// The wasm benchmark: every runner × model × batch in its own process (../process/child.ts), then a
// table of microseconds per inference (median of 15 rounds), the wasm bundle's GFLOP/s, and
// its speed relative to each peer against the targets of issue 7, by wall time and by CPU time.
// fusegraph-wasm runs one thread (load({ threads: 1 })), as every peer does.
//
//   npm run bench -- --target wasm [--runners a,b] [--models seed,deep] [--batches 1,32,256] [--repeat 2]
//   (or npx tsx test/bench/wasm/run.ts with the same flags)
//
// On a shared machine a process may be descheduled for a while; each measurement therefore
// runs in `--repeat` separate processes (default 2), interleaved round by round, and the lowest
// median counts.

import { writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interpret } from '../../../ir/interpret.ts';
import { caseByName, flopsPerSample, MLP_CASES, outputName } from '../process/cases.ts';
import type { Measurement } from '../process/child.ts';
import { RUNNER_NAMES, type RunnerName } from '../process/runners.ts';
import { listArg, measureInChild } from '../process/spawn.ts';
import { scratchDir } from '../../support/temp-dir.ts';

const MODEL_NAMES = MLP_CASES.map((c) => c.name);
const BATCHES = [1, 32, 256];

function measure(runner: RunnerName, model: string, batch: number, reference: string): Measurement | undefined {
  const result = measureInChild(runner, model, batch, reference);
  if (typeof result !== 'string') return result;
  process.stderr.write(`${runner} ${model} batch ${batch}: failed: ${result}\n`);
  return undefined;
}

type Field = 'medianUs' | 'cpuMedianUs';

/** How many times faster `ours` is than `theirs` (peer time / our time), by wall median or CPU time. */
function speedup(results: ReadonlyMap<RunnerName, Measurement>, ours: RunnerName, theirs: RunnerName, field: Field = 'medianUs'): number | undefined {
  const a = results.get(ours)?.[field];
  const b = results.get(theirs)?.[field];
  return a === undefined || b === undefined ? undefined : b / a;
}

const fmt = (value: number | undefined, digits = 2): string => (value === undefined ? '-' : value.toFixed(digits));

/** The lower of two measurements, field by field: other processes on a shared machine only slow a run down. */
function lower(a: Measurement | undefined, b: Measurement): Measurement {
  if (a === undefined) return b;
  return { ...(b.medianUs < a.medianUs ? b : a), cpuMedianUs: Math.min(a.cpuMedianUs, b.cpuMedianUs), bestUs: Math.min(a.bestUs, b.bestUs) };
}

/** Runs the benchmark and prints the table; `argv` holds the flags above. */
export function runWasmBench(argv: readonly string[]): void {
  const runners = listArg(argv, '--runners', RUNNER_NAMES, (t) => t as RunnerName);
  const models = listArg(argv, '--models', MODEL_NAMES, (t) => t);
  const batches = listArg(argv, '--batches', BATCHES, Number);
  const repeat = listArg(argv, '--repeat', [2], Number)[0] ?? 2;
  // The interpreter's output, once per case, for every child to check against (a child would
  // otherwise interpret the deep MLP at batch 256 itself, ~15 s, in each of its processes).
  const dir = scratchDir('fusegraph-wasm-bench-');
  const references = new Map<string, string>();
  for (const model of models) {
    const bench = caseByName(model);
    const graph = bench.graph();
    for (const batch of batches) {
      const output = interpret(graph, { x: bench.input(batch) })[outputName(graph)] ?? new Float32Array();
      const file = join(dir, `ref_${model}_${batch}.bin`);
      writeFileSync(file, new Uint8Array(output.buffer, output.byteOffset, output.byteLength));
      references.set(`${model}:${batch}`, file);
    }
  }
  // Rounds interleave: every runner × case once per round, so a burst of load hits all alike.
  const results = new Map<string, Map<RunnerName, Measurement>>();
  const loads: number[] = [];
  for (let round = 0; round < repeat; round++) {
    for (const model of models) {
      for (const batch of batches) {
        const key = `${model}:${batch}`;
        const row = results.get(key) ?? new Map<RunnerName, Measurement>();
        results.set(key, row);
        for (const runner of runners) {
          loads.push(loadavg()[0] ?? NaN);
          const next = measure(runner, model, batch, references.get(key) ?? '');
          if (next !== undefined) row.set(runner, lower(row.get(runner), next));
          process.stderr.write(`round ${round + 1}/${repeat} ${model} b${batch} ${runner}: ${fmt(next?.medianUs, 1)} µs, CPU ${fmt(next?.cpuMedianUs, 1)} µs\n`);
        }
      }
    }
  }
  const header = ['model', 'batch', ...runners.map((r) => `${r} µs`), 'wasm GFLOP/s', 'relaxed GFLOP/s',
    '×ort-web (≥1.1)', '×tfjs-wasm (≥1.0)', '×ort-node (≥1.2 b1 / ≥0.2)', 'relaxed ×ort-node (≥0.25)'];
  const cpuHeader = ['model', 'batch', ...runners.map((r) => `${r} CPU µs`), '×ort-web', '×tfjs-wasm', '×ort-node', 'relaxed ×ort-node'];
  const rows: string[][] = [];
  const cpuRows: string[][] = [];
  for (const model of models) {
    const flops = flopsPerSample(caseByName(model));
    for (const batch of batches) {
      const row = results.get(`${model}:${batch}`) ?? new Map<RunnerName, Measurement>();
      const gflops = (runner: RunnerName): number | undefined => {
        const us = row.get(runner)?.medianUs;
        return us === undefined ? undefined : (flops * batch) / us / 1e3;
      };
      rows.push([model, String(batch), ...runners.map((r) => fmt(row.get(r)?.medianUs, 1)),
        fmt(gflops('fusegraph-wasm'), 1), fmt(gflops('fusegraph-wasm-relaxed'), 1),
        fmt(speedup(row, 'fusegraph-wasm', 'ort-web')), fmt(speedup(row, 'fusegraph-wasm', 'tfjs-wasm')),
        fmt(speedup(row, 'fusegraph-wasm', 'ort-node')), fmt(speedup(row, 'fusegraph-wasm-relaxed', 'ort-node'))]);
      cpuRows.push([model, String(batch), ...runners.map((r) => fmt(row.get(r)?.cpuMedianUs, 1)),
        fmt(speedup(row, 'fusegraph-wasm', 'ort-web', 'cpuMedianUs')), fmt(speedup(row, 'fusegraph-wasm', 'tfjs-wasm', 'cpuMedianUs')),
        fmt(speedup(row, 'fusegraph-wasm', 'ort-node', 'cpuMedianUs')), fmt(speedup(row, 'fusegraph-wasm-relaxed', 'ort-node', 'cpuMedianUs'))]);
    }
  }
  const table = (head: string[], body: string[][]): string => [head, head.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  const finite = loads.filter(Number.isFinite);
  process.stdout.write(`Wall time, median of each process's rounds, lowest of ${repeat} interleaved processes:\n\n${table(header, rows)}\n\n`
    + `Median CPU time per call (all threads; not counting waits for a core), lowest of the same processes:\n\n${table(cpuHeader, cpuRows)}\n\n`
    + `Load average (1 min) while it ran: ${fmt(Math.min(...finite), 1)}–${fmt(Math.max(...finite), 1)} on ${cpus().length} cores.\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) runWasmBench(process.argv.slice(2));
