// Activation fusion into contractions: an activation reading the result of an op with an
// `activation` attribute in the op table (linear, conv) becomes that op's epilogue, carrying
// its attributes and parameters (PReLU's slope). Activations are the elementwise ops the op
// table marks `activation`, so a new activation, or a new op with an epilogue, fuses with no
// change here.

import type { Node } from '../../ir/graph.ts';
import { activationAttr, OPS } from '../../ir/ops/index.ts';
import type { Pass } from './pass.ts';
import { rewriteGraph } from './rewrite-engine.ts';
import type { GraphView, RewriteRule } from './rewrite-rule.ts';

/** The op producing `node`, when it has an epilogue that is still free. */
function epilogueOwner(node: Node | undefined): Node | undefined {
  if (node === undefined || OPS[node.op].attrs['activation']?.type !== 'activation') return undefined;
  return activationAttr(node.attrs) === undefined ? node : undefined;
}

/**
 * Backends apply a fused activation's parameters along the op's feature axis (op table
 * `featureAxis`: linear's last axis, conv's axis 1). A per-channel parameter (PReLU's slope)
 * runs along axis 1, so it fuses only where that is the feature axis: always for conv, for
 * linear on rank-2 results; scalar parameters always fuse.
 */
function paramsFit(act: Node, owner: Node, view: GraphView): boolean {
  const rank = act.type.shape.length;
  const declared = OPS[owner.op].featureAxis;
  const featureAxis = declared === 'last' ? rank - 1 : declared;
  return act.inputs.slice(1).every((param) => {
    const size = view.type(param).shape.reduce<number>((n, d) => n * (typeof d === 'number' ? d : Infinity), 1);
    return size === 1 || featureAxis === 1;
  });
}

/**
 * act(f(x, W, …)) {attrs} → f(x, W, …, params…){activation = act(attrs)}
 *   for f with an `activation` attribute (linear, conv; conv's residual stays before the
 *   activation: act(conv(x, W, b) + r)), when f's value has no other reader and is not returned
 */
const fuseActivation: RewriteRule = {
  name: 'fuse-linear-activation',
  match(node, view) {
    if (OPS[node.op].elementwise?.activation !== true) return undefined;
    const [pre, ...params] = node.inputs;
    const owner = epilogueOwner(view.producer(pre ?? ''));
    if (pre === undefined || owner === undefined) return undefined;
    if (view.isOutput(pre) || view.useCount(pre) !== 1 || params.includes(pre)) return undefined;
    if (!paramsFit(node, owner, view)) return undefined;
    const activation = { op: node.op, attrs: node.attrs };
    return { replace: [{ op: owner.op, inputs: [...owner.inputs, ...params], attrs: { ...owner.attrs, activation } }] };
  },
};

export const LINEAR_ACTIVATION_RULES: readonly RewriteRule[] = [fuseActivation];

export const fuseLinearActivationPass: Pass = {
  name: 'fuse-linear-activation',
  summary: 'act(linear(x, W, b)) → linear{activation = act}, act(conv(…)) → conv{activation = act}, when the pre-activation has no other use',
  run: (graph) => rewriteGraph(graph, LINEAR_ACTIVATION_RULES),
};
