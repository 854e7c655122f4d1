// The register-blocked f32x4 micro-kernel: y[rows, columns] = epilogue(x[rows, K] · panel)
// where the epilogue (bias, activation, residual) is one scalar body. A panel holds K rows of
// up to `panelWidth` columns: `linear` packs its weights into such panels (pack-weights.ts),
// a convolution packs input patches at run time or reads a 1×1 input in place (conv-kernel.ts).
// For each panel, blocks of `rowsPerBlock` rows keep rowsPerBlock × (width/4) accumulators in
// registers; one K step loads width/4 panel vectors and splats one x value per row. The K
// loop may be unrolled `unroll` times (load offsets are immediates), leftover rows run a
// 1-row kernel, and the epilogue runs on f32x4 lanes before storing.

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

/** What the micro-kernel computes: y[rows, columns] = epilogue(x[rows, K] · panel). */
export interface GemmSpec {
  readonly shape: MicroKernelShape;
  /** Bytes from one row of x to the next. */
  readonly xRowBytes: number;
  /** Bytes from one row of y to the next. */
  readonly yRowBytes: number;
  /** Use f32x4.relaxed_madd (the relaxed-SIMD module). */
  readonly relaxed: boolean;
  /**
   * The row count when it is known at compile time (a conv's channels per group): the leftover
   * rows then run as one smaller block (6 rows: 4 + 2, not 4 + 1 + 1). Else they run one by one.
   */
  readonly rowCount?: number;
  /** Pushes epilogue(value) for the output vector at `site`. Absent: the dot products are stored as they are. */
  readonly epilogue?: (asm: FunctionAssembler, value: Local, site: EpilogueSite) => void;
}

/** Where an epilogue value lands, for operands indexed by row (per channel) or column or both. */
export interface EpilogueSite {
  /** The register block's first row (an i32 local) and this value's row within the block. */
  readonly row: Local;
  readonly r: number;
  /** Byte offset of the panel's first column in a row of y (an i32 local), and this vector's bytes from it. */
  readonly column: Local;
  readonly columnByte: number;
  /** Address in y of the block's first row at the panel's first column, and this vector's bytes from it. */
  readonly at: Local;
  readonly offset: number;
}

/** The i32 locals the kernel reads: the row count and the byte addresses of x and y. */
export interface LinearOperands {
  readonly rows: Local;
  readonly x: Local;
  readonly y: Local;
}

/** One K step: byte offsets of its panel row and of its x column from the walk's pointers. */
export interface DepthStep {
  readonly panel: number;
  readonly x: number;
}

/**
 * How the K loop walks a panel and the x rows: `count` iterations of `steps` (offsets are load
 * immediates), each iteration moving the panel pointer by `panelAdvance` and x by `xAdvance`,
 * then the `tail` steps. A packed panel is a contiguous walk; a convolution reading its input
 * in place has one step per window tap and one iteration per input channel.
 */
export interface DepthWalk {
  readonly count: number;
  readonly steps: readonly DepthStep[];
  readonly panelAdvance: number;
  readonly xAdvance: number;
  readonly tail: readonly DepthStep[];
}

/** A panel vector: its byte offset from the panel's address, its offset in y, the lanes it stores. */
export interface PanelVector {
  readonly load: number;
  readonly store: number;
  readonly lanes: number;
}

export interface PanelShape {
  readonly vectors: readonly PanelVector[];
  /** The K walk, unrolled at least `minUnroll` steps per iteration (for split accumulators). */
  depth(minUnroll: number): DepthWalk;
}

/** K rows `kBytes` apart, x contiguous; unrolled `unroll` times. */
export function contiguousDepth(depth: number, kBytes: number, unroll: number): DepthWalk {
  const u = Math.max(1, Math.min(unroll, depth));
  const count = Math.floor(depth / u);
  const steps = (n: number): DepthStep[] => Array.from({ length: n }, (_, i) => ({ panel: i * kBytes, x: i * 4 }));
  return { count, steps: steps(u), panelAdvance: u * kBytes, xAdvance: u * 4, tail: steps(depth - count * u) };
}

/** `columns` contiguous columns as f32x4 vectors, the last one partly stored. */
export function rowVectors(columns: number): PanelVector[] {
  return Array.from({ length: Math.ceil(columns / 4) }, (_, v) => ({ load: v * 16, store: v * 16, lanes: Math.min(4, columns - v * 4) }));
}

/** The locals of one micro-kernel instance; a caller sets `panel` and `column` before `emitPanel`. */
export interface GemmState {
  readonly asm: FunctionAssembler;
  readonly spec: GemmSpec;
  readonly rows: Local;
  readonly x: Local;
  readonly y: Local;
  /** Address of the current panel (its K = 0 row). */
  readonly panel: Local;
  /** Byte offset of the current panel's first column in a row of y. */
  readonly column: Local;
  readonly row: Local;
  readonly xr: Local;
  readonly yr: Local;
  readonly xp: Local;
  readonly wq: Local;
  readonly count: Local;
  readonly acc: readonly (readonly Local[])[];
  readonly b: readonly Local[];
  readonly a: Local;
  readonly value: Local;
}

/** Declares the micro-kernel's locals (once per function, whatever the number of panels). */
export function createGemm(asm: FunctionAssembler, spec: GemmSpec, { rows, x, y }: LinearOperands): GemmState {
  const vectors = spec.shape.panelWidth / 4;
  return {
    asm, spec, rows, x, y,
    panel: asm.local('i32', 'wp'),
    column: asm.local('i32', 'col'),
    row: asm.local('i32', 'row'),
    xr: asm.local('i32', 'xr'),
    yr: asm.local('i32', 'yr'),
    xp: asm.local('i32', 'xp'),
    wq: asm.local('i32', 'wq'),
    count: asm.local('i32', 'k'),
    acc: Array.from({ length: spec.shape.rowsPerBlock }, () => Array.from({ length: vectors }, () => asm.local('v128', 'acc'))),
    b: Array.from({ length: vectors }, () => asm.local('v128', 'w')),
    a: asm.local('v128', 'a'),
    value: asm.local('v128', 'v'),
  };
}

export interface LinearKernelSpec {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly layout: PanelLayout;
  /** Byte address of the packed weights. */
  readonly weightsAddress: number;
  readonly shape: MicroKernelShape;
  readonly relaxed: boolean;
  readonly epilogue?: GemmSpec['epilogue'];
  /** Only the panels [first, end) of `layout.panels` (i32 locals; a thread's share), else all. */
  readonly panels?: { readonly first: Local; readonly end: Local };
}

/** Emits the linear kernel over the rows at x (rows × K) into y (rows × N), weights in packed panels. */
export function emitLinearKernel(asm: FunctionAssembler, spec: LinearKernelSpec, operands: LinearOperands): void {
  const K = spec.inFeatures;
  const state = createGemm(asm, {
    shape: spec.shape, xRowBytes: K * 4, yRowBytes: spec.outFeatures * 4, relaxed: spec.relaxed,
    ...(spec.epilogue === undefined ? {} : { epilogue: spec.epilogue }),
  }, operands);
  const width = spec.shape.panelWidth;
  const panelShape = (panelWidth: number, columns: number): PanelShape => ({
    vectors: rowVectors(columns),
    depth: (minUnroll) => contiguousDepth(K, panelWidth * 4, Math.max(spec.shape.unroll, minUnroll)),
  });
  const full = spec.layout.panels.filter((p) => p.width === width && p.columns === p.width);
  const tail = spec.layout.panels.slice(full.length);
  const range = spec.panels;
  if (full.length > 0 && range === undefined) {
    asm.i32Const(spec.weightsAddress).set(state.panel).i32Const(0).set(state.column);
    asm.loop('panels');
    emitPanel(state, panelShape(width, width));
    asm.get(state.panel).i32Const(K * width * 4).i32('i32.add').set(state.panel);
    asm.get(state.column).i32Const(width * 4).i32('i32.add').tee(state.column);
    asm.i32Const(full.length * width * 4).i32('i32.lt_u').brIf(0);
    asm.end();
  } else if (full.length > 0 && range !== undefined) {
    // The full panels first..min(end, full) − 1, when there are any.
    const limit = asm.local('i32', 'col_end');
    asm.get(range.end).i32Const(full.length).get(range.end).i32Const(full.length).i32('i32.lt_u').select();
    asm.i32Const(width * 4).i32('i32.mul').set(limit);
    asm.get(range.first).i32Const(width * 4).i32('i32.mul').tee(state.column).get(limit).i32('i32.lt_u').if();
    asm.get(range.first).i32Const(K * width * 4).i32('i32.mul').i32Const(spec.weightsAddress).i32('i32.add').set(state.panel);
    asm.loop('panels');
    emitPanel(state, panelShape(width, width));
    asm.get(state.panel).i32Const(K * width * 4).i32('i32.add').set(state.panel);
    asm.get(state.column).i32Const(width * 4).i32('i32.add').tee(state.column);
    asm.get(limit).i32('i32.lt_u').brIf(0);
    asm.end().end();
  }
  tail.forEach((panel, i) => {
    if (range !== undefined) {
      // first <= index < end
      asm.get(range.first).i32Const(full.length + i).i32('i32.le_u');
      asm.i32Const(full.length + i).get(range.end).i32('i32.lt_u').i32('i32.and').if();
    }
    asm.i32Const(spec.weightsAddress + panel.firstColumn * K * 4).set(state.panel);
    asm.i32Const(panel.firstColumn * 4).set(state.column);
    emitPanel(state, panelShape(panel.width, panel.columns));
    if (range !== undefined) asm.end();
  });
}

/** All rows against the current panel: register blocks of rowsPerBlock rows, then single rows. */
export function emitPanel(s: GemmState, panel: PanelShape): void {
  const { asm, spec } = s;
  const block = spec.shape.rowsPerBlock;
  asm.i32Const(0).set(s.row).get(s.x).set(s.xr);
  asm.get(s.y).get(s.column).i32('i32.add').set(s.yr);
  const leftover = spec.rowCount === undefined ? 1 : spec.rowCount % block;
  const blocks = block > 1 ? [block, ...(leftover > 0 ? [leftover] : [])] : [1];
  for (const rowsHere of blocks) {
    asm.block(`done${rowsHere}`).loop(`rows${rowsHere}`);
    asm.get(s.row).i32Const(rowsHere).i32('i32.add').get(s.rows).i32('i32.gt_u').brIf(1);
    emitMicroKernel(s, rowsHere, panel);
    asm.get(s.row).i32Const(rowsHere).i32('i32.add').set(s.row);
    asm.get(s.xr).i32Const(rowsHere * spec.xRowBytes).i32('i32.add').set(s.xr);
    asm.get(s.yr).i32Const(rowsHere * spec.yRowBytes).i32('i32.add').set(s.yr);
    asm.br(0).end().end();
  }
}

/** rowsHere × vectors accumulators over the whole K range, then the epilogue. */
function emitMicroKernel(s: GemmState, rowsHere: number, panel: PanelShape): void {
  const { asm, spec } = s;
  const vectors = panel.vectors.length;
  // A single row of a narrow panel (2 vectors) has too few independent add chains to hide
  // the f32x4.add latency, so it splits K over two accumulator sets (the block's spare
  // registers) and sums them last; 3 or more vectors are enough chains (measured: splitting
  // a 16-wide panel's row costs 40%).
  const sets = rowsHere === 1 && vectors <= 2 ? Math.min(2, spec.shape.rowsPerBlock) : 1;
  for (let r = 0; r < rowsHere * sets; r++) {
    for (let v = 0; v < vectors; v++) asm.f32x4Const(0).set(accOf(s, r, v));
  }
  const walk = panel.depth(sets);
  asm.get(s.xr).set(s.xp).get(s.panel).set(s.wq);
  if (walk.count > 0 && walk.steps.length > 0) {
    asm.i32Const(walk.count).set(s.count).loop('k');
    walk.steps.forEach((step, u) => emitKStep(s, rowsHere, panel, step, u % sets));
    asm.get(s.xp).i32Const(walk.xAdvance).i32('i32.add').set(s.xp);
    asm.get(s.wq).i32Const(walk.panelAdvance).i32('i32.add').set(s.wq);
    asm.get(s.count).i32Const(1).i32('i32.sub').tee(s.count).brIf(0).end();
  }
  for (const step of walk.tail) emitKStep(s, rowsHere, panel, step, 0);
  for (let set = 1; set < sets; set++) {
    for (let v = 0; v < vectors; v++) asm.get(accOf(s, 0, v)).get(accOf(s, set, v)).v128('f32x4.add').set(accOf(s, 0, v));
  }
  for (let r = 0; r < rowsHere; r++) {
    panel.vectors.forEach((vector, v) => {
      const acc = accOf(s, r, v);
      const offset = r * spec.yRowBytes + vector.store;
      if (spec.epilogue !== undefined) {
        spec.epilogue(asm, acc, { row: s.row, r, column: s.column, columnByte: vector.store, at: s.yr, offset });
        asm.set(s.value);
      }
      emitStore(asm, s.yr, spec.epilogue !== undefined ? s.value : acc, offset, vector.lanes);
    });
  }
}

/**
 * One K step: a load per panel vector, one splat per row, mul-adds into the accumulators of
 * row r (or, for a single row, of accumulator set `set`).
 */
function emitKStep(s: GemmState, rowsHere: number, panel: PanelShape, step: DepthStep, set: number): void {
  const { asm, spec } = s;
  // The single-row kernel is latency-bound, and V8's relaxed_madd measured slower there
  // than mul + add (25 vs 33 GFLOP/s at 784×128); register blocks gain from it (49 vs 44).
  const fused = spec.relaxed && rowsHere > 1;
  panel.vectors.forEach((vector, v) => asm.get(s.wq).v128Load(step.panel + vector.load).set(bOf(s, v)));
  for (let r = 0; r < rowsHere; r++) {
    asm.get(s.xp).v128Load32Splat(r * spec.xRowBytes + step.x).set(s.a);
    for (let v = 0; v < panel.vectors.length; v++) {
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

function accOf(s: GemmState, r: number, v: number): Local {
  const acc = s.acc[r]?.[v];
  if (acc === undefined) throw new Error(`internal: no accumulator ${r},${v}`);
  return acc;
}

function bOf(s: GemmState, v: number): Local {
  const b = s.b[v];
  if (b === undefined) throw new Error(`internal: no weight register ${v}`);
  return b;
}
