// Benchmark (not a test): a single LSTM layer per call (Silero-VAD-like T=1, H=128 and a 32-step
// sequence), onnxruntime-node single-threaded against the JS and WASM bundles.
// Run: npx tsx test/bench/recurrent-bench.ts

import * as ort from 'onnxruntime-node';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { compile } from '../../src/compile.ts';
import { onnxModel } from '../frontends/onnx-model.ts';
import { recurrentSpec, type RecurrentConfig } from '../support/recurrent-configs.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';

async function time(label: string, fn: () => Promise<unknown> | unknown, iters: number): Promise<void> {
  for (let i = 0; i < Math.min(50, iters); i++) await fn();
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) await fn();
  console.log(`${label}: ${((performance.now() - t0) / iters * 1000).toFixed(1)} µs`);
}

for (const [steps, hidden, input] of [[1, 128, 128], [32, 64, 64], [8, 64, 64], [1, 64, 64]] as const) {
  const c: RecurrentConfig = { cell: 'LSTM', direction: 'forward', layout: 0, steps, batch: 1, input, hidden, bias: true, initialH: true, initialC: true, peepholes: false };
  const bytes = onnxModel(recurrentSpec(c, 1));
  const graph = importOnnx(bytes);
  const feeds: Record<string, Float32Array> = {};
  for (const i of graph.inputs) feeds[i.name] = new Float32Array(i.type.shape.reduce<number>((n, d) => n * (d as number), 1)).fill(0.1);
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const tensors = Object.fromEntries(graph.inputs.map((i) => [i.name, new ort.Tensor('float32', feeds[i.name]!, i.type.shape as number[])]));
  console.log(`LSTM T=${steps} I=${input} H=${hidden} B=1`);
  await time('  onnxruntime-node', () => session.run(tensors), 2000);
  for (const target of ['js', 'wasm'] as const) {
    const mod = await importBundle(compile(graph, { target }));
    const s = await mod.load({ threads: 1 }); // run() would otherwise use every core; ort-node runs one thread
    await time(`  fusegraph ${target}`, () => s.run(feeds), 2000);
  }
}
