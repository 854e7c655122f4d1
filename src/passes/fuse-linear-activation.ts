// Linear + activation fusion: an activation reading a linear's result becomes the linear's
// epilogue, carrying its attributes and parameters (PReLU's slope). Activations are the
// elementwise ops the op table marks `activation`, so a new one fuses with no change here.

import type { Node } from '../../ir/graph.ts';
import { activationAttr, OPS } from '../../ir/ops/index.ts';
import type { Pass } from './pass.ts';
import { rewriteGraph } from './rewrite-engine.ts';
import type { GraphView, RewriteRule } from './rewrite-rule.ts';

/**
 * Backends apply a fused activation's parameters along the linear's output (last) axis, so a
 * per-channel parameter (PReLU's slope, channel = axis 1) fuses only when that is the last
 * axis; scalar parameters always do.
 */
function paramsFit(act: Node, view: GraphView): boolean {
  const rank = act.type.shape.length;
  return act.inputs.slice(1).every((param) => {
    const size = view.type(param).shape.reduce<number>((n, d) => n * (typeof d === 'number' ? d : Infinity), 1);
    return size === 1 || rank === 2;
  });
}

/** act(linear(x, W, b)) {attrs} → linear(x, W, b, params…){activation = act(attrs)}   when the linear's value has no other reader and is not returned */
const fuseActivation: RewriteRule = {
  name: 'fuse-linear-activation',
  match(node, view) {
    if (OPS[node.op].elementwise?.activation !== true) return undefined;
    const [pre, ...params] = node.inputs;
    const linear = view.producer(pre ?? '');
    if (pre === undefined || linear?.op !== 'linear' || activationAttr(linear.attrs) !== undefined) return undefined;
    if (view.isOutput(pre) || view.useCount(pre) !== 1 || params.includes(pre)) return undefined;
    if (!paramsFit(node, view)) return undefined;
    const activation = { op: node.op, attrs: node.attrs };
    return { replace: [{ op: 'linear', inputs: [...linear.inputs, ...params], attrs: { activation } }] };
  },
};

export const LINEAR_ACTIVATION_RULES: readonly RewriteRule[] = [fuseActivation];

export const fuseLinearActivationPass: Pass = {
  name: 'fuse-linear-activation',
  summary: 'act(linear(x, W, b)) → linear{activation = act} when the pre-activation has no other use',
  run: (graph) => rewriteGraph(graph, LINEAR_ACTIVATION_RULES),
};
