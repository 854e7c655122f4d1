// The one scalar-expression renderer. A target supplies a syntax table (how to write a
// number, a function call, a select, a local declaration); everything else, including
// common-subexpression hoisting, is shared. JS is defined here; WGSL and WASM override it.

import { countSubexpressions, erf, exprChildren, formatExpr, type BinaryFn, type ScalarExpr, type UnaryFn } from '../ir/scalar.ts';

export interface ExprSyntax {
  number(value: number): string;
  unary: { readonly [F in UnaryFn]: (arg: string) => string };
  binary: { readonly [F in BinaryFn]: (lhs: string, rhs: string) => string };
  select(cond: string, ifTrue: string, ifFalse: string): string;
  /** A statement binding a local: `const t0 = …;` in JS, `let t0 = …;` in WGSL. */
  declare(name: string, value: string): string;
}

/** f64 literals that read back exactly (String(x) round-trips); negatives parenthesized. */
function jsNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '(-Infinity)';
  if (Object.is(value, -0)) return '(-0)';
  const text = String(value);
  return value < 0 ? `(${text})` : text;
}

/**
 * JavaScript computes in f64; the scalar language is f32 arithmetic with one rounding per
 * primitive (ir/scalar.ts), so every arithmetic result and constant goes through Math.fround
 * (V8 then uses f32 instructions). JS bundles thus compute elementwise bodies bit for bit
 * like the interpreter.
 */
const f32 = (text: string): string => `Math.fround(${text})`;

export const JS_SYNTAX: ExprSyntax = {
  number: (value) => jsNumber(Math.fround(value)),
  unary: {
    neg: (a) => `(-${a})`,
    abs: (a) => `Math.abs(${a})`,
    exp: (a) => f32(`Math.exp(${a})`),
    log: (a) => f32(`Math.log(${a})`),
    sqrt: (a) => f32(`Math.sqrt(${a})`),
    tanh: (a) => f32(`Math.tanh(${a})`),
    erf: (a) => f32(`erf(${a})`),
    trunc: (a) => `Math.trunc(${a})`,
  },
  binary: {
    add: (a, b) => f32(`${a} + ${b}`),
    sub: (a, b) => f32(`${a} - ${b}`),
    mul: (a, b) => f32(`${a} * ${b}`),
    div: (a, b) => f32(`${a} / ${b}`),
    max: (a, b) => `Math.max(${a}, ${b})`,
    min: (a, b) => `Math.min(${a}, ${b})`,
    lt: (a, b) => `(${a} < ${b})`,
    le: (a, b) => `(${a} <= ${b})`,
    gt: (a, b) => `(${a} > ${b})`,
    ge: (a, b) => `(${a} >= ${b})`,
    eq: (a, b) => `(${a} === ${b})`,
  },
  select: (c, a, b) => `(${c} ? ${a} : ${b})`,
  declare: (name, value) => `const ${name} = ${value};`,
};

/** JavaScript has no Math.erf: bundles that use erf carry the interpreter's own version. */
export const JS_ERF_SOURCE = `const erf = ${erf.toString()};`;

export function usesFn(expr: ScalarExpr, fn: UnaryFn | BinaryFn): boolean {
  const own = (expr.kind === 'unary' || expr.kind === 'binary') && expr.fn === fn;
  return own || exprChildren(expr).some((child) => usesFn(child, fn));
}

export interface RenderedExpr {
  /** Declarations of hoisted subexpressions, in dependency order. */
  readonly statements: string[];
  /** The expression's value, in terms of the operands and the hoisted locals. */
  readonly value: string;
}

export interface RenderOptions {
  /** How operand $i is read (a local name, an indexed load…). */
  operand(index: number): string;
  /** Prefix of hoisted locals; must not clash with other names in scope. */
  readonly localPrefix: string;
}

/**
 * Renders an expression; compound subexpressions that occur more than once (fusion substitutes
 * a producer's body for every use of its value) are computed once into locals. Hoisting
 * evaluates both arms of a select, which is safe: scalar expressions have no side effects.
 */
export function renderExpr(expr: ScalarExpr, syntax: ExprSyntax, options: RenderOptions): RenderedExpr {
  const counts = countSubexpressions(expr);
  const statements: string[] = [];
  const hoisted = new Map<string, string>();
  const render = (e: ScalarExpr): string => {
    switch (e.kind) {
      case 'operand': return options.operand(e.index);
      case 'const': return syntax.number(e.value);
      default: break;
    }
    const key = formatExpr(e);
    const known = hoisted.get(key);
    if (known !== undefined) return known;
    let text: string;
    if (e.kind === 'unary') text = syntax.unary[e.fn](render(e.arg));
    else if (e.kind === 'binary') text = syntax.binary[e.fn](render(e.lhs), render(e.rhs));
    else text = syntax.select(render(e.cond), render(e.ifTrue), render(e.ifFalse));
    if ((counts.get(key) ?? 0) < 2 || e === expr) return text;
    const name = `${options.localPrefix}${hoisted.size}`;
    statements.push(syntax.declare(name, text));
    hoisted.set(key, name);
    return name;
  };
  const value = render(expr);
  return { statements, value };
}

/**
 * WGSL literals are f32: the value is rounded to f32 first (what the tensor would hold) and
 * written with the `f` suffix. WGSL has no literal for infinities or NaN, and a constant
 * expression that overflows is a shader-creation error, so those come from prelude helpers
 * (codegen/wgsl/prelude.ts) that build them at run time.
 */
function wgslNumber(value: number): string {
  const f = Math.fround(value);
  if (Number.isNaN(f)) return 'fg_nan()';
  if (f === Infinity) return 'fg_inf()';
  if (f === -Infinity) return '(-fg_inf())';
  if (Object.is(f, -0)) return '(-0f)';
  const text = `${String(Math.abs(f))}f`;
  return f < 0 ? `(-${text})` : text;
}

/**
 * WGSL overrides: `select(ifFalse, ifTrue, cond)` takes its condition last; tanh and erf go
 * through guarded prelude functions (the builtin tanh is NaN for large |x| on SwiftShader, and
 * WGSL has no erf). exp is the builtin: it saturates to +Inf / 0 as the f32 result should.
 */
export const WGSL_SYNTAX: ExprSyntax = {
  number: wgslNumber,
  unary: {
    neg: (a) => `(-${a})`,
    abs: (a) => `abs(${a})`,
    exp: (a) => `exp(${a})`,
    log: (a) => `log(${a})`,
    sqrt: (a) => `fg_sqrt(${a})`,
    tanh: (a) => `fg_tanh(${a})`,
    erf: (a) => `fg_erf(${a})`,
    trunc: (a) => `trunc(${a})`,
  },
  binary: {
    add: (a, b) => `(${a} + ${b})`,
    sub: (a, b) => `(${a} - ${b})`,
    mul: (a, b) => `(${a} * ${b})`,
    div: (a, b) => `(${a} / ${b})`,
    max: (a, b) => `max(${a}, ${b})`,
    min: (a, b) => `min(${a}, ${b})`,
    lt: (a, b) => `(${a} < ${b})`,
    le: (a, b) => `(${a} <= ${b})`,
    gt: (a, b) => `(${a} > ${b})`,
    ge: (a, b) => `(${a} >= ${b})`,
    eq: (a, b) => `(${a} == ${b})`,
  },
  select: (c, a, b) => `select(${b}, ${a}, ${c})`,
  declare: (name, value) => `let ${name} = ${value};`,
};
