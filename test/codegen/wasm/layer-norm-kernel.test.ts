// The wasm layer_norm kernel is bit-exact with the interpreter (README, Transformers): rows in
// interleaved blocks of four and one at a time, the vector normalization sweep (row length a
// multiple of 4) and the scalar one, with and without the fused residual, scale and bias.

import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interpret.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { Random } from '../../../src/random.ts';
import { TargetRunner } from '../../conformance/targets.ts';

const runner = new TargetRunner();
afterAll(() => runner.dispose());

interface Case {
  readonly rows: number;
  readonly width: number;
  readonly residual: boolean;
  readonly affine: boolean;
}

const CASES: readonly Case[] = [
  { rows: 7, width: 128, residual: true, affine: true },
  { rows: 9, width: 12, residual: false, affine: true },
  { rows: 5, width: 6, residual: true, affine: false },
  { rows: 3, width: 4, residual: false, affine: false },
];

describe('wasm layer_norm kernel', () => {
  for (const c of CASES) {
    it(`${c.rows} rows of ${c.width}${c.residual ? ', residual' : ''}${c.affine ? ', scale and bias' : ''}: bit-exact`, async () => {
      const random = new Random(c.rows * 100 + c.width);
      const b = new GraphBuilder('layer_norm_rows');
      const x = b.input('x', ['N', c.rows, c.width]);
      const r = c.residual ? b.input('r', ['N', c.rows, c.width]) : undefined;
      const scale = c.affine ? b.constant(random.uniformArray(c.width, 0.5, 1.5), [c.width]) : undefined;
      const bias = c.affine ? b.constant(random.uniformArray(c.width, -1, 1), [c.width]) : undefined;
      b.output(b.layerNorm(x, scale, bias, { axis: -1, epsilon: 1e-5, ...(r === undefined ? {} : { residual: r }) }, 'y'));
      const graph = b.build();
      const batch = 2;
      // Values of very different magnitudes, so f64 sums in another order would differ.
      const values = (): Float32Array => random.uniformArray(batch * c.rows * c.width, -1, 1).map((v, i) => v * 10 ** ((i % 9) - 4));
      const feeds: Record<string, Float32Array> = { x: values(), ...(c.residual ? { r: values() } : {}) };
      const want = interpret(graph, feeds)['y'] ?? new Float32Array();
      const session = await runner.open(graph, 'wasm', batch);
      try {
        const got = (await session.run(feeds))['y'] ?? new Float32Array();
        expect(got.length).toBe(want.length);
        want.forEach((expected, i) => expect(Object.is(got[i], expected), `y[${i}] = ${got[i]}, expected ${expected}`).toBe(true));
      } finally {
        session.dispose();
      }
    });
  }
});
