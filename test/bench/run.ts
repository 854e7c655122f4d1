// `npm run bench`: fusegraph's JS bundle against TensorFlow.js (cpu backend), onnxruntime-node
// (1 thread) and onnxruntime-web (wasm, 1 thread) on the seed and deep MLPs at batches 1, 32
// and 256. Each runner runs in its own process on the same weights and inputs; its outputs
// are checked against the interpreter before its timings count; every runner runs twice,
// interleaved, and each batch keeps its faster round (and the lower CPU median and p10). Also measures the seed
// bundle's cold start and size. Prints a Markdown table and writes it to
// test/bench/results/latest.md (or the path given as the first argument).

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { interpret } from '../../ir/interpret.ts';
import { compile } from '../../src/compile.ts';
import { writeOnnx } from '../../src/frontends/onnx/writer.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { BATCHES, BENCH_MODELS, benchInput, flopsPerSample, layerTensors, type BenchModel } from './models.ts';
import type { CallStats, RunnerJob, RunnerReport } from './protocol.ts';
import { formatReport, type Measurement, type StartupFacts } from './report.ts';
import { scratchDir } from '../support/temp-dir.ts';

// `npm run bench -- --target wgsl`: the WGSL bundle's own benchmark (test/bench/wgsl-bench.ts).
const targetFlag = process.argv.indexOf('--target');
if (targetFlag !== -1 && process.argv[targetFlag + 1] === 'wgsl') {
  const { runWgslBench } = await import('./wgsl-bench.ts');
  await runWgslBench(process.argv.slice(2));
  process.exit(0);
}
// `npm run bench -- --target wasm`: the wasm bundle against its peers (test/bench/wasm/run.ts).
if (targetFlag !== -1 && process.argv[targetFlag + 1] === 'wasm') {
  const { runWasmBench } = await import('./wasm/run.ts');
  runWasmBench(process.argv.slice(2));
  process.exit(0);
}

// `npm run bench -- --cnn`: issue 11's CNN benchmark (test/bench/cnn/run.ts).
if (process.argv.includes('--cnn')) {
  const { runCnnBench } = await import('./cnn/run.ts');
  await runCnnBench(process.argv.slice(2).filter((arg) => arg !== '--cnn'));
  process.exit(0);
}

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const RUNNERS = [
  { name: 'fusegraph', file: 'fusegraph.ts' },
  { name: 'tfjs-cpu', file: 'tfjs.ts' },
  { name: 'ort-node', file: 'onnxruntime.ts' },
  { name: 'ort-web', file: 'onnxruntime.ts' },
] as const;
const BUDGET_MS = Number(process.env['FUSEGRAPH_BENCH_MS'] ?? 1000);
/** Every runner runs this many times, interleaved; each batch keeps its faster round. */
const ROUNDS = Number(process.env['FUSEGRAPH_BENCH_ROUNDS'] ?? 2);

function prepare(dir: string, model: BenchModel): void {
  const bundle = compile(model.graph, { target: 'js', level: 'O2' });
  for (const file of bundle.files) writeFileSync(join(dir, file.name), file.contents);
  writeFileSync(join(dir, `${model.name}.onnx`), writeOnnx(model.graph));
  const tensors = layerTensors(model.graph);
  let offset = 0;
  const layers = model.layers.map(([inputs, outputs]) => {
    const layer = { in: inputs, out: outputs, offset };
    offset += inputs * outputs + outputs;
    return layer;
  });
  const floats = new Float32Array(offset);
  tensors.forEach(({ weight, bias }, index) => {
    const at = layers[index]?.offset ?? 0;
    floats.set(weight, at);
    floats.set(bias, at + weight.length);
  });
  writeFileSync(join(dir, `${model.name}.layers.json`), JSON.stringify({ layers }));
  writeFileSync(join(dir, `${model.name}.layers.bin`), new Uint8Array(floats.buffer));
}

function runRunner(dir: string, runner: (typeof RUNNERS)[number], model: BenchModel): RunnerReport | string {
  const job: RunnerJob = { runner: runner.name, dir, model: model.name, batches: [...BATCHES], budgetMs: BUDGET_MS };
  const jobFile = join(dir, `job_${runner.name}_${model.name}.json`);
  writeFileSync(jobFile, JSON.stringify(job));
  try {
    const output = execFileSync(process.execPath, ['--import', 'tsx', join(HERE, 'runners', runner.file), jobFile], {
      cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000,
    });
    const line = output.trim().split('\n').pop() ?? '';
    return JSON.parse(line) as RunnerReport;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    return stderr.trim().split('\n').slice(-3).join(' | ');
  }
}

/** The runner's outputs against the interpreter's, batch by batch. */
function agreement(dir: string, runner: string, model: BenchModel): string | undefined {
  const tolerance = toleranceFor(model.graph);
  for (const batch of BATCHES) {
    const expected = interpret(model.graph, { x: benchInput(batch) })['logits'] ?? new Float32Array();
    const bytes = readFileSync(join(dir, `out_${runner}_${model.name}_${batch}.bin`));
    const actual = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const comparison = compareArrays(expected, actual, tolerance);
    if (!comparison.ok) return `batch ${batch}: ${JSON.stringify(comparison.mismatch)} (max abs error ${comparison.maxAbsError})`;
  }
  return undefined;
}

function coldStart(dir: string): StartupFacts {
  const script = join(dir, 'cold.mjs');
  writeFileSync(script, "import { run } from './seed_mlp.mjs';\nrun({ x: new Float32Array(784) });\nprocess.stdout.write(String(performance.now()));\n");
  // Node's own start-up, measured the same way, shows how much of the cold start is the bundle's.
  const empty = join(dir, 'empty.mjs');
  writeFileSync(empty, 'process.stdout.write(String(performance.now()));\n');
  const inProcess: number[] = [];
  const wall: number[] = [];
  const nodeAlone: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    const output = execFileSync(process.execPath, [script], { encoding: 'utf8' });
    wall.push(performance.now() - start);
    inProcess.push(Number(output));
    nodeAlone.push(Number(execFileSync(process.execPath, [empty], { encoding: 'utf8' })));
  }
  const median = (list: number[]): number => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? NaN;
  const module = readFileSync(join(dir, 'seed_mlp.mjs'), 'utf8');
  const base64 = /"([A-Za-z0-9+/=]{1000,})"/.exec(module)?.[1] ?? '';
  return {
    firstResultMs: median(inProcess),
    nodeAloneMs: median(nodeAlone),
    processWallMs: median(wall),
    bundleBytes: Buffer.byteLength(module),
    codeBytes: Buffer.byteLength(module) - base64.length,
  };
}

/**
 * Per batch, the round with the lower median, and the lower CPU median and p10 of the two:
 * other processes on a shared machine only ever slow a run down.
 */
function fasterRound(a: readonly CallStats[], b: readonly CallStats[]): CallStats[] {
  return a.map((stat) => {
    const other = b.find((s) => s.batch === stat.batch);
    if (other === undefined) return stat;
    const faster = other.medianUs < stat.medianUs ? other : stat;
    return { ...faster, cpuMedianUs: Math.min(stat.cpuMedianUs, other.cpuMedianUs), p10Us: Math.min(stat.p10Us, other.p10Us) };
  });
}

const dir = scratchDir('fusegraph-bench-');
for (const batch of BATCHES) writeFileSync(join(dir, `x_${batch}.bin`), new Uint8Array(benchInput(batch).buffer));
const measurements: Measurement[] = [];
/** The 1-minute load average as each runner process started. */
const loads: number[] = [];
for (const model of BENCH_MODELS) prepare(dir, model);
for (let round = 0; round < ROUNDS; round++) {
  for (const model of BENCH_MODELS) {
    for (const runner of RUNNERS) {
      process.stderr.write(`bench: round ${round + 1}/${ROUNDS}, ${runner.name} on ${model.name}…\n`);
      loads.push(loadavg()[0] ?? NaN);
      const result = runRunner(dir, runner, model);
      const known = measurements.find((m) => m.runner === runner.name && m.model === model.name);
      if (typeof result === 'string') {
        if (known === undefined) measurements.push({ runner: runner.name, model: model.name, flopsPerSample: flopsPerSample(model), error: result });
        continue;
      }
      const mismatch = agreement(dir, runner.name, model);
      const base = { runner: runner.name, model: model.name, flopsPerSample: flopsPerSample(model), version: result.version };
      const entry: Measurement = mismatch !== undefined ? { ...base, error: `outputs disagree with the interpreter: ${mismatch}` }
        : { ...base, stats: known?.stats === undefined ? result.stats : fasterRound(known.stats, result.stats) };
      if (known === undefined) measurements.push(entry);
      else if (known.error === undefined || entry.error === undefined) measurements.splice(measurements.indexOf(known), 1, entry);
    }
  }
}
const startup = coldStart(dir);
const load = `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} on ${cpus().length} cores`;
const text = formatReport(measurements, startup, { date: new Date().toISOString(), node: process.version, budgetMs: BUDGET_MS, rounds: ROUNDS, load });
process.stdout.write(text);
const target = process.argv[2] ?? join(HERE, 'results', 'latest.md');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, text);
process.stderr.write(`bench: wrote ${target}\n`);
