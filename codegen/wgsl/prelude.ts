// WGSL helper functions that the scalar syntax table (codegen/expr-render.ts) calls, and
// where they differ from the interpreter's JavaScript math. Each shader carries only the
// helpers its code names.
//
// Where WGSL differs from the interpreter (which evaluates bodies in f32 arithmetic, one
// rounding per primitive, with f64 Math functions rounded once):
//  - Arithmetic is f32 at every step too: + - * / agree exactly (subnormals may flush).
//  - exp/log/sqrt are the builtins: WebGPU allows exp 3 + 2|x| ulp (≈180 ulp near the
//    overflow point, 1e-5 relative), log 3 ulp (absolute 2^-21 near 1), sqrt 2.5 ulp;
//    fg_sqrt makes sqrt of a negative number NaN, as in the IR (the builtin's is undefined).
//  - tanh: the builtin is only as accurate as sinh/cosh (absolute error near 0) and is NaN
//    for large |x| on SwiftShader, so fg_tanh is our own: an odd Taylor polynomial for
//    |x| < 0.25 (truncation < 1e-8 relative), 1 - 2/(exp(2|x|) + 1) above, |x| clamped at
//    15 where tanh already rounds to ±1 in f32: no NaN or Inf for any finite x.
//  - erf has no builtin: fg_erf uses the Taylor series below 0.5 and Abramowitz–Stegun 7.1.26
//    above (absolute error < 1.5e-7), |x| clamped at 6 where erf rounds to ±1.
//  - NaN and infinities: WGSL lets implementations assume they never occur (exp(NaN) is
//    +Inf on SwiftShader, max/min with NaN are unspecified), so NaN inputs are outside the
//    WGSL contract; finite inputs that overflow give ±Inf like f32 arithmetic does.
//  - Subnormal results may be flushed to zero (covered by the absolute tolerance floor).

const HELPERS: readonly { readonly name: string; readonly source: string }[] = [
  {
    name: 'fg_inf',
    // A var defeats constant evaluation, where producing an infinity is an error.
    source: 'fn fg_inf() -> f32 {\n  var bits = 0x7f800000u;\n  return bitcast<f32>(bits);\n}',
  },
  {
    name: 'fg_nan',
    source: 'fn fg_nan() -> f32 {\n  var bits = 0x7fc00000u;\n  return bitcast<f32>(bits);\n}',
  },
  {
    // The builtin's result for x < 0 is undefined (0 on SwiftShader); the IR says NaN. The
    // sign is read from the bits: a negative subnormal may compare as 0 where it is flushed.
    name: 'fg_sqrt',
    source: 'fn fg_sqrt(x: f32) -> f32 {\n  return select(sqrt(x), fg_nan(), bitcast<u32>(x) > 0x80000000u);\n}',
  },
  {
    name: 'fg_tanh',
    source: [
      'fn fg_tanh(x: f32) -> f32 {',
      '  let a = min(abs(x), 15.0);',
      '  let a2 = a * a;',
      '  let small = a * (1.0 + a2 * (-0.33333333333 + a2 * (0.13333333333 + a2 * (-0.05396825397 + a2 * 0.02186948854))));',
      '  let large = 1.0 - 2.0 / (exp(2.0 * a) + 1.0);',
      '  let t = select(large, small, a < 0.25);',
      '  return select(t, -t, x < 0.0);',
      '}',
    ].join('\n'),
  },
  {
    name: 'fg_erf',
    source: [
      'fn fg_erf(x: f32) -> f32 {',
      '  let a = min(abs(x), 6.0);',
      '  let a2 = a * a;',
      '  let series = 1.1283791671 * a * (1.0 + a2 * (-0.33333333333 + a2 * (0.1 + a2 * (-0.02380952381 + a2 * (0.00462962963 - a2 * 0.00075757576)))));',
      '  let t = 1.0 / (1.0 + 0.3275911 * a);',
      '  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));',
      '  let tail = 1.0 - poly * exp(-a2);',
      '  let e = select(tail, series, a < 0.5);',
      '  return select(e, -e, x < 0.0);',
      '}',
    ].join('\n'),
  },
];

/** The helper definitions that `code` calls (and those they call), in a fixed order. */
export function preludeFor(code: string): string[] {
  let text = code;
  let chosen: typeof HELPERS = [];
  for (;;) {
    const next = HELPERS.filter((helper) => text.includes(`${helper.name}(`));
    if (next.length === chosen.length) return chosen.map((helper) => helper.source);
    chosen = next;
    text = [code, ...chosen.map((helper) => helper.source)].join('\n');
  }
}
