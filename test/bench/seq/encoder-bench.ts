// Issue 12's benchmark (not a test): a 2-layer transformer encoder (d_model 128, 4 heads,
// feed-forward 512, post-norm, ReLU, batch_first) at sequence lengths 64 and 256, batch 1:
// fusegraph's WASM bundle (plain and relaxed SIMD pinned to 1 thread, plain on 2 threads, and
// one bundle compiled with a symbolic S, run-time sizes, on 1 and 2 threads, beside the one with
// S fixed at compile time), JS bundle and WGSL bundle (on whatever WebGPU adapter Node gets: SwiftShader, a CPU
// adapter, where there is no GPU) against onnxruntime-web (wasm, 1 thread, or `--ort-threads N`:
// it fixes its thread count per process, so a 2-thread ort-web row takes a second run) and
// onnxruntime-node (1 thread) on the same weights, all in this one process.
//
//   node --experimental-wasm-relaxed-simd --import tsx test/bench/seq/encoder-bench.ts [--ort-threads 2] [S ...] [--runners a,b]
//
// Every runner's output is checked once against the interpreter before it is timed; the
// runners then take turns, round by round (15 rounds), and the table gives each one's median /
// best round in milliseconds per inference and its median process CPU time per inference (on
// a loaded machine wall time includes waiting for a core), with fusegraph-wasm's speed-up over
// ort-web.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Graph } from '../../../ir/graph.ts';
import { interpret } from '../../../ir/interpret.ts';
import { compile, type CompileOptions } from '../../../src/compile.ts';
import { sequential, toGraph, transformerEncoderLayer } from '../../../src/nn.ts';
import { Random } from '../../../src/random.ts';
import { compareArrays } from '../../../src/tolerance.ts';
import { scratchDir } from '../../support/temp-dir.ts';

const D_MODEL = 128;
const ORT_THREADS_AT = process.argv.indexOf('--ort-threads');
const ORT_THREADS = ORT_THREADS_AT >= 0 ? Number(process.argv[ORT_THREADS_AT + 1]) : 1;
const ORT_WEB = ORT_THREADS === 1 ? 'ort-web' : `ort-web ${ORT_THREADS}t`;
type Infer = () => Float32Array | Promise<Float32Array>;
type Results = Record<string, Float32Array>;

function encoder(sequence: number | 'S'): Graph {
  const layer = () => transformerEncoderLayer(D_MODEL, 4, { dimFeedforward: 512, activation: 'relu' });
  return toGraph(sequential(layer(), layer()), { name: `encoder_s${sequence}`, inputShape: ['N', sequence, D_MODEL], outputName: 'y', seed: 7 });
}

/** The encoder with a symbolic S (same weights: same seed and names), compiled once for every length. */
let symbolicEncoder: Graph | undefined;

async function importCompiled(graph: Graph, options: CompileOptions): Promise<Record<string, unknown>> {
  const bundle = compile(graph, options);
  const dir = scratchDir('fusegraph-seq-bench-');
  for (const file of bundle.files) writeFileSync(join(dir, file.name), file.contents);
  return (await import(pathToFileURL(join(dir, bundle.entry)).href)) as Record<string, unknown>;
}

/**
 * The encoder as ONNX for onnxruntime. The writer is loaded on first use: it pulls in
 * protobufjs, after which V8 runs the JS bundle's kernels ~1.75× slower for the rest of the
 * process (onnxruntime-node does the same), so `--runners fusegraph-js,…` without the
 * onnxruntime runners times the JS bundle without that handicap.
 */
async function onnxBytes(graph: Graph): Promise<Uint8Array> {
  const { writeOnnx } = await import('../../../src/frontends/onnx/writer.ts');
  return writeOnnx(graph, { opset: 17 });
}

/** The WebGPU adapter the WGSL runner got, for the report. */
let adapter: string | undefined;

const RUNNERS: Readonly<Record<string, (graph: Graph, x: Float32Array, shape: number[]) => Promise<Infer>>> = {
  'fusegraph-wasm': async (graph, x) => {
    const module = await importCompiled(graph, { target: 'wasm', wasm: { relaxed: false } });
    // One thread, pinned (load() defaults to every core): the peers run one thread.
    const session = await (module.load as (options: object) => Promise<{ runSync(feeds: object): Results }>)({ threads: 1 });
    return () => session.runSync({ x }).y ?? new Float32Array();
  },
  'fusegraph-wasm-relaxed': async (graph, x) => {
    const module = await importCompiled(graph, { target: 'wasm', wasm: { relaxed: true } });
    const session = await (module.load as (options: object) => Promise<{ relaxedSimd: boolean; runSync(feeds: object): Results }>)({ threads: 1 });
    if (!session.relaxedSimd) throw new Error('relaxed SIMD unavailable (run node with --experimental-wasm-relaxed-simd)');
    return () => session.runSync({ x }).y ?? new Float32Array();
  },
  'fusegraph-wasm 2t': async (graph, x) => {
    const module = await importCompiled(graph, { target: 'wasm', wasm: { relaxed: false } });
    const session = await (module.load as (options: object) => Promise<{ threads: number; run(feeds: object): Promise<Results> }>)({ threads: 2 });
    if (session.threads !== 2) throw new Error(`loaded ${session.threads} threads`);
    return async () => (await session.run({ x })).y ?? new Float32Array();
  },
  'fusegraph-wasm-symbolic-S': async (_graph, x, shape) => {
    symbolicEncoder ??= encoder('S');
    const module = await importCompiled(symbolicEncoder, { target: 'wasm', wasm: { relaxed: false } });
    // One thread, pinned: the symbolic-S bundle now splits its affine kernels when threads are asked for.
    const session = await (module.load as (options: object) => Promise<{ runSync(feeds: object, dims: object): Results }>)({ threads: 1 });
    const dims = { N: shape[0], S: shape[1] };
    return () => session.runSync({ x }, dims).y ?? new Float32Array();
  },
  // The same symbolic-S bundle on 2 threads: its affine kernels (linear, attention, …) split, its general ones (head transposes) do not.
  'fusegraph-wasm-symbolic-S 2t': async (_graph, x, shape) => {
    symbolicEncoder ??= encoder('S');
    const module = await importCompiled(symbolicEncoder, { target: 'wasm', wasm: { relaxed: false } });
    const session = await (module.load as (options: object) => Promise<{ threads: number; run(feeds: object, dims: object): Promise<Results> }>)({ threads: 2 });
    if (session.threads !== 2) throw new Error(`loaded ${session.threads} threads`);
    const dims = { N: shape[0], S: shape[1] };
    return async () => (await session.run({ x }, dims)).y ?? new Float32Array();
  },
  'fusegraph-js': async (graph, x) => {
    const module = await importCompiled(graph, { target: 'js' });
    const run = module.run as (feeds: object) => Results;
    return () => run({ x }).y ?? new Float32Array();
  },
  // WebGPU in Node through Dawn: on a machine without a GPU the adapter is SwiftShader, a CPU
  // renderer with worker threads of its own, so this row is not a GPU number (the table says which
  // adapter ran it). One run() is timed end to end: upload, every dispatch, readback.
  'fusegraph-wgsl': async (graph, x) => {
    const { gpuDevice } = await import('../../support/webgpu.ts');
    const { device, description } = await gpuDevice();
    adapter = description;
    const module = await importCompiled(graph, { target: 'wgsl' });
    const load = module.load as (options: object) => Promise<{ run(feeds: object): Promise<Results> }>;
    const session = await load({ device, maxBatch: 1 });
    return async () => (await session.run({ x })).y ?? new Float32Array();
  },
  'ort-node': async (graph, x, shape) => {
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(await onnxBytes(graph), {
      intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
    });
    const feeds = { x: new ort.Tensor('float32', x, shape) };
    return async () => (await session.run(feeds)).y?.data as Float32Array;
  },
  [ORT_WEB]: async (graph, x, shape) => {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = ORT_THREADS;
    ort.env.wasm.wasmPaths = join(process.cwd(), 'node_modules/onnxruntime-web/dist/');
    const session = await ort.InferenceSession.create(await onnxBytes(graph), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const feeds = { x: new ort.Tensor('float32', x, shape) };
    return async () => (await session.run(feeds)).y?.data as Float32Array;
  },
};

interface Timed {
  readonly name: string;
  readonly calls: (n: number) => Promise<void>;
  readonly perRound: number;
  /** Idle time after this runner's turn, so a runner's own threads (SwiftShader's) stop before the next is timed. */
  readonly settleMs: number;
  readonly times: number[];
  /** Process CPU time per inference in each round (on a loaded machine, steadier than wall time). */
  readonly cpu: number[];
}

interface Timing {
  readonly median: number;
  readonly best: number;
  readonly cpuMedian: number;
}

/** Warms a runner up for 600 ms and sizes its rounds to about a tenth of that. */
async function prepare(name: string, infer: Infer): Promise<Timed> {
  const asynchronous = infer() instanceof Promise;
  const calls = async (n: number): Promise<void> => {
    if (asynchronous) for (let i = 0; i < n; i++) await infer();
    else for (let i = 0; i < n; i++) infer();
  };
  let count = 0;
  const until = performance.now() + 600;
  while (performance.now() < until) { await calls(2); count += 2; }
  return { name, calls, perRound: Math.max(1, Math.round(count / 10)), settleMs: name === 'fusegraph-wgsl' ? 50 : 0, times: [], cpu: [] };
}

/**
 * 15 rounds, each timing every runner once in turn (ms per inference), so a burst of load on
 * this shared machine hits all runners alike; the median and the best of each runner's rounds.
 */
async function timeInterleaved(runners: readonly Timed[]): Promise<Map<string, Timing>> {
  for (let round = 0; round < 15; round++) {
    for (const runner of runners) {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      await runner.calls(runner.perRound);
      const cpu = process.cpuUsage(cpuStart);
      runner.times.push((performance.now() - start) / runner.perRound);
      runner.cpu.push((cpu.user + cpu.system) / 1000 / runner.perRound);
      if (runner.settleMs > 0) await new Promise((resolve) => setTimeout(resolve, runner.settleMs));
    }
  }
  const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[7] ?? NaN;
  return new Map(runners.map((runner) => [runner.name, {
    median: median(runner.times), best: Math.min(...runner.times), cpuMedian: median(runner.cpu),
  }]));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--runners');
  const wanted = at >= 0 ? args[at + 1]?.split(',') : undefined;
  const sequences = args
    .filter((arg, i) => (at < 0 || (i !== at && i !== at + 1)) && arg !== '--ort-threads' && args[i - 1] !== '--ort-threads')
    .map(Number).filter(Number.isFinite);
  const lengths = sequences.length ? sequences : [64, 256];
  const runners = Object.entries(RUNNERS).filter(([name]) => wanted === undefined || wanted.includes(name));
  const rows: string[] = ['| runner | ' + lengths.map((s) => `S = ${s}: median / best (ms), CPU (ms)`).join(' | ') + ' |'];
  const table = new Map<string, string[]>();
  const ratios: string[] = [];
  for (const sequence of lengths) {
    const graph = encoder(sequence);
    const x = new Random(1).uniformArray(sequence * D_MODEL, -1, 1);
    const expected = interpret(graph, { x }).y ?? new Float32Array();
    const ready: Timed[] = [];
    const failed = new Map<string, string>();
    for (const [name, make] of runners) {
      try {
        const infer = await make(graph, x, [1, sequence, D_MODEL]);
        const check = compareArrays(expected, await infer(), { abs: 1e-3, rel: 1e-3 });
        if (!check.ok) throw new Error(`computes something else: ${JSON.stringify(check.mismatch)}`);
        ready.push(await prepare(name, infer));
      } catch (error) {
        failed.set(name, `failed: ${error instanceof Error ? error.message.slice(0, 80) : String(error)}`);
      }
    }
    const timed = await timeInterleaved(ready);
    for (const [name] of runners) {
      const result = timed.get(name);
      const cell = result === undefined ? failed.get(name) ?? 'failed'
        : `${result.median.toFixed(2)} / ${result.best.toFixed(2)}, ${result.cpuMedian.toFixed(2)}`;
      table.set(name, [...(table.get(name) ?? []), cell]);
      process.stderr.write(`S=${sequence} ${name}: ${cell}\n`);
    }
    const web = timed.get(ORT_WEB);
    for (const runner of ['fusegraph-wasm', 'fusegraph-wasm 2t']) {
      const wasm = timed.get(runner);
      if (wasm === undefined || web === undefined) continue;
      ratios.push(`S = ${sequence}: ${runner} is ${(web.median / wasm.median).toFixed(2)}× (median) / ${(web.best / wasm.best).toFixed(2)}× (best) / `
        + `${(web.cpuMedian / wasm.cpuMedian).toFixed(2)}× (median CPU time, all threads) faster than ${ORT_WEB}`);
    }
    const symbolic = timed.get('fusegraph-wasm-symbolic-S');
    const wasm = timed.get('fusegraph-wasm');
    if (symbolic !== undefined && web !== undefined && wasm !== undefined) {
      ratios.push(`S = ${sequence}: the symbolic-S bundle is ${(web.median / symbolic.median).toFixed(2)}× (median) / ${(web.cpuMedian / symbolic.cpuMedian).toFixed(2)}× (median CPU time) faster than ${ORT_WEB}, `
        + `${(symbolic.cpuMedian / wasm.cpuMedian).toFixed(2)}× the CPU time of the bundle with S fixed`);
    }
  }
  for (const [name, cells] of table) rows.splice(rows.length, 0, `| ${name} | ${cells.join(' | ')} |`);
  rows.splice(1, 0, `|---|${rows[0]?.split('|').slice(2, -1).map(() => '---').join('|')}|`);
  const note = adapter === undefined ? [] : [`fusegraph-wgsl ran on ${adapter}${/swiftshader/i.test(adapter) ? ': a CPU adapter (SwiftShader), not a GPU number; its CPU time counts SwiftShader\'s threads' : ''}`];
  // A blank line ends the Markdown table, so the notes do not read as rows.
  process.stdout.write(`${rows.join('\n')}\n\n${[...ratios, ...note].join('\n')}\n`);
}

await main();
