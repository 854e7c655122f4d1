// Where a graph applies activations: a standalone activation node (relu(%z)) or an
// activation fused into another op's epilogue (linear{activation = relu}, later conv). Both
// are found through the op table (the `activation` flag of elementwise ops, attributes of type
// 'activation'), so statistics and proofs see an activation wherever fusion put it.

import type { Graph, Node } from '../../ir/graph.ts';
import { producers } from '../../ir/graph.ts';
import { activationAttr, activationParamCount, OPS, type Activation, type Attrs } from '../../ir/ops/index.ts';

export interface ActivationSite {
  /** The node whose value is the activation's output. */
  readonly node: Node;
  readonly activation: Activation;
  /** Set for a fused activation: the attribute holding it. */
  readonly fusedAttr?: string;
}

/** The operands and attributes of `node` with its fused activation removed. */
export function withoutActivation(node: Node, attr: string): { inputs: readonly string[]; attrs: Attrs } {
  const activation = activationAttr(node.attrs, attr);
  const params = activationParamCount(activation);
  const attrs: Record<string, Attrs[string]> = {};
  for (const [key, value] of Object.entries(node.attrs)) if (key !== attr) attrs[key] = value;
  return { inputs: node.inputs.slice(0, node.inputs.length - params), attrs };
}

/** The activation's parameter operands (PReLU's slope), after its data. */
export function activationParams(site: ActivationSite): readonly string[] {
  if (site.fusedAttr === undefined) return site.node.inputs.slice(1);
  const params = activationParamCount(site.activation);
  return params === 0 ? [] : site.node.inputs.slice(site.node.inputs.length - params);
}

export function activationSites(graph: Graph): ActivationSite[] {
  const sites: ActivationSite[] = [];
  for (const node of graph.nodes) {
    const def = OPS[node.op];
    if (def.elementwise?.activation === true) {
      sites.push({ node, activation: { op: node.op, attrs: node.attrs } });
      continue;
    }
    for (const [key, spec] of Object.entries(def.attrs)) {
      if (spec.type !== 'activation') continue;
      const activation = activationAttr(node.attrs, key);
      if (activation !== undefined) sites.push({ node, activation, fusedAttr: key });
    }
  }
  return sites;
}

/** Ops without an epilogue whose output is [N, C, ...spatial] channel by channel. */
const CHANNEL_FIRST: ReadonlySet<string> = new Set(['conv_transpose', 'max_pool', 'avg_pool', 'resize']);

/**
 * The axis a site's units lie on: an op with an epilogue says it in the op table
 * (`featureAxis`: linear's last axis, conv's channel axis 1); values made by pooling,
 * resizing or a transposed conv are channels too, traced back through elementwise ops, so a
 * Conv1d's [N, C, L] counts channels. Otherwise the last axis, or axis 1 for an image-shaped
 * [N, C, H, W] value.
 */
export function siteUnitAxis(graph: Graph, site: ActivationSite): number {
  const rank = site.node.type.shape.length;
  const made = producers(graph);
  let node: Node | undefined = site.node;
  for (let depth = 0; node !== undefined && depth < graph.nodes.length; depth++) {
    const declared = OPS[node.op].featureAxis;
    if (declared !== undefined) return declared === 'last' ? rank - 1 : declared;
    if (CHANNEL_FIRST.has(node.op)) return 1;
    if (OPS[node.op].elementwise === undefined || node.type.shape.length !== rank) break;
    node = made.get(node.inputs[0] ?? '');
  }
  return rank >= 4 ? 1 : rank - 1;
}
