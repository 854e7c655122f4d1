// Bounds taken with a symbol at 1 (one the caller left out of `dims`) hold at every size only
// for ops that work per position along it. This guard refuses the ops whose values mix along
// such an axis (a sum or dot product over it, a window sliding along it), so the caller gives
// that symbol's size instead of getting bounds that are silently too tight.

import { CompileError } from '../../ir/errors.ts';
import type { Node } from '../../ir/graph.ts';
import { OPS } from '../../ir/ops/index.ts';
import { reducedAxes } from '../../ir/ops/reduce.ts';
import { dimMonomial, isSymbolic, type TensorType } from '../../ir/types.ts';
import type { BoundDims } from './bounds.ts';

/** Ops bounded per position along every axis but those named below (softmax widens itself). */
const PER_POSITION_KINDS = new Set(['source', 'elementwise', 'layout', 'recurrent']);
const PER_POSITION_OPS = new Set(['softmax', 'linear', 'layer_norm', 'reduce_max', 'reduce_min']);

/** Per operand, the axes along which `node` combines values (undefined: every axis but the leading batch). */
function mixedAxes(node: Node, inputs: readonly TensorType[]): readonly (readonly number[])[] | undefined {
  const rank = (i: number): number => inputs[i]?.shape.length ?? 0;
  if (node.op === 'matmul') return [[rank(0) - 1], [rank(1) - 2]];
  // q's rows are per position; k and v (and a mask's key axis) are summed over.
  if (node.op === 'attention') return [[rank(0) - 1], [rank(1) - 2, rank(1) - 1], [rank(2) - 2], [rank(3) - 1]];
  if (node.op.startsWith('reduce_')) return [reducedAxes(inputs[0]?.shape ?? [], node.attrs)];
  return undefined;
}

/** Throws when `node`'s bounds at the symbols left out of `dims` (bound at 1) would not hold at other sizes. */
export function checkFreeAxes(node: Node, types: ReadonlyMap<string, TensorType>, dims: BoundDims): void {
  const kind = Object.hasOwn(OPS, node.op) ? OPS[node.op].kind : undefined;
  if ((kind !== undefined && PER_POSITION_KINDS.has(kind)) || PER_POSITION_OPS.has(node.op)) return;
  const inputs = node.inputs.map((name) => types.get(name) ?? { dtype: 'f32' as const, shape: [] });
  const mixed = mixedAxes(node, inputs);
  inputs.forEach((type, operand) => {
    type.shape.forEach((dim, axis) => {
      if (!isSymbolic(dim)) return;
      const free = dimMonomial(dim).symbols.find((s) => !Object.hasOwn(dims, s));
      if (free === undefined) return;
      const mixes = mixed === undefined ? axis > 0 : (mixed[operand] ?? []).includes(axis);
      if (mixes) {
        throw new CompileError(`its bounds depend on the size of ${free} (${node.op} combines values along it): give ${free}'s size (dims, or inspect --dim ${free}=…)`, { node: node.name, op: node.op });
      }
    });
  });
}
