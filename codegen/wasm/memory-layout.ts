// Where every tensor lives in the module's linear memory: the constants (linear weights
// pre-packed into panels, other constants raw) from byte 0, then the kernels' static tables
// (static-data.ts), the threads' control words, the scratch region, with several symbols the
// table of run-time sizes (runtime-layout.ts), the arena of the memory plan, the inputs and the
// outputs, whose addresses are affine in the batch (or in one run-time slot). The constants
// and tables are the weights image the bundle copies in at load; nothing moves per call.
// Threads other than the first get scratch regions of their own past `total` (threads.ts).

import { CompileError } from '../../ir/errors.ts';
import { kernelInfo } from '../kernel-info.ts';
import type { BufferRef, Extent, LoweredProgram } from '../affine-kernels.ts';
import type * as K from '../kernels.ts';
import type { RuntimeSizes } from '../runtime-sizes.ts';
import { runtimePlacement } from './runtime-layout.ts';
import { symbolicPanelFloats } from './attention-pack.ts';
import { packWeights, panelLayout, type PanelLayout } from './pack-weights.ts';
import type { StaticData } from './static-data.ts';

/** A byte address or size: perSample · batch + fixed. */
export type AffineBytes = Extent;

export interface PackedWeight {
  readonly address: number;
  readonly layout: PanelLayout;
}

export interface WasmLayout {
  /** The constant region's bytes (little-endian f32), loaded at address 0. */
  readonly image: Uint8Array<ArrayBuffer>;
  readonly rawConstants: ReadonlyMap<number, number>;
  readonly packedConstants: ReadonlyMap<number, PackedWeight>;
  readonly arenaBase: number;
  readonly inputs: readonly AffineBytes[];
  readonly outputs: readonly AffineBytes[];
  /** Bytes of memory a call with a given batch needs (16 bytes of slack for vector over-reads). */
  readonly total: AffineBytes;
  /** The threads' control words (CONTROL_BYTES, zero at load: after the image). */
  readonly controlAddress: number;
  /** Bytes between the scratch regions of threads 1, 2, … (the first at `total`). */
  readonly scratchStride: number;
  /** With several symbols: the address of the i32 table of run-time sizes (one per slot, after the scratch). */
  readonly sizesAddress?: number;
  /** With several symbols: the scratch sized by them (attention's packed keys of a symbolic length). */
  readonly tail?: AffineBytes;
}

/** With several symbols: the slots, and the program as lowered (its sizes as polynomials). */
export interface RuntimeLayoutInput {
  readonly sizes: RuntimeSizes;
  readonly source: K.LoweredProgram;
  /** Every kernel, those emitted in the general form included (for the constants they read). */
  readonly kernels: readonly K.Kernel<K.SizeForm>[];
}

/** Bytes of the threads' control block (the pool's words and the run's broken, claim and done words: threads.ts). */
export const CONTROL_BYTES = 64;

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

function bytesOf(extent: Extent): AffineBytes {
  return { ...extent, perSample: extent.perSample * 4, fixed: extent.fixed * 4 };
}

/** a + b; at most one of them may be symbolic unless they share the slot. */
function add(a: AffineBytes, b: AffineBytes): AffineBytes {
  if (a.perSample !== 0 && b.perSample !== 0 && a.slot !== b.slot) throw new Error('internal: sum of sizes in two run-time slots');
  const slot = a.perSample !== 0 ? a.slot : b.slot;
  return { perSample: a.perSample + b.perSample, fixed: a.fixed + b.fixed, ...(slot === undefined ? {} : { slot }) };
}

/**
 * How the wasm kernel of a kind reads the weight kernel-info.ts lets targets pack: in the
 * linear micro-kernel's column panels (linear), or row-major as it is (conv, whose weight rows
 * are the micro-kernel's splatted operand).
 */
export type WeightLayout = 'panels' | 'row-major';

/** Which constants are read row-major and which as panels (those must be constants). */
function constantUsesOf(kernels: readonly K.Kernel<K.SizeForm>[], weightLayout: (kernel: K.Kernel<K.SizeForm>) => WeightLayout): { raw: Set<number>; packed: Set<number> } {
  const raw = new Set<number>();
  const packed = new Set<number>();
  for (const kernel of kernels) {
    const info = kernelInfo(kernel);
    for (const ref of info.reads(kernel)) if (ref.kind === 'const') raw.add(ref.index);
    const weight = info.packedWeight?.(kernel);
    if (weight === undefined) continue;
    if (weightLayout(kernel) === 'row-major') {
      if (weight.kind === 'const') raw.add(weight.index);
    } else if (weight.kind === 'const') {
      packed.add(weight.index);
    } else {
      throw new CompileError(`the wasm target packs ${kernel.kind} weights at compile time: the weight must be a constant`, { node: kernel.label, op: kernel.op });
    }
  }
  return { raw, packed };
}

export function layoutMemory(
  program: LoweredProgram, panelWidth: number, statics: StaticData, weightLayout: (kernel: K.Kernel<K.SizeForm>) => WeightLayout, runtime?: RuntimeLayoutInput,
): WasmLayout {
  const uses = constantUsesOf(runtime?.kernels ?? program.kernels, weightLayout);
  const rawConstants = new Map<number, number>();
  const packedConstants = new Map<number, PackedWeight>();
  const pieces: { address: number; data: Float32Array }[] = [];
  let end = 0;
  program.constants.forEach((constant, index) => {
    if (uses.raw.has(index)) {
      rawConstants.set(index, end);
      pieces.push({ address: end, data: constant.data });
      end = align16(end + constant.data.length * 4);
    }
    if (uses.packed.has(index)) {
      const [outFeatures = 0, inFeatures = 0] = constant.shape;
      const layout = panelLayout(outFeatures, inFeatures, panelWidth);
      packedConstants.set(index, { address: end, layout });
      pieces.push({ address: end, data: packWeights(constant.data, outFeatures, inFeatures, layout) });
      end = align16(end + layout.size * 4);
    }
  });
  const tables: { address: number; bytes: Uint8Array }[] = [];
  for (const table of statics.tables) {
    table.place(end);
    tables.push({ address: end, bytes: table.bytes });
    end = align16(end + table.bytes.length);
  }
  const image = new Uint8Array(end);
  const view = new DataView(image.buffer);
  for (const piece of pieces) piece.data.forEach((value, i) => view.setFloat32(piece.address + i * 4, value, true));
  for (const table of tables) image.set(table.bytes, table.address);

  // Control words, then thread 0's scratch, then (several symbols) the sizes table, then the arena.
  const controlAddress = end;
  statics.placeScratch(controlAddress + CONTROL_BYTES);
  const scratchEnd = align16(statics.scratchAddress + statics.scratchBytes);
  const scratchStride = align16(statics.scratchBytes);
  if (runtime !== undefined) {
    const placed = runtimePlacement(runtime.source, runtime.sizes, scratchEnd, symbolicPanelFloats(runtime.source.kernels));
    return { image, rawConstants, packedConstants, ...placed, controlAddress, scratchStride };
  }
  const arenaBase = scratchEnd;
  let cursor: AffineBytes = add({ perSample: 0, fixed: arenaBase }, bytesOf(program.arenaSize));
  const place = (size: Extent): AffineBytes => {
    const at = { perSample: cursor.perSample, fixed: align16(cursor.fixed) };
    cursor = add(at, bytesOf(size));
    return at;
  };
  const inputs = program.inputs.map((tensor) => place(tensor.size));
  const outputs = program.outputs.map((tensor) => place(tensor.size));
  const total = add(cursor, { perSample: 0, fixed: 32 });
  return { image, rawConstants, packedConstants, arenaBase, inputs, outputs, total: { perSample: total.perSample, fixed: align16(total.fixed) }, controlAddress, scratchStride };
}

/** The byte address of a buffer (raw data of a constant). */
export function addressOf(layout: WasmLayout, ref: BufferRef): AffineBytes {
  switch (ref.kind) {
    case 'input': return layout.inputs[ref.index] ?? missing(ref);
    case 'output': return layout.outputs[ref.index] ?? missing(ref);
    case 'arena': return add({ perSample: 0, fixed: layout.arenaBase }, bytesOf(ref.offset));
    case 'const': {
      const address = layout.rawConstants.get(ref.index);
      return address === undefined ? missing(ref) : { perSample: 0, fixed: address };
    }
  }
}

function missing(ref: BufferRef): never {
  throw new Error(`internal: no address for ${JSON.stringify(ref)}`);
}

export function evaluateBytes(size: AffineBytes, batch: number): number {
  return size.perSample * batch + size.fixed;
}
