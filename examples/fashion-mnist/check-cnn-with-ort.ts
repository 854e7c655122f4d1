// Runs examples/fashion-mnist/cnn.onnx with onnxruntime-node over the 10,000 Fashion-MNIST
// test images and prints its accuracy, to confirm the exported file matches what
// train_cnn.py reported for the PyTorch model.
// Run: npx tsx examples/fashion-mnist/check-cnn-with-ort.ts [model.onnx]

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';

const DATA = '/usr/share/datasets/fashion-mnist';
const BATCH = 500;

/** The idx format: a 16-byte header before uint8 images, an 8-byte one before uint8 labels. */
function loadTestSet(): { images: Float32Array; labels: Uint8Array } {
  const pixels = gunzipSync(readFileSync(`${DATA}/t10k-images-idx3-ubyte.gz`)).subarray(16);
  const labels = gunzipSync(readFileSync(`${DATA}/t10k-labels-idx1-ubyte.gz`)).subarray(8);
  return { images: Float32Array.from(pixels, (p) => p / 255), labels };
}

async function main(): Promise<void> {
  const path = process.argv[2] ?? new URL('cnn.onnx', import.meta.url).pathname;
  const session = await ort.InferenceSession.create(readFileSync(path), { intraOpNumThreads: 1 });
  const { images, labels } = loadTestSet();
  let correct = 0;
  for (let start = 0; start < labels.length; start += BATCH) {
    const n = Math.min(BATCH, labels.length - start);
    const x = new ort.Tensor('float32', images.subarray(start * 784, (start + n) * 784), [n, 1, 28, 28]);
    const y = (await session.run({ x })).y;
    if (y === undefined || !(y.data instanceof Float32Array)) throw new Error('the model has no float32 output y');
    for (let i = 0; i < n; i++) {
      const row = y.data.subarray(i * 10, i * 10 + 10);
      const predicted = row.indexOf(Math.max(...row));
      if (predicted === labels[start + i]) correct++;
    }
  }
  await session.release();
  console.log(`onnxruntime accuracy ${(correct / labels.length).toFixed(4)} on ${labels.length} test images (${path})`);
}

await main();
