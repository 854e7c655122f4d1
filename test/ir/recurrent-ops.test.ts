// The recurrent ops on cases worked out by hand, their shape errors, and their text and JSON
// round trips (attributes such as activations, sequence_lens and clip included).

import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { parseGraph } from '../../ir/parse.ts';
import { printGraph } from '../../ir/print.ts';
import { readJsonModel } from '../../src/frontends/json-model/read.ts';
import { writeJsonModel } from '../../src/frontends/json-model/write.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { addRecurrent } from '../../src/builder-recurrent.ts';
import { graphDifference } from './graph-equal.ts';

describe('recurrent ops', () => {
  it('rnn with relu, a constant sequence_lens and reverse direction, by hand', () => {
    // h_t = relu(2·x_t + 0.5·h_{t-1} + 1); batch row 1 has 2 valid steps of 3.
    const b = new GraphBuilder('rnn');
    const x = b.input('x', [3, 2, 1]);
    const w = b.constant(Float32Array.of(2), [1, 1, 1]);
    const r = b.constant(Float32Array.of(0.5), [1, 1, 1]);
    const bias = b.constant(Float32Array.of(0.25, 0.75), [1, 2]);
    const { y, yH } = addRecurrent(b, 'rnn', x, w, r, bias, {
      hiddenSize: 1, direction: 'reverse', sequenceLens: [3, 2], activations: { f: { op: 'relu', attrs: {} } },
    }, 'cell');
    b.output(y, yH);
    const g = b.build();
    // x[t][b]: row 0: 1, 2, 3 (reverse: t = 2, 1, 0); row 1: 4, 5 (t = 1, 0), t = 2 padding.
    const out = interpret(g, { x: Float32Array.of(1, 4, 2, 5, 3, 6) });
    const h = (xv: number, prev: number): number => Math.max(0, 2 * xv + 0.5 * prev + 1);
    const row0 = [h(3, 0)];
    row0.unshift(h(2, row0[0] ?? 0));
    row0.unshift(h(1, row0[0] ?? 0));
    const row1 = [h(5, 0)];
    row1.unshift(h(4, row1[0] ?? 0));
    expect(Array.from(out['cell_y'] ?? [])).toEqual([row0[0], row1[0], row0[1], row1[1], row0[2], 0]);
    expect(Array.from(out['cell_h'] ?? [])).toEqual([row0[0], row1[0]]);
  });

  it('names the operand whose shape is wrong', () => {
    const b = new GraphBuilder('bad');
    const x = b.input('x', [2, 1, 3]);
    const w = b.constant(new Float32Array(4 * 2 * 4), [1, 8, 4]);
    const r = b.constant(new Float32Array(8 * 2), [1, 8, 2]);
    const bias = b.constant(new Float32Array(16), [1, 16]);
    expect(() => addRecurrent(b, 'lstm', x, w, r, bias, { hiddenSize: 2 }, 'l')).toThrow(/W must be f32\[1,8,3\], got f32\[1,8,4\]/);
  });

  it('round-trips through the text and JSON formats', () => {
    const b = new GraphBuilder('rt');
    const x = b.input('x', ['N', 3, 2]);
    const w = b.constant(Float32Array.from({ length: 2 * 9 * 2 }, (_, i) => i / 7), [2, 9, 2]);
    const r = b.constant(Float32Array.from({ length: 2 * 9 * 3 }, (_, i) => -i / 11), [2, 9, 3]);
    const bias = b.constant(new Float32Array(2 * 18).fill(0.5), [2, 18]);
    const h0 = b.input('h0', ['N', 2, 3]);
    const gru = addRecurrent(b, 'gru', x, w, r, bias, {
      hiddenSize: 3, direction: 'bidirectional', layout: 1, clip: 2.5, initialH: h0, linearBeforeReset: true,
      activations: { f: { op: 'hard_sigmoid', attrs: { alpha: 0.3, beta: 0.4 } }, g_back: { op: 'scaled_tanh', attrs: { alpha: 2, beta: 0.5 } } },
    }, 'g');
    b.output(gru.y, gru.yH);
    const g = b.build();
    const text = printGraph(g, { weights: 'full' });
    expect(text).toContain('gru(');
    expect(printGraph(parseGraph(text), { weights: 'full' })).toBe(text);
    expect(graphDifference(parseGraph(text), g)).toBeUndefined();
    const json = writeJsonModel(g);
    expect(graphDifference(readJsonModel(json.json), g)).toBeUndefined();
  });
});
