// The tfjs runner's graph rebuilding (tfjs-graph.ts) against the interpreter, on small graphs
// with every op the CNN benchmark models use: if it built another model, the tfjs columns of
// the benchmark would compare fusegraph with something else.

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../../ir/graph.ts';
import { interpret } from '../../../ir/interpret.ts';
import { GraphBuilder, type Value } from '../../../src/builder.ts';
import { Random } from '../../../src/random.ts';
import { compareArrays } from '../../../src/tolerance.ts';
import { prepareRunner } from './runners.ts';

const random = new Random(7);

function conv(b: GraphBuilder, x: Value, out: number, kernel: number, attrs: { strides?: number[]; pads?: number[]; group?: number } = {}): Value {
  const channels = x.type.shape[1] as number;
  const group = attrs.group ?? 1;
  const w = b.constant(random.uniformArray(out * (channels / group) * kernel * kernel, -0.5, 0.5), [out, channels / group, kernel, kernel]);
  const bias = b.constant(random.uniformArray(out, -0.1, 0.1), [out]);
  return b.op('conv', [x, w, bias], { strides: attrs.strides ?? [1, 1], pads: attrs.pads ?? [0, 0, 0, 0], group });
}

/** conv (stride, asymmetric pads) → ReLU, depthwise → ReLU6, 1×1 + residual → ReLU, max pool, then `head`. */
function cnn(head: (b: GraphBuilder, x: Value) => Value): Graph {
  const b = new GraphBuilder('tfjs_check');
  let x = b.op('relu', [conv(b, b.input('x', ['N', 3, 11, 9]), 8, 3, { strides: [2, 1], pads: [1, 0, 2, 1] })]);
  const dw = b.op('clip', [conv(b, x, 8, 3, { pads: [1, 1, 1, 1], group: 8 })], { min: 0, max: 6 });
  x = b.op('relu', [b.op('add', [conv(b, dw, 8, 1), dw])]);
  x = b.op('max_pool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  b.output(head(b, x));
  return b.build();
}

function linear(b: GraphBuilder, x: Value, out: number): Value {
  const features = x.type.shape[1] as number;
  return b.linear(x, b.constant(random.uniformArray(out * features, -0.5, 0.5), [out, features]), b.constant(random.uniformArray(out, -0.1, 0.1), [out]));
}

const GRAPHS: Record<string, Graph> = {
  'flatten then linear': cnn((b, x) => linear(b, b.flatten(x, 1), 5)),
  'global average pool then linear': cnn((b, x) => linear(b, b.op('reduce_mean', [x], { axes: [2, 3], keepdims: 0 }), 4)),
  'an image out (NHWC back to NCHW)': cnn((_, x) => x),
};

describe('tfjs runner graphs', () => {
  for (const [name, graph] of Object.entries(GRAPHS)) {
    it(`computes the interpreter's result: ${name}`, async () => {
      const shape = [2, 3, 11, 9];
      const x = new Random(3).uniformArray(2 * 3 * 11 * 9, -1, 1);
      const runner = await prepareRunner('tfjs-cpu', { graph, x, shape });
      const output = await runner.infer();
      const expected = interpret(graph, { x })[graph.outputs[0] ?? ''] ?? new Float32Array();
      const check = compareArrays(expected, runner.canonical?.(output) ?? output, { abs: 1e-5, rel: 1e-4 });
      expect(check.mismatch).toBeUndefined();
      expect(expected.some((v) => v !== 0)).toBe(true);
    });
  }
});
