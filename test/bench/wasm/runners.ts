// The benchmark's runners: each prepares one model at one batch and returns a function that
// runs one inference on the shared input. fusegraph bundles are compiled and imported the
// way users import them; the peers run the same weights through their own APIs, one thread.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { Graph } from '../../../ir/graph.ts';
import { compile, type CompileOptions } from '../../../src/compile.ts';
import { writeOnnx } from '../../../src/frontends/onnx/writer.ts';
import { denseLayers } from './models.ts';

export type RunnerName = 'fusegraph-wasm' | 'fusegraph-wasm-relaxed' | 'fusegraph-js' | 'ort-node' | 'ort-web' | 'tfjs-wasm' | 'tfjs-cpu';
export const RUNNER_NAMES: readonly RunnerName[] = ['fusegraph-wasm', 'fusegraph-wasm-relaxed', 'fusegraph-js', 'ort-node', 'ort-web', 'tfjs-wasm', 'tfjs-cpu'];
/** Node flags a runner's process needs (Node 20 has relaxed SIMD behind a flag). */
export const RUNNER_FLAGS: Readonly<Partial<Record<RunnerName, readonly string[]>>> = {
  'fusegraph-wasm-relaxed': ['--experimental-wasm-relaxed-simd'],
};

/** One inference; returns the logits (checked once against the interpreter). */
export type Infer = () => Float32Array | Promise<Float32Array>;

type Results = Record<string, Float32Array>;

async function importCompiled(graph: Graph, options: CompileOptions): Promise<Record<string, unknown>> {
  const bundle = compile(graph, options);
  const dir = mkdtempSync(join(tmpdir(), 'fusegraph-bench-'));
  for (const file of bundle.files) writeFileSync(join(dir, file.name), file.contents);
  return (await import(pathToFileURL(join(dir, bundle.entry)).href)) as Record<string, unknown>;
}

async function fusegraphWasm(graph: Graph, x: Float32Array, relaxed: boolean): Promise<Infer> {
  const module = await importCompiled(graph, { target: 'wasm', wasm: { relaxed } });
  const load = module.load as (options?: object) => Promise<{ relaxedSimd: boolean; runSync(feeds: object): Results }>;
  const session = await load();
  if (session.relaxedSimd !== relaxed) {
    const problem = relaxed ? 'not available (run under --experimental-wasm-relaxed-simd)' : 'chosen unexpectedly';
    throw new Error(`bench: relaxed SIMD ${problem}`);
  }
  const feeds = { x };
  return () => session.runSync(feeds).logits ?? new Float32Array();
}

async function fusegraphJs(graph: Graph, x: Float32Array): Promise<Infer> {
  const module = await importCompiled(graph, { target: 'js' });
  const run = module.run as (feeds: object) => Results;
  const feeds = { x };
  return () => run(feeds).logits ?? new Float32Array();
}

async function onnxRuntimeNode(graph: Graph, x: Float32Array, batch: number): Promise<Infer> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(writeOnnx(graph), {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const feeds = { x: new ort.Tensor('float32', x, [batch, 784]) };
  return async () => (await session.run(feeds)).logits?.data as Float32Array;
}

async function onnxRuntimeWeb(graph: Graph, x: Float32Array, batch: number): Promise<Infer> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = join(process.cwd(), 'node_modules/onnxruntime-web/dist/');
  const session = await ort.InferenceSession.create(writeOnnx(graph), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feeds = { x: new ort.Tensor('float32', x, [batch, 784]) };
  return async () => (await session.run(feeds)).logits?.data as Float32Array;
}

async function tensorflow(graph: Graph, x: Float32Array, batch: number, backend: 'wasm' | 'cpu'): Promise<Infer> {
  const tf = await import('@tensorflow/tfjs-core');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setWasmPaths(join(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
  }
  if (!(await tf.setBackend(backend))) throw new Error(`bench: tfjs backend ${backend} unavailable`);
  // Weights pre-transposed to [in, out] once: tfjs-wasm 4.22's fused matMul with transposeB,
  // a bias and relu returns wrong values (max error 15 on a 784×128 layer, checked against
  // unfused ops); the [in, out] layout is also its fast path.
  const layers = denseLayers(graph).map((layer) => ({
    weight: tf.tidy(() => tf.transpose(tf.tensor2d(layer.weight, [layer.outFeatures, layer.inFeatures]))),
    bias: layer.bias === undefined ? undefined : tf.tensor1d(layer.bias),
    relu: layer.relu,
  }));
  const input = tf.tensor2d(x, [batch, 784]);
  return () => {
    const y = tf.tidy(() => {
      let h: Tensor = input;
      for (const layer of layers) {
        h = tf.fused.matMul({
          a: h, b: layer.weight,
          ...(layer.bias !== undefined ? { bias: layer.bias } : {}),
          ...(layer.relu ? { activation: 'relu' as const } : {}),
        });
      }
      return h;
    });
    const data = y.dataSync() as Float32Array;
    y.dispose();
    return data;
  };
}

export async function prepareRunner(runner: RunnerName, graph: Graph, x: Float32Array, batch: number): Promise<Infer> {
  switch (runner) {
    case 'fusegraph-wasm': return fusegraphWasm(graph, x, false);
    case 'fusegraph-wasm-relaxed': return fusegraphWasm(graph, x, true);
    case 'fusegraph-js': return fusegraphJs(graph, x);
    case 'ort-node': return onnxRuntimeNode(graph, x, batch);
    case 'ort-web': return onnxRuntimeWeb(graph, x, batch);
    case 'tfjs-wasm': return tensorflow(graph, x, batch, 'wasm');
    case 'tfjs-cpu': return tensorflow(graph, x, batch, 'cpu');
  }
}
