// The seed model at -O2: Linear -> ReLU -> Linear becomes linear{activation=relu} -> linear.

import { describe, expect, it } from 'vitest';
import seedMlp from '../../examples/seed-mlp.ts';
import { printGraph } from '../../ir/print.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { Random } from '../../src/random.ts';
import { assertSameResults } from './equivalence.ts';
import { affine } from '../support/affine-size.ts';

const EXPECTED = `graph seed_mlp(%x: f32[N,784]) -> f32[N,10] {
  %0.weight = const {value = elided<min = -0.03571, max = 0.03571, mean = -0.00007716>} : f32[128,784]
  %0.bias = const {value = elided<min = -0.03524, max = 0.03518, mean = 0.001032>} : f32[128]
  %1 = linear(%x, %0.weight, %0.bias) {activation = relu} : f32[N,128]
  %2.weight = const {value = elided<min = -0.08819, max = 0.08814, mean = 0.001038>} : f32[10,128]
  %2.bias = const {value = elided<min = -0.04535, max = 0.07764, mean = 0.021>} : f32[10]
  %logits = linear(%1, %2.weight, %2.bias) : f32[N,10]
  return %logits
}
`;

describe('seed MLP at -O2', () => {
  const result = optimize(seedMlp, { level: 'O2', verifyEach: true });

  it('prints exactly linear{activation=relu} -> linear', () => {
    expect(printGraph(result.graph)).toBe(EXPECTED);
  });

  it('computes what the unoptimized model computes', () => {
    assertSameResults(seedMlp, result.graph, { x: new Random(3).uniformArray(4 * 784, -1, 1) });
  });

  it('plans one 128-wide intermediate per sample', () => {
    expect([...result.plan.slots.keys()]).toEqual(['1']);
    expect(result.plan.arenaSize).toEqual(affine(128, 0));
  });
});
