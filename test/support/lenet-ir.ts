// LeNet-5 (conv 5×5 → relu → max pool, twice, then three linear layers) as IR text with its
// weights written out, seeded so every test builds the same model: the small CNN the WGSL
// tests and the browser test run end to end. Weights are uniform in ±1/sqrt(fan-in), as
// PyTorch initializes them.

import type { Graph } from '../../ir/graph.ts';
import { parseGraph } from '../../ir/parse.ts';
import { Random } from '../../src/random.ts';

function dense(random: Random, shape: readonly number[], fanIn: number): string {
  const count = shape.reduce((n, d) => n * d, 1);
  const bound = 1 / Math.sqrt(fanIn);
  const data = random.uniformArray(count, -bound, bound);
  return `{value = dense<[${Array.from(data, (v) => String(v)).join(', ')}]>} : f32[${shape.join(',')}]`;
}

/** LeNet-5's text for 1×28×28 inputs (padding 2 on the first conv, as for MNIST). */
export function lenetText(seed = 5): string {
  const r = new Random(seed);
  return [
    'graph lenet(%x: f32[N,1,28,28]) -> f32[N,10] {',
    `  %c1w = const ${dense(r, [6, 1, 5, 5], 25)}`,
    `  %c1b = const ${dense(r, [6], 25)}`,
    '  %c1 = conv(%x, %c1w, %c1b) {pads = [2, 2, 2, 2]} : f32[N,6,28,28]',
    '  %r1 = relu(%c1) : f32[N,6,28,28]',
    '  %p1 = max_pool(%r1) {kernel_shape = [2, 2], strides = [2, 2]} : f32[N,6,14,14]',
    `  %c2w = const ${dense(r, [16, 6, 5, 5], 150)}`,
    `  %c2b = const ${dense(r, [16], 150)}`,
    '  %c2 = conv(%p1, %c2w, %c2b) : f32[N,16,10,10]',
    '  %r2 = relu(%c2) : f32[N,16,10,10]',
    '  %p2 = max_pool(%r2) {kernel_shape = [2, 2], strides = [2, 2]} : f32[N,16,5,5]',
    '  %flat = flatten(%p2) {axis = 1} : f32[N,400]',
    `  %f1w = const ${dense(r, [120, 400], 400)}`,
    `  %f1b = const ${dense(r, [120], 400)}`,
    '  %f1 = linear(%flat, %f1w, %f1b) : f32[N,120]',
    '  %r3 = relu(%f1) : f32[N,120]',
    `  %f2w = const ${dense(r, [84, 120], 120)}`,
    `  %f2b = const ${dense(r, [84], 120)}`,
    '  %f2 = linear(%r3, %f2w, %f2b) : f32[N,84]',
    '  %r4 = relu(%f2) : f32[N,84]',
    `  %f3w = const ${dense(r, [10, 84], 84)}`,
    `  %f3b = const ${dense(r, [10], 84)}`,
    '  %logits = linear(%r4, %f3w, %f3b) : f32[N,10]',
    '  return %logits',
    '}',
  ].join('\n');
}

export function lenet(seed = 5): Graph {
  return parseGraph(lenetText(seed));
}
