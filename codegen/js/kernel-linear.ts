// The linear kernel in JS: register blocks over weights packed at compile time as
// [out/COLS][in][COLS]. Measured in V8 (Node 20, AMD EPYC, seed MLP 784→128 at batch 32):
// TurboFan schedules a block's loads first, then all its products, then all its sums, so a
// block of f64 locals larger than ~2×2 spills, and every shape from 2×4 to 8×4 runs at
// 5.5–6.8 GFLOP/s. Blocks of several rows therefore sum into a small Float64Array instead
// (`acc[i] += x * u`): each store pins its product and sum in place, the k loop is unrolled
// by 2, and an 8 × 8 block reaches ~9.4 GFLOP/s (seed MLP at batch 32: ~1070 → ~700 µs). A
// single row (batch 1, leftover rows) runs best with 8 f64 locals (~5.7, at most ~5.0 in
// memory). `node --import tsx test/bench/js-blocks.ts` measures these shapes.
// Sums run in f64 in increasing k, like the interpreter; bias and activation are applied per
// element in the epilogue, rendered by the shared scalar-expression renderer.

import { JS_SYNTAX, renderExpr } from '../expr-render.ts';
import { staticExtent, ZERO_EXTENT, type Access, type LinearKernel } from '../kernels.ts';
import type { CodeWriter } from '../writer.ts';
import { plus, renderExtent, times, type KernelScope } from './scope.ts';

/** Columns per block: the packing of constant weights ([out/COLS][in][COLS]) follows it. */
export const COLS = 8;
/** Rows per block; leftover rows (batch % ROWS) run in one block of ROWS / 2, then one at a time. */
export const ROWS = 8;
/**
 * Rows that share one pass over a weight panel: the panel (in × COLS floats) stays in L1
 * while the group's x rows stream from L2. Measured at batch 256 against no grouping and
 * groups of 16 and 32, 64 was fastest for 4 × 4 blocks of locals (seed MLP ~3.2 → ~4.5
 * GFLOP/s); with 8 × 8 blocks in memory, groups of 16 to 256 all take 5.6–5.9 ms there.
 */
export const ROW_GROUP = 64;
/**
 * Steps of k per iteration of a memory-accumulated block. Seed MLP at batch 32, CPU time per
 * call over five processes each: 1 step 708–744 µs, 2 steps 680–717 µs, 4 steps 682–709 µs but
 * one process in ten at ~1500, 8 steps 1500–3800 µs (V8 optimizes the larger body badly).
 */
export const UNROLL = 2;
/**
 * Multiply-adds per row up to which a layer's leftover half block (ROWS / 2 rows, at most once
 * per call) steps k one at a time: half its code (~1 KB). Seed MLP, CPU time per call, old/new
 * interleaved: both layers so (784×128 and 128×10) batch 32 and 36 unchanged, batch 4 and 5
 * ~5% slower; the small layer alone is too little work to show.
 */
export const SMALL_LAYER_MACS = 4096;

/** Packs W[out, in] for the kernel: block b holds columns b*COLS.., interleaved per k, zero-padded. */
export function packWeights(data: Float32Array, outFeatures: number, inFeatures: number): Float32Array {
  const blocks = Math.ceil(outFeatures / COLS);
  const packed = new Float32Array(blocks * inFeatures * COLS);
  for (let j = 0; j < outFeatures; j++) {
    const base = Math.floor(j / COLS) * inFeatures * COLS + (j % COLS);
    for (let k = 0; k < inFeatures; k++) packed[base + k * COLS] = data[j * inFeatures + k] ?? 0;
  }
  return packed;
}

export interface Operand { readonly array: string; readonly base: string; readonly access: Access }

/** Offset of epilogue operand `index` for output row `row` (a JS expression) and column `col`. */
function operandOffset(kernel: LinearKernel, op: Operand, row: string, col: string): string {
  const strides = op.access.strides;
  const terms = [op.base, times(col, strides[strides.length - 1] ?? 0)];
  // Leading axes: decompose the flat row into coordinates of rowShape (inner dims static).
  let rest = row;
  for (let axis = kernel.rowShape.length - 1; axis >= 0; axis--) {
    const stride = strides[axis] ?? ZERO_EXTENT;
    const rendered = renderExtent(kernel.rowShape[axis] ?? staticExtent(1));
    const dim = /^[A-Za-z0-9_]+$/.test(rendered) ? rendered : `(${rendered})`;
    const coord = axis === 0 ? rest : `(${rest}) % ${dim}`;
    if (stride.length !== 0) terms.push(times(coord, stride));
    rest = `Math.floor((${rest}) / ${dim})`;
  }
  return plus(...terms);
}

/**
 * What a register block needs to know of its kernel: the contraction length, the operands,
 * and where row r's inputs, outputs and epilogue operands are. `linear` reads x rows
 * contiguously; a convolution reads them through a table of tap offsets (codegen/js/kernel-conv.ts).
 */
export interface BlockSpec {
  readonly k: number;
  readonly x: { readonly array: string };
  readonly weight: { readonly array: string; readonly base: string; readonly packed: boolean };
  readonly out: { readonly array: string };
  /** The Float64Array (ROWS × COLS) that blocks of several rows sum into (KernelScope.accumulators). */
  readonly acc: string;
  readonly epilogue: LinearKernel['epilogue'];
  readonly operands: readonly Operand[];
  /** Offset of row r's element at contraction step `k` (a JS expression). */
  xAt(r: number, k: string): string;
  /** Offset of output (row r, column `col`). */
  outAt(r: number, col: string): string;
  /** Offset of an epilogue operand at (row r, column `col`). */
  operandAt(op: Operand, r: number, col: string): string;
}

/**
 * Accumulates `rows` rows × `cols` columns starting at column `colStart` over all of k, and
 * stores the first `stored` columns (a JS expression; all by default). With packed weights,
 * column c of the block reads panel floor(c / COLS) at lane c % COLS. A single row sums in
 * locals `a0c`; several rows sum in `acc[r * cols + c]`, UNROLL steps of k per iteration (the
 * header says why), and their epilogue is a loop over the columns.
 */
export function emitBlock(spec: BlockSpec, body: CodeWriter, rows: number, cols: number, colStart: string, stored = String(cols), unrollBy = UNROLL): void {
  const K = spec.k;
  const { x, weight: w, out, operands } = spec;
  const packed = w.packed;
  const inMemory = rows > 1;
  if (!inMemory && stored !== String(cols)) throw new Error('internal: a single-row block stores all its columns');
  const sum = (r: number, c: number): string => (inMemory ? `${spec.acc}[${r * cols + c}]` : `a${r}${c}`);
  if (inMemory) body.line(`${spec.acc}.fill(0, 0, ${rows * cols});`);
  else body.line(`let ${Array.from({ length: cols }, (_, c) => `a0${c} = 0`).join(', ')};`);
  if (packed) body.line(`let p = ${times(colStart, K)};`);
  else for (let c = 0; c < cols; c++) body.line(`const w${c} = ${plus(w.base, times(plus(colStart, String(c)), K))};`);
  const lane = (c: number, step: number): string => plus('p', String(Math.floor(c / COLS) * COLS * K + step * COLS + (c % COLS)));
  // One step of k (`k + step`): load the rows' x and the columns' weights, then sum every product.
  const emitStep = (step: number): void => {
    const k = step === 0 ? 'k' : `k + ${step}`;
    body.line(`const ${Array.from({ length: rows }, (_, r) => `x${r} = ${x.array}[${spec.xAt(r, k)}]`).join(', ')};`);
    body.line(`const ${Array.from({ length: cols }, (_, c) => `u${c} = ${w.array}[${packed ? lane(c, step) : `w${c} + ${k}`}]`).join(', ')};`);
    for (let r = 0; r < rows; r++) {
      body.line(Array.from({ length: cols }, (_, c) => `${sum(r, c)} += x${r} * u${c};`).join(' '));
    }
  };
  const unroll = inMemory ? Math.max(1, Math.min(unrollBy, K)) : 1;
  const unrolled = K - (K % unroll);
  const advance = (steps: number): string => (packed ? `, p += ${steps * COLS}` : '');
  if (unroll === 1) body.block(`for (let k = 0; k < ${K}; k++${advance(1)}) {`, () => emitStep(0));
  else {
    body.block(`for (let k = 0; k < ${unrolled}; k += ${unroll}${advance(unroll)}) {`, () => {
      for (let step = 0; step < unroll; step++) body.block('{', () => emitStep(step));
    });
    if (unrolled < K) body.block(`for (let k = ${unrolled}; k < ${K}; k++${advance(1)}) {`, () => emitStep(0));
  }
  // The epilogue of (row r, column c): c a number for locals, the loop variable `c` for acc.
  const emitStore = (r: number, c: number | 'c'): void => {
    const col = plus(colStart, String(c));
    const rendered = renderExpr(spec.epilogue.body, JS_SYNTAX, {
      localPrefix: 't',
      operand: (index) => {
        // The dot product, rounded to f32 as the interpreter stores it before its epilogue.
        if (index === 0) return `Math.fround(${c === 'c' ? `${spec.acc}[${plus(String(r * cols), 'c')}]` : sum(r, c)})`;
        const op = operands[index - 1];
        return op === undefined ? 'NaN' : `${op.array}[${spec.operandAt(op, r, col)}]`;
      },
    });
    const store = `${out.array}[${spec.outAt(r, col)}] = ${rendered.value};`;
    if (rendered.statements.length === 0) body.line(store);
    else body.block('{', () => body.all([...rendered.statements, store]));
  };
  if (inMemory) {
    body.block(`for (let c = 0; c < ${stored}; c++) {`, () => {
      for (let r = 0; r < rows; r++) emitStore(r, 'c');
    });
  } else {
    for (let c = 0; c < cols; c++) emitStore(0, c);
  }
}

function linearBlockSpec(kernel: LinearKernel, scope: KernelScope, packed: boolean): BlockSpec {
  const weight = packed
    ? { array: scope.array(`packed:${kernel.weight.kind === 'const' ? kernel.weight.index : 0}`), base: '0', packed }
    : { ...scope.use(kernel.weight), packed };
  return {
    k: kernel.inFeatures, x: scope.use(kernel.x), weight, out: scope.use(kernel.out), acc: scope.accumulators(ROWS * COLS),
    epilogue: kernel.epilogue, operands: kernel.epilogue.operands.map((access) => ({ ...scope.use(access.buffer), access })),
    xAt: (r, k) => `x${r}_ + ${k}`,
    outAt: (r, col) => plus(`y${r}_`, col),
    operandAt: (op, r, col) => operandOffset(kernel, op, plus('r', String(r)), col),
  };
}

function emitRowOffsets(kernel: LinearKernel, scope: KernelScope, body: CodeWriter, rows: number): void {
  const x = scope.use(kernel.x);
  const out = scope.use(kernel.out);
  for (let r = 0; r < rows; r++) {
    body.line(`const x${r}_ = ${plus(x.base, times(plus('r', String(r)), kernel.inFeatures))};`);
    body.line(`const y${r}_ = ${plus(out.base, times(plus('r', String(r)), kernel.outFeatures))};`);
  }
}

/**
 * All columns for `rows` rows: a loop over groups of `group` columns (a multiple of COLS),
 * then the leftover whole panels and the partial one as straight-line blocks; `block` emits
 * each (for row groups, the row loop goes inside the column loop).
 */
export function emitColumns(N: number, body: CodeWriter, group: number, block: (cols: number, colStart: string) => void): void {
  const looped = Math.floor(N / group) * group;
  if (looped > 0) body.block(`for (let j = 0; j < ${looped}; j += ${group}) {`, () => block(group, 'j'));
  let start = looped;
  while (start < N) {
    const cols = Math.min(COLS, N - start);
    const at = start;
    body.block('{', () => block(cols, String(at)));
    start += cols;
  }
}

/**
 * All columns for blocks of several rows. With packed weights, one loop over every panel: the
 * last, partial one is computed whole (its padding lanes are zero) and stored up to N, so the
 * big block is emitted once. Runtime weights have no padding: emitColumns' loop and tails.
 */
export function emitPanels(spec: BlockSpec, N: number, body: CodeWriter, block: (cols: number, colStart: string, stored: string) => void): void {
  if (!spec.weight.packed) {
    emitColumns(N, body, COLS, (cols, colStart) => block(cols, colStart, String(cols)));
    return;
  }
  body.block(`for (let j = 0; j < ${N}; j += ${COLS}) {`, () => {
    if (N % COLS === 0) block(COLS, 'j', String(COLS));
    else {
      body.line(`const stored = Math.min(${COLS}, ${N} - j);`);
      block(COLS, 'j', 'stored');
    }
  });
}

export function emitLinear(kernel: LinearKernel, scope: KernelScope, body: CodeWriter, packed: boolean): void {
  const spec = linearBlockSpec(kernel, scope, packed);
  const half = ROWS / 2;
  body.line(`const rows = ${renderExtent(kernel.rows)};`);
  body.line(`const blocked = rows - rows % ${ROWS};`);
  // Row groups keep one weight panel in L1 while ROW_GROUP rows stream past it.
  body.block(`for (let g = 0; g < blocked; g += ${ROW_GROUP}) {`, () => {
    body.line(`const gEnd = Math.min(g + ${ROW_GROUP}, blocked);`);
    emitPanels(spec, kernel.outFeatures, body, (cols, colStart, stored) => {
      body.block(`for (let r = g; r < gEnd; r += ${ROWS}) {`, () => {
        emitRowOffsets(kernel, scope, body, ROWS);
        emitBlock(spec, body, ROWS, cols, colStart, stored);
      });
    });
  });
  // Leftover rows: at most one block of ROWS / 2, then one row at a time. In a small layer
  // the half block's k loop is not unrolled (half its code; see SMALL_LAYER_MACS).
  const tailUnroll = kernel.inFeatures * kernel.outFeatures <= SMALL_LAYER_MACS ? 1 : UNROLL;
  body.line(`const halved = rows - rows % ${half};`);
  body.block(`for (let r = blocked; r < halved; r += ${half}) {`, () => {
    emitRowOffsets(kernel, scope, body, half);
    emitPanels(spec, kernel.outFeatures, body, (cols, colStart, stored) => emitBlock(spec, body, half, cols, colStart, stored, tailUnroll));
  });
  body.block('for (let r = halved; r < rows; r++) {', () => {
    emitRowOffsets(kernel, scope, body, 1);
    emitColumns(kernel.outFeatures, body, COLS, (cols, colStart) => emitBlock(spec, body, 1, cols, colStart));
  });
}
