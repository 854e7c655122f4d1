// The masked forms of attention's logits, for fuse-attention: besides `scores + mask` (an
// additive float mask, PyTorch 1.13's export of a key padding mask as Where(mask, -inf, 0)
// included), a bool mask applied to the scores themselves, `where(m, -inf, scores)` (PyTorch's
// masked_fill) or `where(keep, scores, -inf)`, becomes the additive mask `where(m, -inf, 0)`
// (one small elementwise node over the bool, fused with its producers), so every backend's
// existing additive-mask kernels serve it. Softmax rows whose every key is masked are NaN
// either way (exp(-inf - -inf)), as in ONNX and PyTorch. The one difference: a masked score
// that is itself +inf or NaN (an overflowed q·k) gives NaN fused, -inf unfused.

import type { Node } from '../../ir/graph.ts';
import { broadcastShapes } from '../../ir/ops/index.ts';
import type { Dim, TensorType } from '../../ir/types.ts';
import { constSpec, type GraphView, type NodeSpec } from './rewrite-rule.ts';

/** One way to read a softmax's logits: the scores, an additive mask (if any) and the nodes making it. */
export interface MaskedLogits {
  readonly scores: string;
  readonly mask?: { readonly name: string; readonly type: TensorType };
  readonly specs: readonly NodeSpec[];
}

/** The node producing `name` when it is one of `ops`, read once and not returned. */
export function soleProducer(view: GraphView, name: string | undefined, ops: readonly string[]): Node | undefined {
  if (name === undefined || view.isOutput(name) || view.useCount(name) !== 1) return undefined;
  const node = view.producer(name);
  return node !== undefined && ops.includes(node.op) ? node : undefined;
}

function allNegativeInfinity(view: GraphView, name: string | undefined): boolean {
  const data = name === undefined ? undefined : view.constant(name);
  return data !== undefined && data.data.length > 0 && data.data.every((x) => x === -Infinity);
}

/** where(m, -inf, x) or where(m, x, -inf) over f32, not broadcast beyond x: m, x and which side is masked. */
function boolMasking(view: GraphView, logits: string): { cond: string; inner: string; maskedWhen: boolean } | undefined {
  const where = soleProducer(view, logits, ['where']);
  const [cond, a, b] = where?.inputs ?? [];
  if (where === undefined || cond === undefined || a === undefined || b === undefined || where.type.dtype !== 'f32') return undefined;
  const [maskedWhen, inner] = allNegativeInfinity(view, a) ? [true, b] : allNegativeInfinity(view, b) ? [false, a] : [undefined, ''];
  if (maskedWhen === undefined) return undefined;
  const shape = view.type(inner).shape;
  if (where.type.shape.length !== shape.length || where.type.shape.some((d, i) => d !== shape[i])) return undefined;
  return { cond, inner, maskedWhen };
}

/** The additive readings of `logits`, most specific first (scores + mask before plain scores). */
function additive(view: GraphView, logits: string): { scores: string; mask?: string }[] {
  const readings: { scores: string; mask?: string }[] = [{ scores: logits }];
  const add = soleProducer(view, logits, ['add']);
  const [a, b] = add?.inputs ?? [];
  if (a !== undefined && b !== undefined) readings.unshift({ scores: a, mask: b }, { scores: b, mask: a });
  return readings;
}

/** Every reading of a softmax's logits as scores plus an optional additive mask. */
export function maskedLogits(view: GraphView, logits: string): MaskedLogits[] {
  const masking = boolMasking(view, logits);
  if (masking === undefined) {
    return additive(view, logits).map(({ scores, mask }) => ({ scores, specs: [], ...(mask === undefined ? {} : { mask: { name: mask, type: view.type(mask) } }) }));
  }
  const condType = view.type(masking.cond);
  const inf = view.freshName(`${logits}.neg_inf`);
  const zero = view.freshName(`${logits}.zero`);
  const boolMask = view.freshName(`${logits}.mask`);
  const [ifTrue, ifFalse] = masking.maskedWhen ? [inf, zero] : [zero, inf];
  const boolSpecs: NodeSpec[] = [
    constSpec([], Float32Array.of(-Infinity), inf),
    constSpec([], Float32Array.of(0), zero),
    { op: 'where', inputs: [masking.cond, ifTrue, ifFalse], name: boolMask },
  ];
  const boolType: TensorType = { dtype: 'f32', shape: condType.shape };
  return additive(view, masking.inner).map(({ scores, mask }): MaskedLogits => {
    if (mask === undefined) return { scores, mask: { name: boolMask, type: boolType }, specs: boolSpecs };
    // scores + f masked to -inf is scores + (f + where(m, -inf, 0)) for finite f.
    const both = view.freshName(`${logits}.masks`);
    let shape: Dim[];
    try {
      shape = broadcastShapes([view.type(mask).shape, condType.shape]);
    } catch {
      return { scores: masking.inner, specs: [] };
    }
    return { scores, mask: { name: both, type: { dtype: 'f32', shape } }, specs: [...boolSpecs, { op: 'add', inputs: [mask, boolMask], name: both }] };
  }).filter((reading) => reading.mask !== undefined);
}
