// f32x4 approximations of the functions WebAssembly has no instruction for (exp, log, tanh,
// erf), emitted as helper functions `(v128) -> v128` that kernels call. Each states its
// error bound; test/codegen/wasm/math-library.test.ts checks the bounds over a sweep and on
// the edge values ±0, ±Inf, NaN, large |x| and subnormals.
//
//  exp:  Cephes expf. n = nearest(x·log2 e), r = x − n·ln 2 (two-part constant, exact
//        products), e^r = 1 + r + r²·P(r) with P of degree 5 on |r| ≤ ln2/2, times 2^n as two
//        power-of-two factors so subnormal results and overflow to +Inf round correctly.
//        Relative error ≤ 2 ulp (≈ 2.4e-7) for normal results; x < −104 gives +0.
//  log:  Cephes logf. x = m·2^e with m in [√½, √2), log(m) = f − f²/2 + f³·P(f) with
//        f = m − 1 and P of degree 8, subnormals rescaled first. Absolute error ≤ 2e-7
//        near 1, relative ≤ 2 ulp elsewhere; log(0) = −Inf, log(x < 0) = NaN, log(+Inf) = +Inf.
//  tanh: Cephes tanhf. |x| < 0.625: x + x³·P(x²) (relative error ≤ 2 ulp, keeps ±0);
//        otherwise 1 − 2/(e^{2|x|} + 1) with x's sign (absolute error ≤ 3e-7, relative
//        ≤ 5e-7 since |tanh| ≥ 0.55 there); ±Inf → ±1.
//  erf:  |x| < 0.5: the odd Taylor series to x¹¹ (relative error ≤ 3e-8 + rounding);
//        otherwise Abramowitz & Stegun 7.1.26, 1 − t·P(t)·e^{−x²} with t = 1/(1 + p|x|),
//        absolute error ≤ 1.5e-7 (+ f32 rounding: ≤ 4e-7 in all), with x's sign.
// NaN propagates through all four (f32x4.min/max propagate NaN; comparisons are false).

import type { FunctionAssembler, Local } from './function-assembler.ts';
import type { FunctionRef, ModuleAssembler } from './module-assembler.ts';

export type MathFn = 'exp' | 'log' | 'tanh' | 'erf';

const SIGN_MASK = 0x80000000 | 0;

/** Declares each helper on first use, so a module carries only the ones its kernels call. */
export class MathLibrary {
  readonly #refs = new Map<MathFn, FunctionRef>();

  constructor(private readonly module: ModuleAssembler) {}

  /** Emits a call of fn on the vector on the stack. */
  call(asm: FunctionAssembler, fn: MathFn): void {
    const ref = this.#ref(fn);
    asm.call(ref.index, ref.name);
  }

  #ref(fn: MathFn): FunctionRef {
    const known = this.#refs.get(fn);
    if (known !== undefined) return known;
    const ref = this.module.declare(`${fn}_f32x4`, [{ name: 'x', type: 'v128' }], ['v128']);
    this.#refs.set(fn, ref);
    this.module.define(ref, (asm) => BODIES[fn](asm, asm.param('x'), this));
    return ref;
  }
}

type Body = (asm: FunctionAssembler, x: Local, library: MathLibrary) => void;

/** Pushes c0 + c1·z + c2·z² + … (Horner; coefficients lowest degree first). */
function polynomial(asm: FunctionAssembler, z: Local, coefficients: readonly number[]): void {
  const highest = coefficients.length - 1;
  asm.f32x4Const(coefficients[highest] ?? 0);
  for (let i = highest - 1; i >= 0; i--) asm.get(z).v128('f32x4.mul').f32x4Const(coefficients[i] ?? 0).v128('f32x4.add');
}

/** Pushes `magnitude` with the sign bit of `signed`. */
function withSignOf(asm: FunctionAssembler, magnitude: Local, signed: Local): void {
  asm.get(signed).get(magnitude).i32x4Const(SIGN_MASK).v128Bitselect();
}

/** Cephes expf's P(r), lowest degree first: e^r ≈ 1 + r + r²·P(r) on |r| ≤ ln2/2. */
const EXP_POLYNOMIAL = [5.0000001201e-1, 1.6666665459e-1, 4.1665795894e-2, 8.3334519073e-3, 1.3981999507e-3, 1.9875691500e-4];

function expBody(asm: FunctionAssembler, x: Local): void {
  const clamped = asm.local('v128', 'xc');
  const n = asm.local('v128', 'n');
  const r = asm.local('v128', 'r');
  const ni = asm.local('v128', 'ni');
  const half = asm.local('v128', 'h');
  asm.get(x).f32x4Const(-104).v128('f32x4.max').f32x4Const(88.8).v128('f32x4.min').set(clamped);
  asm.get(clamped).f32x4Const(Math.LOG2E).v128('f32x4.mul').v128Unary('f32x4.nearest').set(n);
  // r = x - n·0.693359375 - n·(-2.12194440e-4): the first constant has 9 significant bits,
  // so n·C1 is exact for |n| ≤ 2^15.
  asm.get(clamped).get(n).f32x4Const(0.693359375).v128('f32x4.mul').v128('f32x4.sub');
  asm.get(n).f32x4Const(-2.12194440e-4).v128('f32x4.mul').v128('f32x4.sub').set(r);
  // e^r ≈ 1 + r + r²·P(r)
  polynomial(asm, r, EXP_POLYNOMIAL);
  asm.get(r).get(r).v128('f32x4.mul').v128('f32x4.mul').get(r).v128('f32x4.add').f32x4Const(1).v128('f32x4.add');
  // 2^n as 2^(n>>1) · 2^(n - (n>>1)): both halves lie in [-75, 64], always normal.
  asm.get(n).v128Unary('i32x4.trunc_sat_f32x4_s').set(ni);
  asm.get(ni).i32Const(1).i32x4ShrS().set(half);
  powerOfTwo(asm, half);
  asm.v128('f32x4.mul');
  asm.get(ni).get(half).v128('i32x4.sub').set(half);
  powerOfTwo(asm, half);
  asm.v128('f32x4.mul');
}

/** Pushes 2^k for integer lanes k in [-126, 127]: the biased exponent shifted into place. */
function powerOfTwo(asm: FunctionAssembler, k: Local): void {
  asm.get(k).i32x4Const(127).v128('i32x4.add').i32Const(23).i32x4Shl();
}

function logBody(asm: FunctionAssembler, x: Local): void {
  const tiny = asm.local('v128', 'tiny');
  const scaled = asm.local('v128', 'xs');
  const e = asm.local('v128', 'e');
  const m = asm.local('v128', 'm');
  const small = asm.local('v128', 'lo');
  const z = asm.local('v128', 'z');
  const y = asm.local('v128', 'y');
  // Subnormals: multiply by 2^23 and take 23 off the exponent.
  asm.get(x).f32x4Const(1.1754943508222875e-38).v128('f32x4.lt').set(tiny);
  asm.get(x).f32x4Const(8388608).v128('f32x4.mul').get(x).get(tiny).v128Bitselect().set(scaled);
  asm.get(scaled).i32Const(23).i32x4ShrU().i32x4Const(0xff).v128('v128.and').i32x4Const(126).v128('i32x4.sub');
  asm.get(tiny).i32x4Const(23).v128('v128.and').v128('i32x4.sub').set(e);
  asm.get(scaled).i32x4Const(0x807fffff | 0).v128('v128.and').i32x4Const(0x3f000000).v128('v128.or').set(m);
  // m in [0.5, 1): below √½ use 2m - 1 and e - 1, else m - 1.
  asm.get(m).f32x4Const(0.707106781186547524).v128('f32x4.lt').set(small);
  asm.get(e).v128Unary('f32x4.convert_i32x4_s').get(small).f32x4Const(1).v128('v128.and').v128('f32x4.sub').set(e);
  asm.get(m).get(m).get(small).v128('v128.and').v128('f32x4.add').f32x4Const(1).v128('f32x4.sub').set(m);
  asm.get(m).get(m).v128('f32x4.mul').set(z);
  polynomial(asm, m, [3.3333331174e-1, -2.4999993993e-1, 2.0000714765e-1, -1.6668057665e-1, 1.4249322787e-1,
    -1.2420140846e-1, 1.1676998740e-1, -1.1514610310e-1, 7.0376836292e-2]);
  asm.get(m).v128('f32x4.mul').get(z).v128('f32x4.mul');
  asm.get(e).f32x4Const(-2.12194440e-4).v128('f32x4.mul').v128('f32x4.add');
  asm.get(z).f32x4Const(-0.5).v128('f32x4.mul').v128('f32x4.add');
  asm.get(m).v128('f32x4.add').get(e).f32x4Const(0.693359375).v128('f32x4.mul').v128('f32x4.add').set(y);
  // Special values: +Inf and NaN pass through, 0 gives -Inf, negatives NaN.
  asm.get(x).get(y).get(x).f32x4Const(Infinity).v128('f32x4.eq').get(x).get(x).v128('f32x4.ne').v128('v128.or').v128Bitselect().set(y);
  asm.f32x4Const(-Infinity).get(y).get(x).f32x4Const(0).v128('f32x4.eq').v128Bitselect().set(y);
  asm.f32x4Const(NaN).get(y).get(x).f32x4Const(0).v128('f32x4.lt').v128Bitselect();
}

function tanhBody(asm: FunctionAssembler, x: Local, library: MathLibrary): void {
  const ax = asm.local('v128', 'ax');
  const z = asm.local('v128', 'z');
  const near = asm.local('v128', 'near');
  const far = asm.local('v128', 'far');
  asm.get(x).v128Unary('f32x4.abs').set(ax);
  asm.get(x).get(x).v128('f32x4.mul').set(z);
  polynomial(asm, z, [-3.33332819422e-1, 1.33314422036e-1, -5.37397155531e-2, 2.06390887954e-2, -5.70498872745e-3]);
  asm.get(z).v128('f32x4.mul').get(x).v128('f32x4.mul').get(x).v128('f32x4.add').set(near);
  withSignOf(asm, near, x); // -0 + +0 would lose tanh(-0) = -0
  asm.set(near);
  asm.f32x4Const(1).f32x4Const(2).get(ax).get(ax).v128('f32x4.add');
  library.call(asm, 'exp');
  asm.f32x4Const(1).v128('f32x4.add').v128('f32x4.div').v128('f32x4.sub').set(far);
  withSignOf(asm, far, x);
  asm.set(far);
  asm.get(near).get(far).get(ax).f32x4Const(0.625).v128('f32x4.lt').v128Bitselect();
}

function erfBody(asm: FunctionAssembler, x: Local, library: MathLibrary): void {
  const ax = asm.local('v128', 'ax');
  const z = asm.local('v128', 'z');
  const t = asm.local('v128', 't');
  const near = asm.local('v128', 'near');
  const far = asm.local('v128', 'far');
  asm.get(x).v128Unary('f32x4.abs').set(ax);
  asm.get(x).get(x).v128('f32x4.mul').set(z);
  const c = 2 / Math.sqrt(Math.PI);
  polynomial(asm, z, [c, -c / 3, c / 10, -c / 42, c / 216, -c / 1320]);
  asm.get(x).v128('f32x4.mul').set(near);
  asm.f32x4Const(1).f32x4Const(1).get(ax).f32x4Const(0.3275911).v128('f32x4.mul').v128('f32x4.add').v128('f32x4.div').set(t);
  polynomial(asm, t, [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429]);
  asm.get(t).v128('f32x4.mul');
  asm.get(z).f32x4Const(-1).v128('f32x4.mul');
  library.call(asm, 'exp');
  asm.v128('f32x4.mul').set(far);
  asm.f32x4Const(1).get(far).v128('f32x4.sub').set(far);
  withSignOf(asm, far, x);
  asm.set(far);
  asm.get(near).get(far).get(ax).f32x4Const(0.5).v128('f32x4.lt').v128Bitselect();
}

/**
 * e^x on f32x4 lanes x ≤ 0 (or −Inf, NaN), inlined into a kernel's loop (softmax weights
 * e^(s − max)): no call, whose caller-saved vector registers a loop pays for, and constants in
 * locals set once at the function's start (V8 builds each v128.const in several instructions).
 * The same n, r and polynomial as the library's exp, so the same value wherever
 * x·log2 e ≥ −126.5 (x ≥ −87.68); below, +0 where the library gives a subnormal (absolute
 * error < 2^−126). n = nearest(x·log2 e) is read from the low mantissa bits of
 * x·log2 e + 1.5·2^23 (exact for |x·log2 e| < 2^22): no nearest or trunc_sat (eight x64
 * instructions), and 2^n is (bits + 127) << 23, whose shift drops the constant's own bits.
 */
export class NonPositiveExp {
  readonly #asm: FunctionAssembler;
  readonly #consts: readonly Local[];
  readonly #t: Local;
  readonly #n: Local;
  readonly #r: Local;
  readonly #bias: Local;

  /** Declares the locals and sets the constants (call before any loop). */
  constructor(asm: FunctionAssembler) {
    this.#asm = asm;
    const values = [-88, Math.LOG2E, 12582912, 0.693359375, -2.12194440e-4, 1, ...EXP_POLYNOMIAL];
    this.#consts = values.map((value, i) => {
      const local = asm.local('v128', `exp_c${i}`);
      asm.f32x4Const(value).set(local);
      return local;
    });
    this.#bias = asm.local('v128', 'exp_bias');
    asm.i32x4Const(127).set(this.#bias);
    this.#t = asm.local('v128', 'exp_t');
    this.#n = asm.local('v128', 'exp_n');
    this.#r = asm.local('v128', 'exp_r');
  }

  /** Pushes e^x for the vector in `x`. */
  push(x: Local): void {
    const asm = this.#asm;
    const [low, log2e, magic, c1, c2, one, ...p] = this.#consts as [Local, Local, Local, Local, Local, Local, ...Local[]];
    const [t, n, r] = [this.#t, this.#n, this.#r];
    // pmax(x, −88) keeps NaN (x < −88 is false) and turns −Inf into −88 (n = −127: 2^n = +0).
    asm.get(x).get(low).v128('f32x4.pmax').tee(r).get(log2e).v128('f32x4.mul').get(magic).v128('f32x4.add').tee(t);
    asm.get(magic).v128('f32x4.sub').set(n);
    asm.get(r).get(n).get(c1).v128('f32x4.mul').v128('f32x4.sub').get(n).get(c2).v128('f32x4.mul').v128('f32x4.sub').set(r);
    asm.get(p[p.length - 1] as Local);
    for (let i = p.length - 2; i >= 0; i--) asm.get(r).v128('f32x4.mul').get(p[i] as Local).v128('f32x4.add');
    asm.get(r).get(r).v128('f32x4.mul').v128('f32x4.mul').get(r).v128('f32x4.add').get(one).v128('f32x4.add');
    asm.get(t).get(this.#bias).v128('i32x4.add').i32Const(23).i32x4Shl().v128('f32x4.mul');
  }
}

const BODIES: Readonly<Record<MathFn, Body>> = { exp: expBody, log: logBody, tanh: tanhBody, erf: erfBody };
