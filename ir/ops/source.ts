// Source ops: values that come from nowhere inside the graph. Graph inputs are the graph's
// parameters, not nodes; constants (weights) are `const` nodes holding their data.

import { CompileError } from '../errors.ts';
import { formatShape, sizeOf, shapeProblem } from '../types.ts';
import { tensorAttr } from './attrs.ts';
import type { OpDef } from './types.ts';

export const sourceOps = {
  const: {
    name: 'const', kind: 'source', pure: true, arity: { min: 0, max: 0 },
    attrs: { value: { type: 'tensor' } },
    doc: 'a constant tensor (weights, or i32/bool values held in f32 lanes), stored once',
    dtypes: { operands: [], result: (_types, attrs) => tensorAttr(attrs, 'value').dtype ?? 'f32' },
    inferType: (_inputs, attrs) => {
      const value = tensorAttr(attrs, 'value');
      const problem = shapeProblem(value.shape);
      if (problem !== undefined) throw new CompileError(problem);
      if (sizeOf(value.shape) !== value.data.length) {
        throw new CompileError(`shape ${formatShape(value.shape)} needs ${sizeOf(value.shape)} values, got ${value.data.length}`);
      }
      return { dtype: value.dtype ?? 'f32', shape: value.shape };
    },
    evaluate: (_inputs, attrs) => tensorAttr(attrs, 'value').data,
  },
} satisfies Record<string, OpDef>;
