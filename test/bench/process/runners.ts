// The benchmark's runners: each prepares one model at one batch and returns a function that
// runs one inference on the shared input `x`. fusegraph bundles are compiled and imported the
// way users import them; the peers run the same weights through their own APIs, one thread
// (onnxruntime from the graph's ONNX export, tfjs rebuilt op by op in tfjs-graph.ts).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { typeOf, type Graph } from '../../../ir/graph.ts';
import { compile, type CompileOptions } from '../../../src/compile.ts';
import { outputName } from './cases.ts';
import { buildTfGraph } from './tfjs-graph.ts';
import { scratchDir } from '../../support/temp-dir.ts';

export type RunnerName = 'fusegraph-wasm' | 'fusegraph-wasm-relaxed' | 'fusegraph-js' | 'ort-node' | 'ort-web' | 'tfjs-wasm' | 'tfjs-cpu';
export const RUNNER_NAMES: readonly RunnerName[] = ['fusegraph-wasm', 'fusegraph-wasm-relaxed', 'fusegraph-js', 'ort-node', 'ort-web', 'tfjs-wasm', 'tfjs-cpu'];
/** Node flags a runner's process needs (Node 20 has relaxed SIMD behind a flag). */
export const RUNNER_FLAGS: Readonly<Partial<Record<RunnerName, readonly string[]>>> = {
  'fusegraph-wasm-relaxed': ['--experimental-wasm-relaxed-simd'],
};

/** One inference; returns the graph's output. */
export type Infer = () => Float32Array | Promise<Float32Array>;

export interface Prepared {
  readonly infer: Infer;
  /** The output in the graph's own layout, for the check (tfjs returns images NHWC); untimed. */
  readonly canonical?: (output: Float32Array) => Float32Array;
}

/** What every runner is given: the graph, its input `x` at one batch and that input's shape. */
export interface RunnerInput {
  readonly graph: Graph;
  readonly x: Float32Array;
  readonly shape: readonly number[];
}

type Results = Record<string, Float32Array>;

async function importCompiled(graph: Graph, options: CompileOptions): Promise<Record<string, unknown>> {
  const bundle = compile(graph, options);
  const dir = scratchDir('fusegraph-bench-');
  for (const file of bundle.files) writeFileSync(join(dir, file.name), file.contents);
  return (await import(pathToFileURL(join(dir, bundle.entry)).href)) as Record<string, unknown>;
}

/**
 * The ONNX writer, loaded only by the runners that need it: it pulls in protobufjs, and once
 * protobufjs is loaded V8 runs the JS bundle's kernels ~1.75× slower for the rest of the
 * process (seed MLP, batch 32: 735 → 1300 µs CPU per call; already optimized code deopts too).
 * The fusegraph runners' processes must not load it.
 */
async function onnxBytes(graph: Graph): Promise<Uint8Array> {
  const { writeOnnx } = await import('../../../src/frontends/onnx/writer.ts');
  return writeOnnx(graph);
}

function pick(results: Results, name: string): Float32Array {
  const value = results[name];
  if (value === undefined) throw new Error(`bench: the runner returned no output '${name}'`);
  return value;
}

async function fusegraphWasm({ graph, x }: RunnerInput, relaxed: boolean): Promise<Prepared> {
  const module = await importCompiled(graph, { target: 'wasm', wasm: { relaxed } });
  const load = module.load as (options?: object) => Promise<{ relaxedSimd: boolean; threads: number; runSync(feeds: object): Results }>;
  // One thread, pinned: load() defaults to every core, and the peers here run one thread each.
  const session = await load({ threads: 1 });
  if (session.threads !== 1) throw new Error(`bench: fusegraph-wasm loaded with ${session.threads} threads, expected 1`);
  if (session.relaxedSimd !== relaxed) {
    const problem = relaxed ? 'not available (run under --experimental-wasm-relaxed-simd)' : 'chosen unexpectedly';
    throw new Error(`bench: relaxed SIMD ${problem}`);
  }
  const feeds = { x };
  const output = outputName(graph);
  return { infer: () => pick(session.runSync(feeds), output) };
}

async function fusegraphJs({ graph, x }: RunnerInput): Promise<Prepared> {
  const module = await importCompiled(graph, { target: 'js' });
  // A large model's weights sit in a .weights.bin beside the module; load() reads them first.
  await (module.load as () => Promise<unknown>)();
  const run = module.run as (feeds: object) => Results;
  const feeds = { x };
  const output = outputName(graph);
  return { infer: () => pick(run(feeds), output) };
}

async function onnxRuntimeNode({ graph, x, shape }: RunnerInput): Promise<Prepared> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(await onnxBytes(graph), {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const feeds = { x: new ort.Tensor('float32', x, [...shape]) };
  const output = outputName(graph);
  return { infer: async () => (await session.run(feeds))[output]?.data as Float32Array };
}

async function onnxRuntimeWeb({ graph, x, shape }: RunnerInput): Promise<Prepared> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = join(process.cwd(), 'node_modules/onnxruntime-web/dist/');
  const session = await ort.InferenceSession.create(await onnxBytes(graph), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feeds = { x: new ort.Tensor('float32', x, [...shape]) };
  const output = outputName(graph);
  return { infer: async () => (await session.run(feeds))[output]?.data as Float32Array };
}

async function tensorflow({ graph, x, shape }: RunnerInput, backend: 'wasm' | 'cpu'): Promise<Prepared> {
  const tf = await import('@tensorflow/tfjs-core');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setWasmPaths(join(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
  }
  if (!(await tf.setBackend(backend))) throw new Error(`bench: tfjs backend ${backend} unavailable`);
  const model = buildTfGraph(tf, graph);
  // An image goes in as NHWC, transposed once here: tfjs's users hold images that way.
  const nchw = tf.tensor(x, [...shape]);
  const input = model.inputNhwc ? tf.transpose(nchw, [0, 2, 3, 1]) : nchw;
  const infer = (): Float32Array => {
    const y = model.run(input);
    const data = y.dataSync() as Float32Array;
    y.dispose();
    return data;
  };
  if (!model.outputNhwc) return { infer };
  // The output image [N, C, H, W] comes back [N, H, W, C]; the batch is the input's.
  const [, c = 1, h = 1, w = 1] = typeOf(graph, outputName(graph)).shape as number[];
  const n = shape[0] ?? 1;
  const canonical = (output: Float32Array): Float32Array => tf.tidy(() => tf.transpose(tf.tensor4d(output, [n, h, w, c]), [0, 3, 1, 2]).dataSync() as Float32Array);
  return { infer, canonical };
}

export async function prepareRunner(runner: RunnerName, input: RunnerInput): Promise<Prepared> {
  switch (runner) {
    case 'fusegraph-wasm': return fusegraphWasm(input, false);
    case 'fusegraph-wasm-relaxed': return fusegraphWasm(input, true);
    case 'fusegraph-js': return fusegraphJs(input);
    case 'ort-node': return onnxRuntimeNode(input);
    case 'ort-web': return onnxRuntimeWeb(input);
    case 'tfjs-wasm': return tensorflow(input, 'wasm');
    case 'tfjs-cpu': return tensorflow(input, 'cpu');
  }
}
