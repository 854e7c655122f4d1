// Benchmark (not a test): Silero VAD as @ricky0123/vad-web ships it, per 32 ms chunk at 16 kHz
// (512 samples; v5 with its 64 samples of context), state carried from chunk to chunk:
// onnxruntime-node and onnxruntime-web (wasm) with one thread against fusegraph's JS and
// WASM bundles through session.stream({ state }). The first chunk's outputs are checked
// against onnxruntime-node before timing. Run: npx tsx test/bench/silero-bench.ts

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { compile } from '../../src/compile.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';

interface OrtTensor { readonly data: unknown }
interface OrtSession { run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>> }
interface Ort {
  Tensor: new (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options: object): Promise<OrtSession> };
  env: { wasm: { numThreads?: number } };
}
interface Stream { push(chunk: Record<string, Float32Array>): Promise<Record<string, Float32Array>> }

const require = createRequire(import.meta.url);
const dir = join(dirname(require.resolve('@ricky0123/vad-web/package.json')), 'dist');
const ITERS = 3000;

async function microseconds(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 300; i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < ITERS; i++) await fn();
  return ((performance.now() - t0) / ITERS) * 1000;
}

const MODELS = [
  { file: 'silero_vad_v5.onnx', samples: 576, state: { stateN: 'state' } as Record<string, string>, dims: { state: [2, 1, 128] } as Record<string, number[]> },
  { file: 'silero_vad_legacy.onnx', samples: 512, state: { hn: 'h', cn: 'c' } as Record<string, string>, dims: { h: [2, 1, 64], c: [2, 1, 64] } as Record<string, number[]> },
];

const ortWeb = (await import('onnxruntime-web')) as unknown as Ort;
ortWeb.env.wasm.numThreads = 1;
console.log('| model | onnxruntime-node | onnxruntime-web (wasm) | fusegraph js | fusegraph wasm |');
console.log('|---|---|---|---|---|');
for (const m of MODELS) {
  const bytes = new Uint8Array(readFileSync(join(dir, m.file)));
  const chunk = Float32Array.from({ length: m.samples }, (_, i) => 0.3 * Math.sin(i * 0.09) + 0.05 * Math.sin(i * 1.7));
  const cells: string[] = [];
  let reference: number | undefined;
  for (const ort of [ortNode as unknown as Ort, ortWeb]) {
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all', ...(ort === ortWeb ? { executionProviders: ['wasm'] } : {}) });
    const state: Record<string, OrtTensor> = {};
    for (const [name, dims] of Object.entries(m.dims)) state[name] = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    const sr = new ort.Tensor('int64', BigInt64Array.of(16000n), []);
    const input = new ort.Tensor('float32', chunk, [1, m.samples]);
    const step = async (): Promise<Record<string, OrtTensor>> => {
      const out = await session.run({ input, sr, ...state });
      for (const [outName, inName] of Object.entries(m.state)) state[inName] = out[outName] ?? state[inName] ?? input;
      return out;
    };
    if (reference === undefined) reference = ((await step())['output']?.data as Float32Array)[0];
    cells.push(`${(await microseconds(step)).toFixed(0)} µs`);
  }
  const graph = importOnnx(bytes, { inputValues: { sr: [16000] }, inputShapes: { input: [1, m.samples], ...m.dims } });
  for (const target of ['js', 'wasm'] as const) {
    const module = await importBundle(compile(graph, { target }));
    const session = (await module.load({ threads: 1 })) as unknown as { stream(options: { state: Record<string, string> }): Stream };
    const stream = session.stream({ state: m.state });
    const first = (await stream.push({ input: chunk }))['output']?.[0] ?? NaN;
    if (reference === undefined || Math.abs(first - reference) > 1e-4) throw new Error(`${m.file} ${target}: first chunk ${first}, onnxruntime ${String(reference)}`);
    cells.push(`${(await microseconds(() => stream.push({ input: chunk }))).toFixed(0)} µs`);
  }
  console.log(`| ${m.file} (${m.samples} samples) | ${cells.join(' | ')} |`);
}
