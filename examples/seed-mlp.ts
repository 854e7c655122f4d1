// The seed model: PyTorch's Linear(784, 128) -> ReLU -> Linear(128, 10) on a batch N.
// `npx fusegraph ir examples/seed-mlp.ts` prints it; `npx tsx examples/seed-mlp.ts` runs it
// through the reference interpreter on a random batch of 32.

import { pathToFileURL } from 'node:url';
import { interpret } from '../ir/interpret.ts';
import { linear, relu, sequential, toGraph } from '../src/nn.ts';
import { Random } from '../src/random.ts';

const seedMlp = toGraph(sequential(linear(784, 128), relu(), linear(128, 10)), {
  name: 'seed_mlp',
  inputShape: ['N', 784],
  outputName: 'logits',
  seed: 1,
});

export default seedMlp;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const batch = 32;
  const x = new Random(7).uniformArray(batch * 784, 0, 1);
  const { logits } = interpret(seedMlp, { x });
  if (logits === undefined) throw new Error('the seed model returned no logits');
  console.log(`seed_mlp: input [${batch}, 784] -> logits [${batch}, ${logits.length / batch}]`);
  console.log(`first row: ${Array.from(logits.subarray(0, 10), (v) => v.toFixed(4)).join(' ')}`);
}
