// Constant folding: a pure node whose operands are all constants is evaluated once, at
// compile time, with the op's reference semantics (the interpreter's `evaluate`), and
// becomes a constant. A folding that would create a big constant from small ones (a
// broadcast, an outer product) is skipped: it would bloat the bundle for no speed.

import type { Node } from '../../ir/graph.ts';
import { formatValueName } from '../../ir/names.ts';
import { OPS, type Tensor } from '../../ir/ops/index.ts';
import { isSymbolic, sizeOf, type StaticShape } from '../../ir/types.ts';
import type { Pass } from './pass.ts';
import { rewriteGraph } from './rewrite-engine.ts';
import { constSpec, type RewriteRule } from './rewrite-rule.ts';

/** Results up to this many elements are always folded; larger ones only if they do not grow the data. */
export const FOLD_LIMIT = 1 << 16;

/** op(const a, const b, …) → const(op(a, b, …)); `skipped` hears of foldings refused for size. */
export function foldRule(limit = FOLD_LIMIT, skipped: (node: Node, size: number) => void = () => undefined): RewriteRule {
  return {
    name: 'fold-constant',
    match(node, view) {
      const def = OPS[node.op];
      if (!def.pure || def.kind === 'source' || node.inputs.length === 0) return undefined;
      if (node.type.shape.some(isSymbolic)) return undefined;
      const operands: Tensor[] = [];
      for (const input of node.inputs) {
        const data = view.constant(input);
        if (data === undefined) return undefined;
        operands.push(data);
      }
      const shape = node.type.shape as StaticShape;
      const size = sizeOf(shape);
      const operandSize = operands.reduce((total, t) => total + t.data.length, 0);
      if (size > limit && size > operandSize) {
        skipped(node, size);
        return undefined;
      }
      return { replace: [constSpec(shape, def.evaluate(operands, node.attrs, shape, node.inputs), undefined, node.type.dtype)] };
    },
  };
}

export const foldConstantsPass: Pass = {
  name: 'fold-constants',
  summary: `evaluate pure nodes of constant operands at compile time (results > ${FOLD_LIMIT} elements only if not growing)`,
  run(graph, context) {
    const reported = new Set<string>();
    return rewriteGraph(graph, [foldRule(FOLD_LIMIT, (node, size) => {
      if (reported.has(node.name)) return;
      reported.add(node.name);
      context.note(`${formatValueName(node.name)} not folded: ${size} elements, above the limit of ${FOLD_LIMIT} and larger than its operands`);
    })]);
  },
};
