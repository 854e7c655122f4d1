// The CNN benchmark of issue 11: LeNet, MobileNetV2, ResNet-18 and four single conv layers on
// fusegraph's wasm and JS bundles, onnxruntime-node, onnxruntime-web and tfjs-wasm, every
// measurement in its own process (../process/child.ts), plus ResNet-18's compile time per target.
//
//   npm run bench -- --cnn [--runners a,b] [--models lenet,resnet18] [--repeat 3] [--out file.md] [--json raw.json]
//
// Writes the Markdown to stdout and test/bench/results/cnn.md. On a shared machine a process
// may be descheduled for a while; each measurement runs in `--repeat` separate processes,
// interleaved round by round with the others, and the lowest median counts (wall and CPU time
// each; the best round too); --json writes every process's measurement.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interpret } from '../../../ir/interpret.ts';
import { TARGET_NAMES, type TargetName } from '../../../src/compile.ts';
import { CNN_CASES, flopsPerSample, LAYER_CASES, outputName, type BenchCase } from '../process/cases.ts';
import type { Measurement } from '../process/child.ts';
import { prepareRunner, type RunnerName } from '../process/runners.ts';
import { failureCause, listArg, measureInChild } from '../process/spawn.ts';
import type { CompileTime } from './compile-time.ts';
import { formatCnnReport, type CaseResult } from './report.ts';
import { scratchDir } from '../../support/temp-dir.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const RUNNERS: readonly RunnerName[] = ['fusegraph-wasm', 'fusegraph-js', 'ort-node', 'ort-web', 'tfjs-wasm'];
/** Above this many flops per call the interpreter (~30 MFLOP/s here) is too slow to be the reference. */
const INTERPRETER_FLOPS = 0.5e9;
const COMPILE_MODEL = 'resnet18';

interface Job { readonly bench: BenchCase; readonly batch: number; readonly flops: number; readonly reference: string; readonly file: string }

/** The reference output of one case, computed once here and written for every child to read. */
async function writeReference(dir: string, bench: BenchCase, batch: number, flops: number): Promise<{ reference: string; file: string }> {
  const graph = bench.graph();
  const x = bench.input(batch);
  let output: Float32Array;
  let reference: string;
  if (flops * batch <= INTERPRETER_FLOPS) {
    output = interpret(graph, { x })[outputName(graph)] ?? new Float32Array();
    reference = 'interpreter';
  } else {
    output = await (await prepareRunner('fusegraph-js', { graph, x, shape: bench.inputShape(batch) })).infer();
    reference = 'fusegraph-js';
  }
  const file = join(dir, `ref_${bench.name}_${batch}.bin`);
  writeFileSync(file, new Uint8Array(output.buffer, output.byteOffset, output.byteLength));
  return { reference, file };
}

function compileTime(target: TargetName, model: string): CompileTime | string {
  const script = join(HERE, 'compile-time.ts');
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', script, target, model], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
    return JSON.parse(out.trim().split('\n').pop() ?? '') as CompileTime;
  } catch (error) {
    return failureCause(error);
  }
}

/** The peers' versions, as installed. */
function versions(): string {
  // Read from the files: onnxruntime-web's exports map hides its package.json from require.
  const version = (name: string): string => {
    const manifest = JSON.parse(readFileSync(join(HERE, '../../../node_modules', name, 'package.json'), 'utf8')) as { version?: string };
    return manifest.version ?? '?';
  };
  return `onnxruntime-node ${version('onnxruntime-node')}, onnxruntime-web ${version('onnxruntime-web')}, @tensorflow/tfjs-backend-wasm ${version('@tensorflow/tfjs-backend-wasm')}`;
}

/** The machine and how busy it was (1-minute load average), for reading the numbers. */
function machine(): string {
  return `${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, load average ${loadavg()[0]?.toFixed(1) ?? '?'}`;
}

/** Runs the benchmark, prints the report and writes it; `argv` holds the flags above. */
export async function runCnnBench(argv: readonly string[]): Promise<void> {
  const runners = listArg(argv, '--runners', RUNNERS, (t) => t as RunnerName);
  const names = listArg(argv, '--models', [...CNN_CASES, ...LAYER_CASES].map((c) => c.name), (t) => t);
  const repeat = listArg(argv, '--repeat', [3], Number)[0] ?? 3;
  const out = listArg(argv, '--out', [join(HERE, '..', 'results', 'cnn.md')], (t) => t)[0] ?? '';
  const json = listArg<string>(argv, '--json', [], (t) => t)[0];
  const dir = scratchDir('fusegraph-cnn-bench-');

  const loadBefore = machine();
  const jobs: Job[] = [];
  for (const bench of [...CNN_CASES, ...LAYER_CASES].filter((c) => names.includes(c.name))) {
    const flops = flopsPerSample(bench);
    for (const batch of bench.batches) {
      process.stderr.write(`bench: reference for ${bench.name} b${batch}…\n`);
      jobs.push({ bench, batch, flops, ...(await writeReference(dir, bench, batch, flops)) });
    }
  }

  const best = new Map<string, Measurement>();
  /** Every process's measurement, for `--json`. */
  const raw: Measurement[] = [];
  const loads: number[] = [];
  const failed = new Map<string, string>();
  const key = (job: Job, runner: RunnerName): string => `${job.bench.name}/${job.batch}/${runner}`;
  const compileTimes = new Map<TargetName, CompileTime | string>();
  for (let round = 0; round < repeat; round++) {
    for (const target of names.includes(COMPILE_MODEL) ? TARGET_NAMES : []) {
      const time = compileTime(target, COMPILE_MODEL);
      const known = compileTimes.get(target);
      process.stderr.write(`bench: round ${round + 1}/${repeat}, compiling ${COMPILE_MODEL} to ${target}: ${typeof time === 'string' ? `failed: ${time}` : `${time.ms.toFixed(0)} ms`}\n`);
      if (known === undefined || (typeof time !== 'string' && (typeof known === 'string' || time.ms < known.ms))) compileTimes.set(target, time);
    }
    for (const job of jobs) {
      for (const runner of runners) {
        loads.push(loadavg()[0] ?? NaN);
        const result = measureInChild(runner, job.bench.name, job.batch, job.file);
        const label = `bench: round ${round + 1}/${repeat}, ${job.bench.name} b${job.batch} ${runner}`;
        if (typeof result === 'string') {
          failed.set(key(job, runner), result);
          process.stderr.write(`${label}: failed: ${result}\n`);
          continue;
        }
        process.stderr.write(`${label}: ${(result.medianUs / 1e3).toFixed(3)} ms\n`);
        const known = best.get(key(job, runner));
        raw.push(result);
        // Each figure keeps its lowest over the processes: load only ever slows a process down.
        best.set(key(job, runner), known === undefined ? result : {
          ...(result.medianUs < known.medianUs ? result : known),
          bestUs: Math.min(result.bestUs, known.bestUs), cpuMedianUs: Math.min(result.cpuMedianUs, known.cpuMedianUs),
        });
      }
    }
  }

  const rowOf = (job: Job): CaseResult => ({
    model: job.bench.name, batch: job.batch, flopsPerSample: job.flops, reference: job.reference,
    results: new Map(runners.flatMap((r) => { const m = best.get(key(job, r)); return m === undefined ? [] : [[r, m] as const]; })),
    // A failure counts only if no other round of that runner succeeded (a load spike may time one out).
    failures: new Map(runners.flatMap((r) => { const why = failed.get(key(job, r)); return why === undefined || best.has(key(job, r)) ? [] : [[r, why] as const]; })),
  });
  const isLayer = (job: Job): boolean => LAYER_CASES.includes(job.bench);
  const text = formatCnnReport(jobs.filter((j) => !isLayer(j)).map(rowOf), jobs.filter(isLayer).map(rowOf), {
    date: new Date().toISOString(), node: process.version, repeat, runners,
    setting: `${versions()}; ${loadBefore} at the start, ${loadavg()[0]?.toFixed(1) ?? '?'} at the end, `
      + `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} as the processes started`,
    compileTimes: TARGET_NAMES.flatMap((t) => { const c = compileTimes.get(t); return c === undefined ? [] : [[t, c] as const]; }),
    compileModel: COMPILE_MODEL,
  });
  process.stdout.write(text);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  if (json !== undefined) writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), measurements: raw }, null, 1));
  process.stderr.write(`bench: wrote ${out}\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await runCnnBench(process.argv.slice(2));
