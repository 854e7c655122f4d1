// Layout transposes from TF/Keras converters: models that take NHWC wrap every conv in
// transpose(NHWC→NCHW) … transpose(NCHW→NHWC), with activations and bias adds between, so
// consecutive convs transpose back and forth. This pass sinks each transpose below the
// elementwise ops that read it until it meets the next transpose, where the pair cancels:
//  1. op(transpose(a){perm = p}, c…) → transpose(op(a, c'…)){perm = p} when op is
//     elementwise (no operand-specific alignment, as PReLU's slope has), the transpose has
//     no other reader, op's result has the transposed shape, and every other operand is a
//     transpose with the same perm (read untransposed) or a constant (transposed by p⁻¹ here);
//     concat of transposes with one perm likewise becomes a transpose of the concat, its axis
//     mapped through p (Keras joins NHWC feature maps on the channel axis);
//  2. transpose∘transpose composes, and cancels when the composition is the identity
//     (remove-identities' rules, shared);
//  3. run to a fixpoint: a chain conv → T → relu → T⁻¹ → conv loses both transposes, and the
//     activation lands right after the conv, where fuse-linear-activation takes it.
// Only the model's first and last transposes remain.

import type { Node } from '../../ir/graph.ts';
import { OPS, transposePerm } from '../../ir/ops/index.ts';
import { sameShape, type StaticShape } from '../../ir/types.ts';
import type { Pass } from './pass.ts';
import { IDENTITY_RULES } from './remove-identities.ts';
import { rewriteGraph } from './rewrite-engine.ts';
import { constSpec, type GraphView, type NodeSpec, type RewriteRule } from './rewrite-rule.ts';

function inverse(perm: readonly number[]): number[] {
  const out = new Array<number>(perm.length).fill(0);
  perm.forEach((axis, k) => {
    out[axis] = k;
  });
  return out;
}

function samePerm(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((axis, i) => axis === b[i]);
}

/** The transpose defining `name` with its perm, if it is one. */
function transposeOf(view: GraphView, name: string): { node: Node; perm: number[] } | undefined {
  const node = view.producer(name);
  if (node?.op !== 'transpose') return undefined;
  return { node, perm: transposePerm(node.type.shape.length, node.attrs) };
}

/** A constant broadcast against a rank-`rank` value, as seen from the untransposed side: c' = transpose(c, p⁻¹). */
function untransposedConst(view: GraphView, name: string, rank: number, perm: readonly number[]): NodeSpec | undefined {
  const data = view.constant(name);
  if (data === undefined || data.shape.length > rank) return undefined;
  const padded = [...new Array<number>(rank - data.shape.length).fill(1), ...data.shape];
  const q = inverse(perm);
  const shape: StaticShape = q.map((axis) => padded[axis] ?? 1);
  const values = OPS.transpose.evaluate([{ shape: padded, data: data.data }], { perm: q }, shape);
  return constSpec(shape, values, view.freshName(`${name}.untransposed`));
}

/** op(transpose(a){perm = p}, c…) → transpose(op(a, c'…)){perm = p}   (see step 1 above) */
const sinkThroughElementwise: RewriteRule = {
  name: 'sink-transpose-through-elementwise',
  match(node, view) {
    const spec = OPS[node.op].elementwise;
    if (spec === undefined || spec.alignOperand !== undefined || node.op === 'transpose') return undefined;
    const lead = node.inputs.map((input) => transposeOf(view, input)).find((t) => t !== undefined && view.useCount(t.node.name) === 1);
    if (lead === undefined || !sameShape(node.type.shape, lead.node.type.shape)) return undefined;
    const rank = node.type.shape.length;
    const consts: NodeSpec[] = [];
    const operands: string[] = [];
    for (const input of node.inputs) {
      const t = transposeOf(view, input);
      if (t !== undefined && samePerm(t.perm, lead.perm)) {
        operands.push(t.node.inputs[0] ?? '');
        continue;
      }
      const data = view.constant(input);
      if (data !== undefined && data.shape.every((d) => d === 1) && data.shape.length <= rank) {
        operands.push(input); // a scalar reads the same from either side
        continue;
      }
      const c = untransposedConst(view, input, rank, lead.perm);
      if (c === undefined) return undefined;
      consts.push(c);
      operands.push(c.name ?? '');
    }
    const inner = view.freshName(`${node.name}.untransposed`);
    return {
      replace: [
        ...consts,
        { op: node.op, inputs: operands, attrs: node.attrs, name: inner },
        { op: 'transpose', inputs: [inner], attrs: { perm: lead.perm } },
      ],
    };
  },
};

/**
 * concat(transpose(a){perm = p}, transpose(b){perm = p}, …){axis = k}
 *   → transpose(concat(a, b, …){axis = p[k]}){perm = p}   (Keras joins NHWC maps on channels)
 */
const sinkThroughConcat: RewriteRule = {
  name: 'sink-transpose-through-concat',
  match(node, view) {
    if (node.op !== 'concat') return undefined;
    const parts = node.inputs.map((input) => transposeOf(view, input));
    const first = parts[0];
    if (first === undefined || parts.some((t) => t === undefined || !samePerm(t.perm, first.perm))) return undefined;
    const rank = node.type.shape.length;
    const given = node.attrs['axis'];
    if (typeof given !== 'number') return undefined;
    const axis = first.perm[given < 0 ? given + rank : given];
    if (axis === undefined) return undefined;
    const inner = view.freshName(`${node.name}.untransposed`);
    return {
      replace: [
        { op: 'concat', inputs: parts.map((t) => t?.node.inputs[0] ?? ''), attrs: { axis }, name: inner },
        { op: 'transpose', inputs: [inner], attrs: { perm: first.perm } },
      ],
    };
  },
};

export const sinkTransposesPass: Pass = {
  name: 'sink-transposes',
  summary: 'sink layout transposes below elementwise ops so NHWC↔NCHW pairs around convs cancel',
  run: (graph) => rewriteGraph(graph, [...IDENTITY_RULES, sinkThroughElementwise, sinkThroughConcat]),
};
