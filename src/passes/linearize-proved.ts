// The second half of proved-mode dead-unit pruning: an activation whose input is proved >= 0
// on every unit over the box is the identity there (ReLU, LeakyReLU, PReLU, ELU: any body
// `select(x < c, …, x)` with c <= 0), so it is removed; then two linear layers with nothing
// between them fold into one when that saves multiply-adds:
//
//   relu(linear(x, W1, b1))           → linear(x, W1, b1)          (pre-activation proved >= 0)
//   linear(linear(x, W1, b1), W2, b2) → linear(x, W2·W1, W2·b1 + b2)   (inner used once)
//
// The fold computes W2·W1 in f64 and rounds once, so the folded layer equals the pair up to
// f32 rounding, not bit for bit.

import type { Graph, Node } from '../../ir/graph.ts';
import { useCounts, valueTypes } from '../../ir/graph.ts';
import { CompileError } from '../../ir/errors.ts';
import { activationAttr, activationDef, linearLayout, tensorAttr } from '../../ir/ops/index.ts';
import { makeNode } from '../../ir/node.ts';
import { formatValueName } from '../../ir/names.ts';
import type { ScalarExpr } from '../../ir/scalar.ts';
import type { TensorType } from '../../ir/types.ts';
import { activationSites, withoutActivation } from '../analysis/activation-sites.ts';
import { removeIdentitiesPass } from './remove-identities.ts';

/** Whether a body returns $0 for every $0 >= 0: select(cmp($0, c), a, $0) taking $0 there. */
export function identityOnNonNegative(body: ScalarExpr): boolean {
  if (body.kind !== 'select' || body.cond.kind !== 'binary') return false;
  const { fn, lhs, rhs } = body.cond;
  if (lhs.kind !== 'operand' || lhs.index !== 0 || rhs.kind !== 'const') return false;
  const c = Math.fround(rhs.value);
  const isX = (e: ScalarExpr): boolean => e.kind === 'operand' && e.index === 0;
  // x < c with c <= 0 (or x <= c with c < 0) is false for x >= 0: the false branch runs.
  if ((fn === 'lt' && c <= 0) || (fn === 'le' && c < 0)) return isX(body.ifFalse);
  // x >= c with c <= 0 (or x > c with c < 0) is true for x >= 0: the true branch runs.
  if ((fn === 'ge' && c <= 0) || (fn === 'gt' && c < 0)) return isX(body.ifTrue);
  return false;
}

export interface Linearized {
  readonly graph: Graph;
  readonly linearized: string[];
  readonly folded: string[];
}

function typedOperand(graph: Graph): (name: string) => { name: string; type: TensorType } {
  const types = valueTypes(graph);
  return (name) => {
    const type = types.get(name);
    if (type === undefined) throw new CompileError(`internal: no type for ${formatValueName(name)}`);
    return { name, type };
  };
}

/** Removes the activations; returns the linear nodes that now feed their readers directly. */
function removeActivations(graph: Graph, nonNegative: ReadonlySet<string>): { graph: Graph; linearized: string[]; exposed: Set<string> } {
  const operand = typedOperand(graph);
  const replaced = new Map<string, Node>();
  const exposed = new Set<string>();
  for (const site of activationSites(graph)) {
    const body = activationDef(site.activation.op)?.elementwise?.body(site.activation.attrs);
    if (!nonNegative.has(site.node.name) || body === undefined || !identityOnNonNegative(body)) continue;
    if (site.fusedAttr === undefined) {
      replaced.set(site.node.name, makeNode(site.node.name, 'identity', [operand(site.node.inputs[0] ?? '')]));
      exposed.add(site.node.inputs[0] ?? '');
    } else {
      exposed.add(site.node.name);
      const stripped = withoutActivation(site.node, site.fusedAttr);
      replaced.set(site.node.name, makeNode(site.node.name, site.node.op, stripped.inputs.map(operand), stripped.attrs));
    }
  }
  if (replaced.size === 0) return { graph, linearized: [], exposed };
  const next = { ...graph, nodes: graph.nodes.map((n) => replaced.get(n.name) ?? n) };
  return { graph: removeIdentitiesPass.run(next, { note: () => undefined }), linearized: [...replaced.keys()], exposed };
}

function constOf(graph: Graph, name: string | undefined): Float32Array | undefined {
  const node = graph.nodes.find((n) => n.name === name);
  return node?.op === 'const' ? tensorAttr(node.attrs, 'value').data : undefined;
}

/** One fold of an outer linear over an exposed inner one, or undefined when none applies or pays. */
function foldOnce(graph: Graph, exposed: ReadonlySet<string>): { graph: Graph; folded: string } | undefined {
  const uses = useCounts(graph);
  const outputs = new Set(graph.outputs);
  for (const outer of graph.nodes) {
    if (outer.op !== 'linear') continue;
    const inner = graph.nodes.find((n) => n.name === outer.inputs[0]);
    if (inner === undefined || !exposed.has(inner.name)) continue;
    if (inner.op !== 'linear' || activationAttr(inner.attrs) !== undefined || uses.get(inner.name) !== 1 || outputs.has(inner.name)) continue;
    const w1 = constOf(graph, inner.inputs[1]);
    const w2 = constOf(graph, outer.inputs[1]);
    const l1 = linearLayout(inner.inputs.length, inner.attrs);
    const l2 = linearLayout(outer.inputs.length, outer.attrs);
    const b1 = l1.hasBias ? constOf(graph, inner.inputs[2]) : undefined;
    const b2 = l2.hasBias ? constOf(graph, outer.inputs[2]) : undefined;
    if (w1 === undefined || w2 === undefined || (l1.hasBias && b1 === undefined) || (l2.hasBias && b2 === undefined)) continue;
    const mid = Number(inner.type.shape[inner.type.shape.length - 1]);
    const inF = w1.length / mid;
    const outF = w2.length / mid;
    if (outF * inF >= outF * mid + mid * inF) continue;
    const w = new Float32Array(outF * inF);
    const b = new Float32Array(outF);
    for (let o = 0; o < outF; o++) {
      let bias = b2?.[o] ?? 0;
      for (let m = 0; m < mid; m++) bias += (w2[o * mid + m] ?? 0) * (b1?.[m] ?? 0);
      b[o] = bias;
      for (let i = 0; i < inF; i++) {
        let sum = 0;
        for (let m = 0; m < mid; m++) sum += (w2[o * mid + m] ?? 0) * (w1[m * inF + i] ?? 0);
        w[o * inF + i] = sum;
      }
    }
    const names = new Set(graph.nodes.map((n) => n.name));
    const fresh = (hint: string): string => {
      let name = `${hint}.folded`;
      for (let k = 2; names.has(name); k++) name = `${hint}.folded${k}`;
      names.add(name);
      return name;
    };
    const wNode = makeNode(fresh(outer.inputs[1] ?? 'w'), 'const', [], { value: { shape: [outF, inF], data: w } });
    const bNode = makeNode(fresh(`${outer.name}.bias`), 'const', [], { value: { shape: [outF], data: b } });
    const typed = typedOperand(graph);
    const params = outer.inputs.slice(l2.paramStart).map(typed);
    const node = makeNode(outer.name, 'linear', [typed(inner.inputs[0] ?? ''), { name: wNode.name, type: wNode.type }, { name: bNode.name, type: bNode.type }, ...params], outer.attrs);
    const nodes = [wNode, bNode, ...graph.nodes.map((n) => (n.name === outer.name ? node : n))];
    return { graph: { ...graph, nodes }, folded: `${inner.name} into ${outer.name}` };
  }
  return undefined;
}

/** Removes proved-identity activations, then folds the linear pairs that exposes. */
export function linearizeProved(graph: Graph, nonNegative: ReadonlySet<string>): Linearized {
  const removed = removeActivations(graph, nonNegative);
  let current = removed.graph;
  const folded: string[] = [];
  // Only layers whose activation was removed are folded (exposed); others stay as written.
  if (removed.linearized.length > 0) {
    for (let step = 0; step < current.nodes.length; step++) {
      const next = foldOnce(current, removed.exposed);
      if (next === undefined) break;
      current = next.graph;
      folded.push(next.folded);
    }
  }
  return { graph: current, linearized: removed.linearized, folded };
}
