// Reductions along an axis. Softmax is stable: subtract the row max, exponentiate, divide
// by the sum (accumulated in f64), so logits of ±1e4 stay finite.

import { CompileError } from '../errors.ts';
import type { StaticShape, TensorType } from '../types.ts';
import { floatAttr } from './attrs.ts';
import type { Attrs, OpDef, Tensor } from './types.ts';

/** Resolves a possibly negative axis against a rank, or throws. */
export function resolveAxis(axis: number, rank: number): number {
  const resolved = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || resolved < 0 || resolved >= rank) {
    throw new CompileError(`axis ${axis} is out of range for rank ${rank} (expected ${-rank}..${rank - 1})`);
  }
  return resolved;
}

/** outer × axis × inner: the loop nest a reduction over `axis` runs. */
export function axisSplit(shape: StaticShape, axis: number): { outer: number; size: number; inner: number } {
  const outer = shape.slice(0, axis).reduce((n, d) => n * d, 1);
  const size = shape[axis] ?? 1;
  const inner = shape.slice(axis + 1).reduce((n, d) => n * d, 1);
  return { outer, size, inner };
}

function evaluateSoftmax(inputs: readonly Tensor[], attrs: Attrs, outShape: StaticShape): Float32Array {
  const x = inputs[0];
  if (x === undefined) throw new CompileError('internal: softmax without operand');
  const axis = resolveAxis(floatAttr(attrs, 'axis'), outShape.length);
  const { outer, size, inner } = axisSplit(outShape, axis);
  const out = new Float32Array(x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (k: number): number => (o * size + k) * inner + i;
      let max = -Infinity;
      for (let k = 0; k < size; k++) max = Math.max(max, x.data[at(k)] ?? NaN);
      let sum = 0;
      for (let k = 0; k < size; k++) sum += Math.exp((x.data[at(k)] ?? NaN) - max);
      for (let k = 0; k < size; k++) out[at(k)] = Math.exp((x.data[at(k)] ?? NaN) - max) / sum;
    }
  }
  return out;
}

export const reduceOps = {
  softmax: {
    name: 'softmax', kind: 'reduce', pure: true, arity: { min: 1, max: 1 },
    attrs: { axis: { type: 'int', default: -1 } },
    doc: 'exp(x - max) / sum(exp(x - max)) along axis; NaN in a row makes the row NaN',
    inferType: (inputs: readonly TensorType[], attrs: Attrs): TensorType => {
      const [x] = inputs;
      if (x === undefined) throw new CompileError('expects one operand');
      resolveAxis(floatAttr(attrs, 'axis'), x.shape.length);
      return x;
    },
    evaluate: evaluateSoftmax,
  },
} satisfies Record<string, OpDef>;
