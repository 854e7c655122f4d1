// The run-time part of the wasm memory layout with several symbols: after the scratch region
// the i32 table of run-time sizes (one per slot, written by the bundle before each call), then
// the arena, the inputs and the outputs, whose addresses are polynomials in the symbols
// rounded up term by term to 16 bytes; each address becomes scale · slot + fixed.

import { addSizes, constSize, scaleSize, type SymSize } from '../../ir/sym-size.ts';
import type { AffineExtent } from '../kernels.ts';
import type * as K from '../kernels.ts';
import type { RuntimeSizes } from '../runtime-sizes.ts';

const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/** Each coefficient rounded up to a multiple of 16: the value is then ≥ and 16-aligned for every binding. */
function alignTerms(size: SymSize): SymSize {
  return addSizes(size.map((t) => ({ coeff: align16(t.coeff), symbols: t.symbols })));
}

export interface RuntimePlacement {
  readonly arenaBase: number;
  readonly inputs: readonly AffineExtent[];
  readonly outputs: readonly AffineExtent[];
  readonly total: AffineExtent;
  readonly sizesAddress: number;
  /** The address of the scratch sized by the symbols (`tail` floats after the outputs), when asked for. */
  readonly tail?: AffineExtent;
}

/**
 * Places the sizes table at `base` and the rest after it (byte addresses); `tail` floats of
 * scratch sized by the symbols (attention's packed keys of a symbolic length) go last.
 */
export function runtimePlacement(source: K.LoweredProgram, sizes: RuntimeSizes, base: number, tail?: SymSize): RuntimePlacement {
  // Offsets from the arena's start first: their symbolic parts name every slot the layout needs.
  let cursor = scaleSize(source.arenaSize, 4);
  const place = (size: SymSize): SymSize => {
    const at = alignTerms(cursor);
    cursor = addSizes(at, scaleSize(size, 4));
    return at;
  };
  const inputs = source.inputs.map((t) => place(t.size));
  const outputs = source.outputs.map((t) => place(t.size));
  const tailAt = tail === undefined ? undefined : place(tail);
  const total = addSizes(cursor, constSize(32));
  const relative = (size: SymSize): AffineExtent => sizes.extent(size);
  const [inputsRel, outputsRel, totalRel] = [inputs.map(relative), outputs.map(relative), relative(total)];
  const tailRel = tailAt === undefined ? undefined : relative(tailAt);
  sizes.freeze();
  const sizesAddress = align16(base);
  const arenaBase = align16(sizesAddress + 4 * Math.max(1, sizes.count));
  const absolute = (e: AffineExtent): AffineExtent => ({ ...e, fixed: e.fixed + arenaBase });
  return {
    arenaBase, inputs: inputsRel.map(absolute), outputs: outputsRel.map(absolute), total: absolute(totalRel), sizesAddress,
    ...(tailRel === undefined ? {} : { tail: absolute(tailRel) }),
  };
}
