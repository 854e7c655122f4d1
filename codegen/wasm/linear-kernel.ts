// The register-blocked f32x4 micro-kernel for `linear`: y[rows, N] = epilogue(x[rows, K] · Wᵀ)
// where the epilogue (bias, activation) is one scalar body. Weights come packed in column
// panels (pack-weights.ts). For each panel, blocks of `rowsPerBlock` rows keep rowsPerBlock ×
// (width/4) accumulators in registers; one K step loads width/4 weight vectors and splats one
// x value per row. The K loop may be unrolled `unroll` times (load offsets are immediates),
// leftover rows run a 1-row kernel, and the epilogue runs on f32x4 lanes before storing.

import type { FunctionAssembler, Local } from './function-assembler.ts';
import type { PanelLayout } from './pack-weights.ts';

export interface MicroKernelShape {
  /** Rows of x per register block (the leftover rows run one at a time). */
  readonly rowsPerBlock: number;
  /** Output columns per full panel (a multiple of 4). */
  readonly panelWidth: number;
  /** K steps per loop iteration. */
  readonly unroll: number;
}

export interface LinearKernelSpec {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly layout: PanelLayout;
  /** Byte address of the packed weights. */
  readonly weightsAddress: number;
  readonly shape: MicroKernelShape;
  /** Use f32x4.relaxed_madd (the relaxed-SIMD module). */
  readonly relaxed: boolean;
  /**
   * Pushes epilogue(value) for the vector of columns starting `columnByte` bytes after the
   * panel's first column (`panelColumn` holds that column's byte offset, for bias and
   * per-channel parameters). Absent: the dot products are stored as they are.
   */
  readonly activation?: (asm: FunctionAssembler, value: Local, panelColumn: Local, columnByte: number) => void;
}

/** The i32 locals a linear kernel reads: the row count and the byte addresses of x and y. */
export interface LinearOperands {
  readonly rows: Local;
  readonly x: Local;
  readonly y: Local;
}

/** Emits the linear kernel over the rows at x (rows × K) into y (rows × N). */
export function emitLinearKernel(asm: FunctionAssembler, spec: LinearKernelSpec, { rows, x, y }: LinearOperands): void {
  const vectors = spec.shape.panelWidth / 4;
  const state: KernelState = {
    asm, spec, rows, x, y,
    row: asm.local('i32', 'row'),
    xr: asm.local('i32', 'xr'),
    yr: asm.local('i32', 'yr'),
    xp: asm.local('i32', 'xp'),
    wp: asm.local('i32', 'wp'),
    wq: asm.local('i32', 'wq'),
    column: asm.local('i32', 'col'),
    count: asm.local('i32', 'k'),
    acc: Array.from({ length: spec.shape.rowsPerBlock }, () => Array.from({ length: vectors }, () => asm.local('v128', 'acc'))),
    b: Array.from({ length: vectors }, () => asm.local('v128', 'w')),
    a: asm.local('v128', 'a'),
    value: asm.local('v128', 'v'),
  };
  const full = spec.layout.panels.filter((p) => p.width === spec.shape.panelWidth && p.columns === p.width);
  const tail = spec.layout.panels.slice(full.length);
  if (full.length > 0) {
    asm.i32Const(spec.weightsAddress).set(state.wp).i32Const(0).set(state.column);
    asm.loop('panels');
    emitPanel(state, vectors, 4);
    asm.get(state.wp).i32Const(spec.inFeatures * spec.shape.panelWidth * 4).i32('i32.add').set(state.wp);
    asm.get(state.column).i32Const(spec.shape.panelWidth * 4).i32('i32.add').tee(state.column);
    asm.i32Const(full.length * spec.shape.panelWidth * 4).i32('i32.lt_u').brIf(0);
    asm.end();
  }
  for (const panel of tail) {
    asm.i32Const(spec.weightsAddress + panel.firstColumn * spec.inFeatures * 4).set(state.wp);
    asm.i32Const(panel.firstColumn * 4).set(state.column);
    emitPanel(state, panel.width / 4, panel.columns - (panel.width - 4));
  }
}

interface KernelState {
  readonly asm: FunctionAssembler;
  readonly spec: LinearKernelSpec;
  readonly rows: Local;
  readonly x: Local;
  readonly y: Local;
  readonly row: Local;
  readonly xr: Local;
  readonly yr: Local;
  readonly xp: Local;
  readonly wp: Local;
  readonly wq: Local;
  readonly column: Local;
  readonly count: Local;
  readonly acc: readonly (readonly Local[])[];
  readonly b: readonly Local[];
  readonly a: Local;
  readonly value: Local;
}

/** All rows against one panel: register blocks of rowsPerBlock rows, then single rows. */
function emitPanel(s: KernelState, vectors: number, lastLanes: number): void {
  const { asm, spec } = s;
  const block = spec.shape.rowsPerBlock;
  asm.i32Const(0).set(s.row).get(s.x).set(s.xr);
  asm.get(s.y).get(s.column).i32('i32.add').set(s.yr);
  for (const rowsHere of block > 1 ? [block, 1] : [1]) {
    asm.block(`done${rowsHere}`).loop(`rows${rowsHere}`);
    asm.get(s.row).i32Const(rowsHere).i32('i32.add').get(s.rows).i32('i32.gt_u').brIf(1);
    emitMicroKernel(s, rowsHere, vectors, lastLanes);
    asm.get(s.row).i32Const(rowsHere).i32('i32.add').set(s.row);
    asm.get(s.xr).i32Const(rowsHere * spec.inFeatures * 4).i32('i32.add').set(s.xr);
    asm.get(s.yr).i32Const(rowsHere * spec.outFeatures * 4).i32('i32.add').set(s.yr);
    asm.br(0).end().end();
  }
}

/** rowsHere × vectors accumulators over the whole K range, then the epilogue. */
function emitMicroKernel(s: KernelState, rowsHere: number, vectors: number, lastLanes: number): void {
  const { asm, spec } = s;
  const K = spec.inFeatures;
  const width = vectors * 4;
  // A single row of a narrow panel (2 vectors) has too few independent add chains to hide
  // the f32x4.add latency, so it splits K over two accumulator sets (the block's spare
  // registers) and sums them last; 3 or more vectors are enough chains (measured: splitting
  // a 16-wide panel's row costs 40%).
  const sets = rowsHere === 1 && vectors <= 2 ? Math.min(2, spec.shape.rowsPerBlock) : 1;
  for (let r = 0; r < rowsHere * sets; r++) {
    for (let v = 0; v < vectors; v++) asm.f32x4Const(0).set(accOf(s, r, v));
  }
  const unroll = Math.max(1, Math.min(Math.max(spec.shape.unroll, sets), K));
  const iterations = Math.floor(K / unroll);
  asm.get(s.xr).set(s.xp).get(s.wp).set(s.wq);
  if (iterations > 0) {
    asm.i32Const(iterations).set(s.count).loop('k');
    for (let u = 0; u < unroll; u++) emitKStep(s, rowsHere, vectors, u, u % sets);
    asm.get(s.xp).i32Const(unroll * 4).i32('i32.add').set(s.xp);
    asm.get(s.wq).i32Const(unroll * width * 4).i32('i32.add').set(s.wq);
    asm.get(s.count).i32Const(1).i32('i32.sub').tee(s.count).brIf(0).end();
  }
  for (let u = 0; u < K - iterations * unroll; u++) emitKStep(s, rowsHere, vectors, u, 0);
  for (let set = 1; set < sets; set++) {
    for (let v = 0; v < vectors; v++) asm.get(accOf(s, 0, v)).get(accOf(s, set, v)).v128('f32x4.add').set(accOf(s, 0, v));
  }
  for (let r = 0; r < rowsHere; r++) {
    for (let v = 0; v < vectors; v++) {
      const acc = accOf(s, r, v);
      if (spec.activation !== undefined) {
        spec.activation(asm, acc, s.column, v * 16);
        asm.set(s.value);
      }
      const result = spec.activation !== undefined ? s.value : acc;
      const offset = (r * spec.outFeatures + v * 4) * 4;
      const lanes = v === vectors - 1 ? lastLanes : 4;
      emitStore(asm, s.yr, result, offset, lanes);
    }
  }
}

/**
 * One K step at unrolled position u: width/4 weight loads, one splat per row, mul-adds into
 * the accumulators of row r (or, for a single row, of accumulator set `set`).
 */
function emitKStep(s: KernelState, rowsHere: number, vectors: number, u: number, set: number): void {
  const { asm, spec } = s;
  // The single-row kernel is latency-bound, and V8's relaxed_madd measured slower there
  // than mul + add (25 vs 33 GFLOP/s at 784×128); register blocks gain from it (49 vs 44).
  const fused = spec.relaxed && rowsHere > 1;
  for (let v = 0; v < vectors; v++) asm.get(s.wq).v128Load((u * vectors * 4 + v * 4) * 4).set(bOf(s, v));
  for (let r = 0; r < rowsHere; r++) {
    asm.get(s.xp).v128Load32Splat((r * spec.inFeatures + u) * 4).set(s.a);
    for (let v = 0; v < vectors; v++) {
      const acc = accOf(s, r + set, v);
      if (fused) asm.get(s.a).get(bOf(s, v)).get(acc).f32x4RelaxedMadd().set(acc);
      else asm.get(acc).get(s.a).get(bOf(s, v)).v128('f32x4.mul').v128('f32x4.add').set(acc);
    }
  }
}

/** Stores the first `lanes` lanes of `value` at base + offset. */
export function emitStore(asm: FunctionAssembler, base: Local, value: Local, offset: number, lanes: number): void {
  if (lanes === 4) {
    asm.get(base).get(value).v128Store(offset);
    return;
  }
  if (lanes >= 2) asm.get(base).get(value).v128Store64Lane(offset, 0);
  if (lanes === 1 || lanes === 3) asm.get(base).get(value).v128Store32Lane(offset + (lanes - 1) * 4, lanes - 1);
}

function accOf(s: KernelState, r: number, v: number): Local {
  const acc = s.acc[r]?.[v];
  if (acc === undefined) throw new Error(`internal: no accumulator ${r},${v}`);
  return acc;
}

function bOf(s: KernelState, v: number): Local {
  const b = s.b[v];
  if (b === undefined) throw new Error(`internal: no weight register ${v}`);
  return b;
}
