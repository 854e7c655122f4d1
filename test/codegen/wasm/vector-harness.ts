// Test helper: a module whose `apply(ptr, count)` evaluates one scalar expression over
// arrays in linear memory with the wasm vector emitter (operand i at ptr + i·count·4,
// the result after the operands), so expressions and approximations can be checked
// against the interpreter's evaluation.

import type { ScalarExpr } from '../../../ir/scalar.ts';
import { prepareVectorExpr } from '../../../codegen/wasm/expr-emit.ts';
import { MathLibrary } from '../../../codegen/wasm/math-library.ts';
import { ModuleAssembler } from '../../../codegen/wasm/module-assembler.ts';

export interface VectorModule {
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** Evaluates the expression on operand arrays of one length (a multiple of 4). */
  apply(operands: readonly Float32Array[]): Float32Array;
}

export function vectorModule(expr: ScalarExpr, operandCount: number, capacity = 4096): VectorModule {
  const module = new ModuleAssembler((operandCount + 1) * capacity * 4);
  const library = new MathLibrary(module);
  const apply = module.declare('apply', [{ name: 'count', type: 'i32' }], [], true);
  module.define(apply, (asm) => {
    const count = asm.param('count');
    const at = asm.local('i32', 'at');
    const emit = prepareVectorExpr(asm, expr);
    asm.i32Const(0).set(at).block('done').loop('each');
    asm.get(at).get(count).i32('i32.ge_u').brIf(1);
    asm.get(at).i32Const(2).i32('i32.shl').i32Const(operandCount * capacity * 4).i32('i32.add');
    emit({
      library,
      operand: (index) => { asm.get(at).i32Const(2).i32('i32.shl').v128Load(index * capacity * 4); },
    });
    asm.v128Store(0);
    asm.get(at).i32Const(4).i32('i32.add').set(at).br(0).end().end();
  });
  const bytes = module.bytes();
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const run = instance.exports.apply as (count: number) => void;
  return {
    bytes,
    apply(operands) {
      const length = operands[0]?.length ?? 0;
      if (length % 4 !== 0 || length > capacity) throw new Error('operand length must be a multiple of 4 within capacity');
      const f32 = new Float32Array(memory.buffer);
      operands.forEach((data, index) => f32.set(data, index * capacity));
      run(length);
      return f32.slice(operandCount * capacity, operandCount * capacity + length);
    },
  };
}
