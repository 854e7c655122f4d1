import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { GraphBuilder } from '../../src/builder.ts';
import seedMlp from '../../examples/seed-mlp.ts';
import { Random } from '../../src/random.ts';

describe('interpreter', () => {
  it('computes a 2x3 linear by hand', () => {
    const b = new GraphBuilder('tiny');
    const x = b.input('x', ['N', 3]);
    const w = b.constant(new Float32Array([1, 2, 3, -1, 0, 1]), [2, 3], 'w');
    const bias = b.constant(new Float32Array([0.5, -0.5]), [2], 'b');
    b.output(b.linear(x, w, bias, undefined, [], 'y'));
    const out = interpret(b.build(), { x: new Float32Array([1, 1, 1, 2, 0, -1]) });
    // row 0: [1+2+3+0.5, -1+0+1-0.5]; row 1: [2-3+0.5, -2-1-0.5]
    expect(Array.from(out['y'] ?? [])).toEqual([6.5, -0.5, -0.5, -3.5]);
  });

  it('runs the seed MLP on a batch of 32 to a [32, 10] result', () => {
    const x = new Random(1).uniformArray(32 * 784, 0, 1);
    const out = interpret(seedMlp, { x });
    expect(out['logits']?.length).toBe(320);
  });
});
