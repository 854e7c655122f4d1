// Runner: TensorFlow.js with its pure-JS `cpu` backend. Weights are held as [in, out]
// tensors (Dense kernels' layout); each call uploads the input, runs matMul+add+relu per
// layer in tf.tidy and reads the result back, as a user of tfjs would.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { timeCalls, type CallStats } from '../protocol.ts';
import { packageVersion, readInput, readJob, report, writeOutput } from './runner-io.ts';

interface Layers { readonly layers: readonly { readonly in: number; readonly out: number; readonly offset: number }[] }

const job = readJob();
await tf.setBackend('cpu');
await tf.ready();
const spec = JSON.parse(readFileSync(join(job.dir, `${job.model}.layers.json`), 'utf8')) as Layers;
const raw = readFileSync(join(job.dir, `${job.model}.layers.bin`));
const floats = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const layers = spec.layers.map((layer) => {
  const w = floats.subarray(layer.offset, layer.offset + layer.in * layer.out);
  const b = floats.subarray(layer.offset + layer.in * layer.out, layer.offset + layer.in * layer.out + layer.out);
  const kernel = tf.tidy(() => tf.transpose(tf.tensor2d(w, [layer.out, layer.in])));
  return { kernel, bias: tf.tensor1d(b) };
});

function predict(x: Float32Array, batch: number): Float32Array {
  const out = tf.tidy(() => {
    let h: tf.Tensor2D = tf.tensor2d(x, [batch, 784]);
    layers.forEach((layer, index) => {
      const z = tf.add(tf.matMul(h, layer.kernel), layer.bias) as tf.Tensor2D;
      h = index < layers.length - 1 ? tf.relu(z) : z;
    });
    return h;
  });
  const data = out.dataSync() as Float32Array;
  out.dispose();
  return data;
}

const stats: CallStats[] = [];
for (const batch of job.batches) {
  const x = readInput(job, batch);
  writeOutput(job, batch, predict(x, batch));
  stats.push(await timeCalls(batch, () => predict(x, batch), job.budgetMs));
}
report({ runner: job.runner, model: job.model, version: packageVersion('@tensorflow/tfjs-core'), stats });
