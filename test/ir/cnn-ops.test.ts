// The CNN ops of the op table on cases where the answer is known by hand, and the windows the
// table refuses because they would have no value.

import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { GraphBuilder } from '../../src/builder.ts';

describe('pooling windows', () => {
  it('refuses a dilated max_pool window whose taps all land in the padding', () => {
    // Length 1, kernel 2, dilation 2, pads 1 and 1: the only window reads indices -1 and 1.
    const b = new GraphBuilder('pool');
    const x = b.input('x', ['N', 2, 1]);
    expect(() => b.maxPool(x, [2], { strides: [1], pads: [1, 1], dilations: [2] }, 'y'))
      .toThrow('%y (max_pool): window 0 on spatial axis 0 holds only padding (kernel 2, dilation 2, stride 1, pads 1 and 1, input size 1)');
  });

  it('keeps a dilated window that reaches the input, with padding never winning', () => {
    // Length 3, kernel 2, dilation 2, pads 1 and 1: windows read (-1, 1), (0, 2), (1, 3).
    const b = new GraphBuilder('pool');
    const x = b.input('x', [1, 1, 3]);
    b.output(b.maxPool(x, [2], { pads: [1, 1], dilations: [2] }, 'y'));
    const out = interpret(b.build(), { x: Float32Array.of(-5, -7, -6) });
    expect(Array.from(out['y'] ?? [])).toEqual([-7, -5, -7]);
  });
});
