// The WASM "syntax" of the shared scalar-expression language (ir/scalar.ts): where the JS
// and WGSL renderers of codegen/expr-render.ts print text, this one emits SIMD stack code
// for the same expressions. It follows the shared renderer's rules: one table entry per
// function (TypeScript checks none is missing), compound subexpressions that occur more than
// once computed once (into a v128 local), both arms of a select evaluated (expressions have
// no side effects), then v128.bitselect on the comparison's lane mask.
//
// The lane format: four f32 lanes. The scalar language is f32 arithmetic with one rounding
// per primitive (ir/scalar.ts), which f32x4 add/sub/mul/div/sqrt compute exactly; max/min
// propagate NaN like Math.max/min; exp, log, tanh and erf are the f32x4 approximations of
// math-library.ts, within their stated bounds.

import { countSubexpressions, formatExpr, type BinaryFn, type ScalarExpr, type UnaryFn } from '../../ir/scalar.ts';
import type { FunctionAssembler, Local } from './function-assembler.ts';
import type { MathLibrary } from './math-library.ts';

type Emit = (asm: FunctionAssembler, library: MathLibrary) => void;

/** How one lane format spells constants and functions. */
export interface LaneFormat {
  /** Lanes per vector. */
  readonly lanes: 2 | 4;
  constant(asm: FunctionAssembler, value: number): void;
  readonly unary: { readonly [F in UnaryFn]: Emit };
  readonly binary: { readonly [F in BinaryFn]: Emit };
}

export const F32X4: LaneFormat = {
  lanes: 4,
  constant: (asm, value) => { asm.f32x4Const(value); },
  unary: {
    neg: (asm) => asm.v128Unary('f32x4.neg'),
    abs: (asm) => asm.v128Unary('f32x4.abs'),
    sqrt: (asm) => asm.v128Unary('f32x4.sqrt'),
    exp: (asm, library) => library.call(asm, 'exp'),
    log: (asm, library) => library.call(asm, 'log'),
    tanh: (asm, library) => library.call(asm, 'tanh'),
    erf: (asm, library) => library.call(asm, 'erf'),
    trunc: (asm) => asm.v128Unary('f32x4.trunc'),
  },
  binary: {
    add: (asm) => asm.v128('f32x4.add'),
    sub: (asm) => asm.v128('f32x4.sub'),
    mul: (asm) => asm.v128('f32x4.mul'),
    div: (asm) => asm.v128('f32x4.div'),
    max: (asm) => asm.v128('f32x4.max'),
    min: (asm) => asm.v128('f32x4.min'),
    lt: (asm) => asm.v128('f32x4.lt'),
    le: (asm) => asm.v128('f32x4.le'),
    gt: (asm) => asm.v128('f32x4.gt'),
    ge: (asm) => asm.v128('f32x4.ge'),
    eq: (asm) => asm.v128('f32x4.eq'),
  },
};

export interface VectorExprOptions {
  /** Pushes operand $index as a vector (a local, a load, a splat…). */
  operand(index: number): void;
  readonly library: MathLibrary;
}

/**
 * Prepares `expr` for emission in `asm`: allocates the locals of its repeated subexpressions
 * once, and returns an emitter that pushes the expression's value (call it once per use
 * site, e.g. once per accumulator of a micro-kernel's epilogue).
 */
export function prepareVectorExpr(asm: FunctionAssembler, expr: ScalarExpr, format: LaneFormat = F32X4): (options: VectorExprOptions) => void {
  const counts = countSubexpressions(expr);
  const locals = new Map<string, Local>();
  for (const [key, uses] of counts) if (uses > 1) locals.set(key, asm.local('v128', 't'));

  return (options) => {
    const done = new Set<string>();
    const emit = (e: ScalarExpr): void => {
      if (e.kind === 'operand') { options.operand(e.index); return; }
      if (e.kind === 'const') { format.constant(asm, e.value); return; }
      const key = formatExpr(e);
      const local = locals.get(key);
      if (local !== undefined && done.has(key)) { asm.get(local); return; }
      if (e.kind === 'unary') {
        emit(e.arg);
        format.unary[e.fn](asm, options.library);
      } else if (e.kind === 'binary') {
        emit(e.lhs);
        emit(e.rhs);
        format.binary[e.fn](asm, options.library);
      } else {
        emit(e.ifTrue);
        emit(e.ifFalse);
        emit(e.cond);
        asm.v128Bitselect();
      }
      if (local !== undefined) {
        asm.tee(local);
        done.add(key);
      }
    };
    emit(expr);
  };
}
