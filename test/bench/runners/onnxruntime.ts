// Runner: onnxruntime, native (onnxruntime-node, one intra-op thread) or WebAssembly
// (onnxruntime-web in Node, one thread), on the ONNX file written by fusegraph's ONNX writer,
// with onnxruntime's full graph optimizations.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { timeCalls, type CallStats } from '../protocol.ts';
import { packageVersion, readInput, readJob, report, writeOutput } from './runner-io.ts';

interface OrtTensor { readonly data: unknown }
interface OrtSession { run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>> }
interface Ort {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array, options: object): Promise<OrtSession> };
  env: { wasm: { numThreads?: number; simd?: boolean } };
}

const job = readJob();
const web = job.runner === 'ort-web';
const packageName = web ? 'onnxruntime-web' : 'onnxruntime-node';
const ort = (await import(packageName)) as Ort;
if (web) ort.env.wasm.numThreads = 1;
const model = new Uint8Array(readFileSync(join(job.dir, `${job.model}.onnx`)));
const session = await ort.InferenceSession.create(model, {
  graphOptimizationLevel: 'all',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  ...(web ? { executionProviders: ['wasm'] } : {}),
});

async function predict(x: Float32Array, batch: number): Promise<Float32Array> {
  const result = await session.run({ x: new ort.Tensor('float32', x, [batch, 784]) });
  const data = result['logits']?.data;
  if (!(data instanceof Float32Array)) throw new Error('onnxruntime returned no f32 logits');
  return data;
}

const stats: CallStats[] = [];
for (const batch of job.batches) {
  const x = readInput(job, batch);
  writeOutput(job, batch, await predict(x, batch));
  stats.push(await timeCalls(batch, () => predict(x, batch), job.budgetMs));
}
report({ runner: job.runner, model: job.model, version: packageVersion(packageName), stats });
