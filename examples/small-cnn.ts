// A small CNN in the PyTorch-like API: two Conv2d → BatchNorm2d → activation stages, pooling,
// global average pooling and a Linear head, on [N, 1, 28, 28] images (Fashion-MNIST sized).
// `npx fusegraph ir examples/small-cnn.ts -O2` shows each BatchNorm folded into its conv and
// the activation fused after it; `npx tsx examples/small-cnn.ts` runs it in the interpreter.

import { pathToFileURL } from 'node:url';
import { interpret } from '../ir/interpret.ts';
import {
  adaptiveAvgPool2d, batchNorm2d, conv2d, flatten, hardswish, linear, maxPool2d, relu, sequential, toGraph,
} from '../src/nn.ts';
import { Random } from '../src/random.ts';

const smallCnn = toGraph(sequential({
  features: sequential(
    conv2d(1, 8, 3, { padding: 1, bias: false }), batchNorm2d(8), relu(), maxPool2d(2),
    conv2d(8, 16, 3, { padding: 1, bias: false }), batchNorm2d(16), hardswish(),
  ),
  pool: adaptiveAvgPool2d(1),
  flatten: flatten(),
  classifier: linear(16, 10),
}), {
  name: 'small_cnn',
  inputShape: ['N', 1, 28, 28],
  outputName: 'logits',
  seed: 1,
});

export default smallCnn;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const batch = 4;
  const x = new Random(7).uniformArray(batch * 28 * 28, 0, 1);
  const { logits } = interpret(smallCnn, { x });
  if (logits === undefined) throw new Error('the model returned no logits');
  console.log(`small_cnn: input [${batch}, 1, 28, 28] -> logits [${batch}, ${logits.length / batch}]`);
  console.log(`first row: ${Array.from(logits.subarray(0, 10), (v) => v.toFixed(4)).join(' ')}`);
}
