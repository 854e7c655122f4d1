// One small model per activation family: LeakyReLU, PReLU (per channel and shared), ELU,
// Sigmoid, Tanh, and a softmax classifier head (the default export). `npx fusegraph ir
// examples/activations.ts` prints the default; `npx tsx examples/activations.ts` runs them all
// through the reference interpreter on a random batch of 4.

import { pathToFileURL } from 'node:url';
import type { Graph } from '../ir/graph.ts';
import { interpret } from '../ir/interpret.ts';
import { staticSize } from '../ir/types.ts';
import { elu, leakyRelu, linear, prelu, relu, sequential, sigmoid, softmax, tanh, toGraph } from '../src/nn.ts';
import { Random } from '../src/random.ts';

/** Linear(16, 32) → LeakyReLU(0.2) → Linear(32, 4). */
export const leakyMlp = toGraph(sequential(linear(16, 32), leakyRelu(0.2), linear(32, 4)), {
  name: 'leaky_mlp', inputShape: ['N', 16], outputName: 'y', seed: 11,
});

/** PReLU with one slope per channel after the first layer, one shared slope after the second. */
export const preluMlp = toGraph(sequential(linear(16, 32), prelu(32), linear(32, 4), prelu()), {
  name: 'prelu_mlp', inputShape: ['N', 16], outputName: 'y', seed: 12,
});

/** Linear(16, 32) → ELU(alpha = 0.5) → Linear(32, 4). */
export const eluMlp = toGraph(sequential(linear(16, 32), elu(0.5), linear(32, 4)), {
  name: 'elu_mlp', inputShape: ['N', 16], outputName: 'y', seed: 13,
});

/** A binary classifier: sigmoid hidden layer and a sigmoid probability out. */
export const sigmoidClassifier = toGraph(sequential(linear(16, 8), sigmoid(), linear(8, 1), sigmoid()), {
  name: 'sigmoid_classifier', inputShape: ['N', 16], outputName: 'p', seed: 14,
});

/** Linear(16, 32) → Tanh → Linear(32, 4). */
export const tanhMlp = toGraph(sequential(linear(16, 32), tanh(), linear(32, 4)), {
  name: 'tanh_mlp', inputShape: ['N', 16], outputName: 'y', seed: 15,
});

/** An MNIST-sized classifier ending in a softmax head: probabilities per class. */
export const softmaxClassifier = toGraph(sequential(linear(784, 64), relu(), linear(64, 10), softmax(-1)), {
  name: 'softmax_classifier', inputShape: ['N', 784], outputName: 'probs', seed: 16,
});

export const ACTIVATION_EXAMPLES: Readonly<Record<string, Graph>> = {
  leakyMlp, preluMlp, eluMlp, sigmoidClassifier, tanhMlp, softmaxClassifier,
};

export default softmaxClassifier;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const batch = 4;
  const random = new Random(5);
  for (const [name, graph] of Object.entries(ACTIVATION_EXAMPLES)) {
    const input = graph.inputs[0];
    if (input === undefined) continue;
    const x = random.uniformArray(batch * staticSize(input.type.shape), -1, 1);
    const outputs = interpret(graph, { [input.name]: x });
    for (const [output, data] of Object.entries(outputs)) {
      const width = data.length / batch;
      const first = Array.from(data.subarray(0, width), (v) => v.toFixed(4)).join(' ');
      console.log(`${name}: ${output} [${batch}, ${width}]  first row: ${first}`);
    }
  }
}
