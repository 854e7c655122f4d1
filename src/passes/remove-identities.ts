// Identity removal: ops that return their operand unchanged disappear, and chains of layout
// ops that undo or repeat each other collapse. Identity-like elementwise ops are found by
// asking the op table for a body that is just `$0`, so `identity` and inference-time
// `dropout` (and any future no-op) are covered without naming them.

import type { Node } from '../../ir/graph.ts';
import { OPS, transposePerm } from '../../ir/ops/index.ts';
import { isSymbolic, sameType, type Shape } from '../../ir/types.ts';
import type { Pass } from './pass.ts';
import { rewriteGraph } from './rewrite-engine.ts';
import type { RewriteRule } from './rewrite-rule.ts';

/**
 * A reshape target that reproduces `shape` from `source`: a symbolic dim is 0 (copy) where
 * `source` has it on the same axis, else -1; undefined when that leaves two -1s (N and 4*N).
 */
function reshapeTargetFor(shape: Shape, source: Shape): number[] | undefined {
  const target = shape.map((dim, axis) => (!isSymbolic(dim) ? dim : source[axis] === dim ? 0 : -1));
  return target.filter((d) => d === -1).length > 1 ? undefined : target;
}

/** op(x) → x   when op's body is `$0` (identity, dropout) */
const elementwiseNoOp: RewriteRule = {
  name: 'elementwise-no-op',
  match(node, view) {
    const spec = OPS[node.op].elementwise;
    const [x] = node.inputs;
    if (spec === undefined || x === undefined || node.inputs.length !== 1) return undefined;
    const body = spec.body(node.attrs);
    if (body.kind !== 'operand' || body.index !== 0 || !sameType(view.type(x), node.type)) return undefined;
    return { forward: x };
  },
};

/** reshape(x) → x, flatten(x) → x   when the result has x's type (e.g. flatten of a 2-D x) */
const sameShapeView: RewriteRule = {
  name: 'same-shape-view',
  match(node, view) {
    const [x] = node.inputs;
    if (OPS[node.op].view !== true || x === undefined || !sameType(view.type(x), node.type)) return undefined;
    return { forward: x };
  },
};

/** reshape(flatten(x)) → reshape(x){shape = result}   (any view of a view is one reshape) */
const viewOfView: RewriteRule = {
  name: 'view-of-view',
  match(node, view) {
    const inner = view.producer(node.inputs[0] ?? '');
    if (OPS[node.op].view !== true || inner === undefined || OPS[inner.op].view !== true) return undefined;
    const [x] = inner.inputs;
    if (x === undefined) return undefined;
    const shape = reshapeTargetFor(node.type.shape, view.type(x).shape);
    return shape === undefined ? undefined : { replace: [{ op: 'reshape', inputs: [x], attrs: { shape } }] };
  },
};

function isIdentityPerm(perm: readonly number[]): boolean {
  return perm.every((axis, i) => axis === i);
}

function permOf(node: Node): number[] {
  return transposePerm(node.type.shape.length, node.attrs);
}

/** transpose(x){perm = [0, 1, …]} → x */
const identityTranspose: RewriteRule = {
  name: 'identity-transpose',
  match(node) {
    const [x] = node.inputs;
    if (node.op !== 'transpose' || x === undefined || !isIdentityPerm(permOf(node))) return undefined;
    return { forward: x };
  },
};

/** transpose(transpose(x){perm = p}){perm = q} → transpose(x){perm = p∘q}   (then → x if p∘q is the identity) */
const doubleTranspose: RewriteRule = {
  name: 'double-transpose',
  match(node, view) {
    const inner = view.producer(node.inputs[0] ?? '');
    const [x] = inner?.inputs ?? [];
    if (node.op !== 'transpose' || inner?.op !== 'transpose' || x === undefined) return undefined;
    const p = permOf(inner);
    const perm = permOf(node).map((axis) => p[axis] ?? axis);
    return { replace: [{ op: 'transpose', inputs: [x], attrs: { perm } }] };
  },
};

export const IDENTITY_RULES: readonly RewriteRule[] = [elementwiseNoOp, sameShapeView, viewOfView, identityTranspose, doubleTranspose];

export const removeIdentitiesPass: Pass = {
  name: 'remove-identities',
  summary: 'drop identity/dropout, same-shape reshapes, identity and cancelling transposes',
  run: (graph) => rewriteGraph(graph, IDENTITY_RULES),
};
