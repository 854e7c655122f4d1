// A typed assembler for one WebAssembly function body: one method per instruction family
// (control, locals, i32, memory, f32x4 arithmetic, lanes, relaxed SIMD). Each instruction
// appends its bytes and a line of text, so the listing (`--emit-wat`) shows exactly what
// the bytes encode.

import { encodeF32, encodeI32, encodeU32 } from './leb128.ts';

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

export const VAL_TYPE_CODE: Readonly<Record<ValType, number>> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** A local (or parameter) of the function being assembled. */
export interface Local {
  readonly index: number;
  readonly type: ValType;
  readonly name: string;
}

const SIMD_PREFIX = 0xfd;
const ATOMIC_PREFIX = 0xfe;

/** Binary f32x4/v128 operations that pop two vectors and push one. */
const V128_BINARY = {
  'f32x4.add': 0xe4, 'f32x4.sub': 0xe5, 'f32x4.mul': 0xe6, 'f32x4.div': 0xe7,
  'f32x4.min': 0xe8, 'f32x4.max': 0xe9,
  // pmin(a, b) = b < a ? b : a, pmax(a, b) = a < b ? b : a: one x64 instruction (min/max need NaN and ±0 fixups).
  'f32x4.pmin': 0xea, 'f32x4.pmax': 0xeb,
  'f32x4.eq': 0x41, 'f32x4.ne': 0x42, 'f32x4.lt': 0x43, 'f32x4.gt': 0x44, 'f32x4.le': 0x45, 'f32x4.ge': 0x46,
  'v128.and': 0x4e, 'v128.andnot': 0x4f, 'v128.or': 0x50, 'v128.xor': 0x51,
  'i32x4.add': 0xae, 'i32x4.sub': 0xb1,
  'f64x2.add': 0xf0, 'f64x2.sub': 0xf1, 'f64x2.mul': 0xf2, 'f64x2.div': 0xf3, 'f64x2.min': 0xf4, 'f64x2.max': 0xf5,
  'f64x2.eq': 0x47, 'f64x2.ne': 0x48, 'f64x2.lt': 0x49, 'f64x2.gt': 0x4a, 'f64x2.le': 0x4b, 'f64x2.ge': 0x4c,
} as const;
export type V128Binary = keyof typeof V128_BINARY;

/** Unary vector operations (one vector in, one out). */
const V128_UNARY = {
  'f32x4.abs': 0xe0, 'f32x4.neg': 0xe1, 'f32x4.sqrt': 0xe3,
  'f32x4.ceil': 0x67, 'f32x4.floor': 0x68, 'f32x4.trunc': 0x69, 'f32x4.nearest': 0x6a,
  'v128.not': 0x4d,
  'i32x4.trunc_sat_f32x4_s': 0xf8, 'f32x4.convert_i32x4_s': 0xfa,
  'f64x2.abs': 0xec, 'f64x2.neg': 0xed, 'f64x2.sqrt': 0xef,
  /** Two f64 lanes to f32 lanes 0 and 1 (lanes 2 and 3 zero); and lanes 0 and 1 back to f64. */
  'f32x4.demote_f64x2_zero': 0x5e, 'f64x2.promote_low_f32x4': 0x5f,
} as const;
export type V128Unary = keyof typeof V128_UNARY;

const I32_BINARY = {
  'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c, 'i32.div_u': 0x6e, 'i32.rem_u': 0x70, 'i32.and': 0x71, 'i32.or': 0x72, 'i32.shl': 0x74, 'i32.shr_u': 0x76,
  'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_s': 0x48, 'i32.lt_u': 0x49, 'i32.gt_u': 0x4b, 'i32.le_u': 0x4d,
  'i32.ge_s': 0x4e, 'i32.ge_u': 0x4f,
} as const;
export type I32Binary = keyof typeof I32_BINARY;

/** The few i64 operations the threads' claim words need (a run's generation in the high half). */
const I64_OPS = { 'i64.eq': 0x51, 'i64.add': 0x7c, 'i64.shr_u': 0x88, 'i32.wrap_i64': 0xa7, 'i64.extend_i32_u': 0xad } as const;
export type I64Op = keyof typeof I64_OPS;

/** Scalar float operations (reductions, f64 accumulation, interpolation) and their conversions. */
const FLOAT_OPS = {
  'f32.min': 0x96, 'f32.max': 0x97, 'f32.add': 0x92, 'f32.sub': 0x93, 'f32.mul': 0x94, 'f32.div': 0x95,
  'f32.eq': 0x5b, 'f32.ne': 0x5c,
  'f64.add': 0xa0, 'f64.sub': 0xa1, 'f64.mul': 0xa2, 'f64.div': 0xa3, 'f64.sqrt': 0x9f, 'f64.ne': 0x62,
  'f64.promote_f32': 0xbb, 'f32.demote_f64': 0xb6, 'f64.convert_i32_s': 0xb7,
  // The lookup kernel's id checks: comparisons push an i32, trunc rounds toward zero.
  'f32.lt': 0x5d, 'f32.ge': 0x60, 'f32.trunc': 0x8f, 'i32.trunc_f32_s': 0xa8,
} as const;
export type FloatOp = keyof typeof FLOAT_OPS;

export class FunctionAssembler {
  readonly #bytes: number[] = [];
  readonly #lines: string[] = [];
  readonly #locals: Local[] = [];
  #depth = 0;

  constructor(readonly params: readonly { name: string; type: ValType }[]) {
    params.forEach((p, index) => this.#locals.push({ index, type: p.type, name: p.name }));
  }

  /** The parameter called `name`. */
  param(name: string): Local {
    const local = this.#locals.find((l) => l.name === name && l.index < this.params.length);
    if (local === undefined) throw new Error(`internal: no parameter ${name}`);
    return local;
  }

  /** Declares a fresh local. */
  local(type: ValType, name: string): Local {
    const local: Local = { index: this.#locals.length, type, name: `${name}${this.#locals.length}` };
    this.#locals.push(local);
    return local;
  }

  /** Declared locals beyond the parameters (for the code section and the listing). */
  declaredLocals(): readonly Local[] {
    return this.#locals.slice(this.params.length);
  }

  #emit(text: string, bytes: readonly number[]): this {
    this.#bytes.push(...bytes);
    this.#lines.push(`${'  '.repeat(this.#depth)}${text}`);
    return this;
  }

  // ── Control ────────────────────────────────────────────────────────────────
  block(label: string): this { this.#emit(`block $${label}`, [0x02, 0x40]); this.#depth++; return this; }
  loop(label: string): this { this.#emit(`loop $${label}`, [0x03, 0x40]); this.#depth++; return this; }
  if(): this { this.#emit('if', [0x04, 0x40]); this.#depth++; return this; }
  else(): this { this.#depth--; this.#emit('else', [0x05]); this.#depth++; return this; }
  end(): this { this.#depth--; return this.#emit('end', [0x0b]); }
  /** Branch to the enclosing label `depth` levels out (0 = innermost). */
  br(depth: number): this { return this.#emit(`br ${depth}`, [0x0c, ...encodeU32(depth)]); }
  brIf(depth: number): this { return this.#emit(`br_if ${depth}`, [0x0d, ...encodeU32(depth)]); }
  call(index: number, name: string): this { return this.#emit(`call $${name}`, [0x10, ...encodeU32(index)]); }
  return(): this { return this.#emit('return', [0x0f]); }
  /** Traps: the JS wrapper catches it and reads why from memory (the lookup kernel's error record). */
  unreachable(): this { return this.#emit('unreachable', [0x00]); }
  drop(): this { return this.#emit('drop', [0x1a]); }

  // ── Locals ─────────────────────────────────────────────────────────────────
  get(local: Local): this { return this.#emit(`local.get $${local.name}`, [0x20, ...encodeU32(local.index)]); }
  set(local: Local): this { return this.#emit(`local.set $${local.name}`, [0x21, ...encodeU32(local.index)]); }
  tee(local: Local): this { return this.#emit(`local.tee $${local.name}`, [0x22, ...encodeU32(local.index)]); }

  // ── i32 and f32 scalars ────────────────────────────────────────────────────
  i32Const(value: number): this { return this.#emit(`i32.const ${value}`, [0x41, ...encodeI32(value)]); }
  i32(op: I32Binary): this { return this.#emit(op, [I32_BINARY[op]]); }
  i32Eqz(): this { return this.#emit('i32.eqz', [0x45]); }
  i64(op: I64Op): this { return this.#emit(op, [I64_OPS[op]]); }
  /** Scalar float arithmetic and conversions. */
  f32(op: FloatOp): this { return this.#emit(op, [FLOAT_OPS[op]]); }
  f32Const(value: number): this { return this.#emit(`f32.const ${formatF32(value)}`, [0x43, ...encodeF32(value)]); }
  f64Const(value: number): this {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    return this.#emit(`f64.const ${formatF64(value)}`, [0x44, ...bytes]);
  }
  /** select(a, b, cond): a when the i32 cond is non-zero, else b. */
  select(): this { return this.#emit('select', [0x1b]); }

  // ── Memory (offsets are byte immediates; alignment hints are natural) ─────
  f32Load(offset = 0): this { return this.#emit(memText('f32.load', offset), [0x2a, 2, ...encodeU32(offset)]); }
  f32Store(offset = 0): this { return this.#emit(memText('f32.store', offset), [0x38, 2, ...encodeU32(offset)]); }
  i32Load(offset = 0): this { return this.#emit(memText('i32.load', offset), [0x28, 2, ...encodeU32(offset)]); }
  i32Store(offset = 0): this { return this.#emit(memText('i32.store', offset), [0x36, 2, ...encodeU32(offset)]); }
  f64Load(offset = 0): this { return this.#emit(memText('f64.load', offset), [0x2b, 3, ...encodeU32(offset)]); }
  v128Load(offset = 0): this { return this.#simd(memText('v128.load', offset), 0x00, [4, ...encodeU32(offset)]); }
  v128Store(offset = 0): this { return this.#simd(memText('v128.store', offset), 0x0b, [4, ...encodeU32(offset)]); }
  /** Loads one f32 and broadcasts it to all four lanes. */
  v128Load32Splat(offset = 0): this {
    return this.#simd(memText('v128.load32_splat', offset), 0x09, [2, ...encodeU32(offset)]);
  }
  /** Loads two f32 into lanes 0 and 1 (lanes 2 and 3 zero). */
  v128Load64Zero(offset = 0): this {
    return this.#simd(memText('v128.load64_zero', offset), 0x5d, [3, ...encodeU32(offset)]);
  }
  /** Stores lane `lane` of a vector as one f32. */
  v128Store32Lane(offset: number, lane: number): this {
    return this.#simd(`${memText('v128.store32_lane', offset)} ${lane}`, 0x5a, [2, ...encodeU32(offset), lane]);
  }
  /** Stores lanes 0 and 1 (8 bytes). */
  v128Store64Lane(offset: number, lane: number): this {
    return this.#simd(`${memText('v128.store64_lane', offset)} ${lane}`, 0x5b, [3, ...encodeU32(offset), lane]);
  }

  // ── Vectors ────────────────────────────────────────────────────────────────
  /** A vector with the same f32 in every lane. */
  f32x4Const(value: number): this {
    const lane = encodeF32(value);
    return this.#simd(`v128.const f32x4 ${formatF32(value)} ${formatF32(value)} ${formatF32(value)} ${formatF32(value)}`, 0x0c, [...lane, ...lane, ...lane, ...lane]);
  }
  /** A vector with the same f64 in both lanes. */
  f64x2Const(value: number): this {
    const lane = new Uint8Array(8);
    new DataView(lane.buffer).setFloat64(0, value, true);
    return this.#simd(`v128.const f64x2 ${formatF64(value)} ${formatF64(value)}`, 0x0c, [...lane, ...lane]);
  }
  /** A vector with the same i32 in every lane (bit masks). */
  i32x4Const(value: number): this {
    const lane = [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
    return this.#simd(`v128.const i32x4 ${value} ${value} ${value} ${value}`, 0x0c, [...lane, ...lane, ...lane, ...lane]);
  }
  f32x4Splat(): this { return this.#simd('f32x4.splat', 0x13, []); }
  f64x2Splat(): this { return this.#simd('f64x2.splat', 0x14, []); }
  /** Lanes of two vectors picked by 16 byte indices (0-15 the first, 16-31 the second). */
  i8x16Shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16) throw new Error('internal: a shuffle takes 16 lane indices');
    return this.#simd(`i8x16.shuffle ${lanes.join(' ')}`, 0x0d, lanes);
  }
  f32x4ReplaceLane(lane: number): this { return this.#simd(`f32x4.replace_lane ${lane}`, 0x20, [lane]); }
  f64x2ReplaceLane(lane: number): this { return this.#simd(`f64x2.replace_lane ${lane}`, 0x22, [lane]); }
  f32x4ExtractLane(lane: number): this { return this.#simd(`f32x4.extract_lane ${lane}`, 0x1f, [lane]); }
  v128(op: V128Binary): this { return this.#simd(op, V128_BINARY[op], []); }
  v128Unary(op: V128Unary): this { return this.#simd(op, V128_UNARY[op], []); }
  /** bitselect(a, b, mask): lanes of a where mask bits are set, of b elsewhere. */
  v128Bitselect(): this { return this.#simd('v128.bitselect', 0x52, []); }
  /** Lane-wise shifts of a vector by an i32 count. */
  i32x4Shl(): this { return this.#simd('i32x4.shl', 0xab, []); }
  i32x4ShrS(): this { return this.#simd('i32x4.shr_s', 0xac, []); }
  i32x4ShrU(): this { return this.#simd('i32x4.shr_u', 0xad, []); }

  // ── Atomics (the threads proposal; the barrier between a threaded run's kernels) ─
  i32AtomicLoad(offset = 0): this { return this.#atomic(memText('i32.atomic.load', offset), 0x10, offset); }
  i32AtomicStore(offset = 0): this { return this.#atomic(memText('i32.atomic.store', offset), 0x17, offset); }
  /** Adds to the i32 at the address and pushes its old value. */
  i32AtomicRmwAdd(offset = 0): this { return this.#atomic(memText('i32.atomic.rmw.add', offset), 0x1e, offset); }
  /** address, expected (i32), timeout (i64 ns, −1 = none) → 0 woken, 1 not equal, 2 timed out. */
  memoryAtomicWait32(offset = 0): this { return this.#atomic(memText('memory.atomic.wait32', offset), 0x01, offset); }
  /** address, count → the number of waiters woken. */
  memoryAtomicNotify(offset = 0): this { return this.#atomic(memText('memory.atomic.notify', offset), 0x00, offset); }
  i64Const(value: number): this { return this.#emit(`i64.const ${value}`, [0x42, ...encodeI32(value)]); }
  i64AtomicLoad(offset = 0): this { return this.#atomic(memText('i64.atomic.load', offset), 0x11, offset, 3); }
  /** Adds to the i64 at the address and pushes its old value. */
  i64AtomicRmwAdd(offset = 0): this { return this.#atomic(memText('i64.atomic.rmw.add', offset), 0x1f, offset, 3); }
  /** address, expected, replacement (i64) → the old value (replaced where it was the expected one). */
  i64AtomicRmwCmpxchg(offset = 0): this { return this.#atomic(memText('i64.atomic.rmw.cmpxchg', offset), 0x49, offset, 3); }
  /** address, expected (i64), timeout (i64 ns) → 0 woken, 1 not equal, 2 timed out. */
  memoryAtomicWait64(offset = 0): this { return this.#atomic(memText('memory.atomic.wait64', offset), 0x02, offset, 3); }

  #atomic(text: string, opcode: number, offset: number, align = 2): this {
    return this.#emit(text, [ATOMIC_PREFIX, opcode, align, ...encodeU32(offset)]);
  }

  // ── Relaxed SIMD (only in the relaxed module; see relaxed.ts) ──────────────
  /** a * b + c, fused or not at the engine's choice. */
  f32x4RelaxedMadd(): this { return this.#simd('f32x4.relaxed_madd', 0x105, []); }

  #simd(text: string, opcode: number, immediates: readonly number[]): this {
    return this.#emit(text, [SIMD_PREFIX, ...encodeU32(opcode), ...immediates]);
  }

  /** The body bytes (locals declaration, code, final `end`). */
  bodyBytes(): number[] {
    const declared = this.declaredLocals();
    const groups: number[][] = [];
    for (const local of declared) groups.push([1, VAL_TYPE_CODE[local.type]]);
    if (this.#depth !== 0) throw new Error(`internal: unbalanced blocks (depth ${this.#depth})`);
    return [...encodeU32(groups.length), ...groups.flat(), ...this.#bytes, 0x0b];
  }

  /** The instruction lines, indented by nesting. */
  listing(): readonly string[] {
    return this.#lines;
  }
}

function memText(op: string, offset: number): string {
  return offset === 0 ? op : `${op} offset=${offset}`;
}

function formatF64(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return Object.is(value, -0) ? '-0' : String(value);
}

function formatF32(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (Object.is(value, -0)) return '-0';
  return String(Math.fround(value));
}
