// Before opset 20 ONNX had no Gelu, so PyTorch exports nn.GELU() as its erf formula:
//
//   d = Div(x, 1.4142135)   e = Erf(d)   a = Add(e, 1)   m = Mul(x, a)   y = Mul(m, 0.5)
//
// (or Mul(x, 0.5) first and Mul(that, a) last). This rewrite spots the pattern on the ONNX
// nodes and replaces it with one Gelu node, provided no intermediate value is used
// elsewhere or returned. An Erf outside the pattern stays, and is reported unsupported.

import type { NodeProto } from './proto.ts';

/** A scalar float constant's value by name, when the name is one. */
export type ScalarLookup = (name: string) => number | undefined;

const near = (value: number | undefined, want: number): boolean => value !== undefined && Math.abs(value - want) <= 1e-6 * Math.abs(want);

interface Uses {
  readonly consumers: ReadonlyMap<string, NodeProto[]>;
  readonly protected: ReadonlySet<string>;
}

/** The one node reading `value`, if exactly one reads it (once) and it is not returned. */
function soleConsumer(value: string, op: string, uses: Uses): NodeProto | undefined {
  const consumers = uses.consumers.get(value) ?? [];
  const [only] = consumers;
  if (consumers.length !== 1 || only === undefined || only.op_type !== op || uses.protected.has(value)) return undefined;
  return only.input.filter((name) => name === value).length === 1 ? only : undefined;
}

/** For a binary node with `known` as one operand, the other operand. */
function otherOperand(node: NodeProto, known: string): string | undefined {
  const [a, b] = node.input;
  if (node.input.length !== 2) return undefined;
  if (a === known) return b;
  if (b === known) return a;
  return undefined;
}

/** The operand of a binary node that is the scalar `want`; returns the other one. */
function withScalar(node: NodeProto, want: number, scalar: ScalarLookup): string | undefined {
  const [a, b] = node.input;
  if (node.input.length !== 2 || a === undefined || b === undefined) return undefined;
  if (near(scalar(b), want)) return a;
  if (node.op_type !== 'Div' && near(scalar(a), want)) return b;
  return undefined;
}

interface Match { readonly x: string; readonly removed: ReadonlySet<NodeProto>; readonly last: NodeProto }

function matchAt(erf: NodeProto, producer: ReadonlyMap<string, NodeProto>, uses: Uses, scalar: ScalarLookup): Match | undefined {
  const scaledName = erf.input[0];
  const erfOut = erf.output[0];
  if (scaledName === undefined || erfOut === undefined) return undefined;
  const scale = producer.get(scaledName);
  if (scale === undefined || soleConsumer(scaledName, 'Erf', uses) !== erf) return undefined;
  const x = scale.op_type === 'Div' ? withScalar(scale, Math.SQRT2, scalar)
    : scale.op_type === 'Mul' ? withScalar(scale, Math.SQRT1_2, scalar) : undefined;
  if (x === undefined) return undefined;
  const add = soleConsumer(erfOut, 'Add', uses);
  const addOut = add?.output[0];
  if (add === undefined || addOut === undefined || otherOperand(add, erfOut) === undefined || !near(scalar(otherOperand(add, erfOut) ?? ''), 1)) return undefined;
  const product = soleConsumer(addOut, 'Mul', uses);
  const productOut = product?.output[0];
  if (product === undefined || productOut === undefined) return undefined;
  const partner = otherOperand(product, addOut);
  if (partner === x) {
    // x · (1 + erf) then · 0.5
    const half = soleConsumer(productOut, 'Mul', uses);
    if (half === undefined || withScalar(half, 0.5, scalar) !== productOut) return undefined;
    return { x, removed: new Set([scale, erf, add, product, half]), last: half };
  }
  // (x · 0.5) · (1 + erf)
  const halfNode = partner === undefined ? undefined : producer.get(partner);
  if (halfNode === undefined || partner === undefined || halfNode.op_type !== 'Mul' || withScalar(halfNode, 0.5, scalar) !== x) return undefined;
  if (soleConsumer(partner, 'Mul', uses) !== product) return undefined;
  return { x, removed: new Set([scale, erf, add, halfNode, product]), last: product };
}

/** The nodes with every erf-GELU pattern replaced by a Gelu node (approximate = none). */
export function fuseErfGelu(nodes: readonly NodeProto[], returned: ReadonlySet<string>, scalar: ScalarLookup): NodeProto[] {
  const producer = new Map<string, NodeProto>();
  const consumers = new Map<string, NodeProto[]>();
  for (const node of nodes) {
    for (const out of node.output) producer.set(out, node);
    for (const input of new Set(node.input)) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  }
  const uses: Uses = { consumers, protected: returned };
  const replaced = new Map<NodeProto, NodeProto>();
  const dropped = new Set<NodeProto>();
  for (const node of nodes) {
    if (node.op_type !== 'Erf' || node.domain !== '' || dropped.has(node)) continue;
    const match = matchAt(node, producer, uses, scalar);
    if (match === undefined || [...match.removed].some((n) => dropped.has(n))) continue;
    for (const removed of match.removed) dropped.add(removed);
    replaced.set(match.last, {
      input: [match.x], output: [...match.last.output], name: match.last.name, op_type: 'Gelu', domain: '',
      attribute: [],
    });
  }
  return nodes.flatMap((node) => {
    const replacement = replaced.get(node);
    if (replacement !== undefined) return [replacement];
    return dropped.has(node) ? [] : [node];
  });
}
