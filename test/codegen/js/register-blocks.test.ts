// The JS register blocks at the sizes random small cases rarely reach: full ROWS × COLS blocks
// summed in memory, the ROWS / 2 block, single rows, partial weight panels and contraction
// lengths that leave a remainder after the unrolled k loop, for linear and for dense conv.
// Both sum in f64 in the interpreter's order, so results must agree bit for bit.

import { describe, expect, it } from 'vitest';
import { COLS, ROWS, UNROLL } from '../../../codegen/js/kernel-linear.ts';
import { emitJs } from '../../../codegen/js/target.ts';
import type { Graph } from '../../../ir/graph.ts';
import { interpret } from '../../../ir/interpret.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { compile } from '../../../src/compile.ts';
import { Random } from '../../../src/random.ts';
import { naivePlan } from '../naive-plan.ts';
import { importBundle } from './load-bundle.ts';

async function expectBitExact(graph: Graph, feeds: Record<string, Float32Array>): Promise<void> {
  const expected = interpret(graph, feeds);
  for (const bundle of [emitJs(graph, naivePlan(graph)), compile(graph, { target: 'js' })]) {
    const actual = (await importBundle(bundle)).run({ ...feeds });
    for (const name of graph.outputs) expect(actual[name]).toEqual(expected[name]);
  }
}

// Every block kind at once: 2 full row blocks, one half block and 3 single rows; 2 full panels
// and a partial one; a contraction length that is not a multiple of the unroll.
const BATCH = 2 * ROWS + ROWS / 2 + 3;
const OUT = 2 * COLS + 3;
const IN = 3 * UNROLL + 1;

describe('JS register blocks', () => {
  it('linear: full, half and single-row blocks with partial panels, packed and runtime weights', async () => {
    for (const runtimeWeight of [false, true]) {
      const random = new Random(runtimeWeight ? 2 : 1);
      const b = new GraphBuilder('blocks');
      const x = b.input('x', ['N', IN]);
      const w = runtimeWeight ? b.input('w', [OUT, IN]) : b.constant(random.uniformArray(OUT * IN, -1, 1), [OUT, IN]);
      const bias = b.constant(random.uniformArray(OUT, -1, 1), [OUT]);
      b.output(b.linear(x, w, bias, { op: 'relu', attrs: {} }, [], 'y'));
      const feeds: Record<string, Float32Array> = { x: random.uniformArray(BATCH * IN, -2, 2) };
      if (runtimeWeight) feeds['w'] = random.uniformArray(OUT * IN, -1, 1);
      await expectBitExact(b.build(), feeds);
    }
  });

  it('conv: output rows of full, half and single position blocks, with bias, residual and ReLU', async () => {
    const random = new Random(3);
    const width = BATCH;
    const b = new GraphBuilder('conv_blocks');
    const x = b.input('x', [2, 3, 4, width]);
    const weight = b.constant(random.uniformArray(OUT * 3 * 3 * 3, -1, 1), [OUT, 3, 3, 3]);
    const bias = b.constant(random.uniformArray(OUT, -1, 1), [OUT]);
    const residual = b.input('r', [2, OUT, 4, width]);
    b.output(b.conv(x, weight, { pads: [1, 1, 1, 1], bias, residual, activation: { op: 'relu', attrs: {} } }, 'y'));
    await expectBitExact(b.build(), {
      x: random.uniformArray(2 * 3 * 4 * width, -2, 2),
      r: random.uniformArray(2 * OUT * 4 * width, -1, 1),
    });
  });
});
