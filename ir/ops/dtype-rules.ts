// Element-type rules of the op table: which dtypes each operand takes and what the result
// is. `resolveDType` is the one check every node goes through (makeNode, the verifier), so a
// float op given an i32 tensor fails there, naming the node and the operand.

import { CompileError } from '../errors.ts';
import type { DType } from '../types.ts';
import type { Attrs, DTypeRule, OpDef } from './types.ts';

export const ANY_DTYPE: readonly DType[] = ['f32', 'i32', 'bool'];

/** Compute ops: f32 operands, f32 result (the rule of ops that declare none). */
export const F32_ONLY: DTypeRule = { operands: [['f32']], result: () => 'f32' };

/** Data movement (reshape, transpose, concat, slice, expand): any dtype, kept; all operands alike. */
export const KEEPS_DTYPE: DTypeRule = {
  operands: [ANY_DTYPE],
  same: 'all',
  result: (operands) => operands[0] ?? 'f32',
};

function list(types: readonly DType[]): string {
  return types.length === 1 ? (types[0] ?? '') : `${types.slice(0, -1).join(', ')} or ${types.at(-1) ?? ''}`;
}

/** The result dtype of `def` on operands of `types`, or a CompileError saying what it takes. */
export function resolveDType(def: OpDef, types: readonly DType[], attrs: Attrs): DType {
  const rule = def.dtypes ?? F32_ONLY;
  types.forEach((type, index) => {
    const accepted = rule.operands[Math.min(index, rule.operands.length - 1)] ?? [];
    if (!accepted.includes(type)) {
      throw new CompileError(`operand ${index} is ${type}, but ${def.name} takes ${list(accepted)} there`);
    }
  });
  const same = rule.same === 'all' ? types.map((_, index) => index) : (rule.same ?? []).filter((index) => index < types.length);
  const first = same[0];
  for (const index of same) {
    if (first !== undefined && types[index] !== types[first]) {
      throw new CompileError(`operands ${first} and ${index} must have one element type, got ${types[first] ?? '?'} and ${types[index] ?? '?'}`);
    }
  }
  return rule.result(types, attrs);
}
