// Elementwise fusion: chains and trees of elementwise ops (broadcast adds of a bias or a
// residual included) become one `fused_elementwise` node whose body is the composition of
// their scalar bodies, so a backend emits one loop or kernel and no intermediate tensor.
//
// 1. For an elementwise node N, find an operand produced by an elementwise node P that
//    nothing but N reads (a value read elsewhere is computed once, not duplicated) and that
//    is not a graph output.
// 2. The fused operands are N's other operands and P's operands, each deduplicated. Ops
//    whose operands align specially (PReLU's per-channel slope, via the op table's
//    alignOperand) get that operand reshaped to its aligned shape (a new constant when it is
//    constant), because `fused_elementwise` broadcasts plainly, NumPy-style.
// 3. The body is N's body with P's body substituted for P's operand (substituteOperands).
//    NumPy broadcasting composes, so indexing P's operands by N's output index is exact.
// 4. The worklist repeats this to a fixpoint; a body or operand list above the caps stops it.
// Fusion is exact: scalar bodies round every primitive to f32 (ir/scalar.ts), just as the
// separate ops rounded through their f32 tensors, so the fused body computes the same bits.

import type { Node } from '../../ir/graph.ts';
import { OPS } from '../../ir/ops/index.ts';
import { E, exprSize, substituteOperands, type ScalarExpr } from '../../ir/scalar.ts';
import { isSymbolic, sameShape, type Shape } from '../../ir/types.ts';
import type { Pass } from './pass.ts';
import { rewriteGraph } from './rewrite-engine.ts';
import { constSpec, onlyUsedBy, type GraphView, type NodeSpec, type RewriteRule } from './rewrite-rule.ts';

/** Largest fused body, in expression nodes (keeps kernels readable and compile time flat). */
export const MAX_BODY_SIZE = 96;
/** Most operands of a fused node (WebGPU guarantees 8 storage buffers per stage, one is the output). */
export const MAX_OPERANDS = 7;

class OperandList {
  readonly names: string[] = [];
  readonly extra: NodeSpec[] = [];

  constructor(private readonly view: GraphView) {}

  /** The index of `name` read with `aligned` shape, reshaping it if needed; undefined if impossible. */
  add(name: string, aligned: Shape): number | undefined {
    let source = name;
    const type = this.view.type(name);
    if (!sameShape(type.shape, aligned)) {
      if (aligned.some(isSymbolic)) return undefined;
      const dims = aligned as readonly number[];
      const data = this.view.constant(name);
      source = this.view.freshName(`${name}.aligned`);
      this.extra.push(data !== undefined
        ? constSpec(dims, data.data, source)
        : { op: 'reshape', inputs: [name], attrs: { shape: [...dims] }, name: source });
    }
    const known = this.names.indexOf(source);
    if (known >= 0) return known;
    this.names.push(source);
    return this.names.length - 1;
  }
}

/** Each operand of `node` as the elementwise op aligns it against its output. */
function alignedShapes(node: Node, view: GraphView): Shape[] {
  const spec = OPS[node.op].elementwise;
  const rank = node.type.shape.length;
  return node.inputs.map((input, index) => {
    const shape = view.type(input).shape;
    return spec?.alignOperand?.(index, shape, rank) ?? shape;
  });
}

function bodyOf(node: Node): ScalarExpr | undefined {
  return OPS[node.op].elementwise?.body(node.attrs);
}

function fuseInto(node: Node, producerName: string, view: GraphView): NodeSpec[] | undefined {
  const producer = view.producer(producerName);
  const outer = bodyOf(node);
  const inner = producer === undefined ? undefined : bodyOf(producer);
  if (producer === undefined || outer === undefined || inner === undefined) return undefined;
  // expand's result is larger than its operand's broadcast: a fused node (whose shape is its
  // operands' broadcast) could lose it, as producer or as consumer.
  if (OPS[node.op].elementwise?.ownShape === true || OPS[producer.op].elementwise?.ownShape === true) return undefined;
  const operands = new OperandList(view);
  const nodeShapes = alignedShapes(node, view);
  const producerShapes = alignedShapes(producer, view);
  const innerIndex: number[] = [];
  for (const [j, input] of producer.inputs.entries()) {
    const index = operands.add(input, producerShapes[j] ?? []);
    if (index === undefined) return undefined;
    innerIndex.push(index);
  }
  const innerBody = substituteOperands(inner, (j) => E.operand(innerIndex[j] ?? -1));
  const outerIndex: (number | 'inner')[] = [];
  for (const [i, input] of node.inputs.entries()) {
    if (input === producerName) {
      // The producer's result must be read as it is, not realigned (PReLU's slope position).
      if (!sameShape(nodeShapes[i] ?? [], producer.type.shape)) return undefined;
      outerIndex.push('inner');
      continue;
    }
    const index = operands.add(input, nodeShapes[i] ?? []);
    if (index === undefined) return undefined;
    outerIndex.push(index);
  }
  const body = substituteOperands(outer, (i) => {
    const at = outerIndex[i];
    return at === 'inner' ? innerBody : E.operand(at ?? -1);
  });
  if (exprSize(body) > MAX_BODY_SIZE || operands.names.length > MAX_OPERANDS) return undefined;
  // A result that is not f32 (a fused mask) says its element type.
  const attrs = node.type.dtype === 'f32' ? { body } : { body, dtype: node.type.dtype };
  return [...operands.extra, { op: 'fused_elementwise', inputs: operands.names, attrs }];
}

/** n(…, p(a, b), …) → fused_elementwise(…, a, b, …){body = n's body ∘ p's body}   when only n reads p */
const fuseProducer: RewriteRule = {
  name: 'fuse-elementwise',
  match(node, view) {
    if (OPS[node.op].kind !== 'elementwise') return undefined;
    for (const input of new Set(node.inputs)) {
      const producer = view.producer(input);
      if (producer === undefined || OPS[producer.op].kind !== 'elementwise') continue;
      if (!onlyUsedBy(view, input, node)) continue;
      const specs = fuseInto(node, input, view);
      if (specs !== undefined) return { replace: specs };
    }
    return undefined;
  },
};

export const fuseElementwisePass: Pass = {
  name: 'fuse-elementwise',
  summary: `fuse single-use elementwise chains and trees into fused_elementwise (body <= ${MAX_BODY_SIZE} nodes, <= ${MAX_OPERANDS} operands)`,
  run: (graph) => rewriteGraph(graph, [fuseProducer]),
};
