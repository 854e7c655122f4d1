// The run-time sizes of a program with several symbols, shared by the targets that compile
// sizes to constants (WASM, WGSL): every distinct symbolic polynomial a kernel or the memory
// layout needs gets a slot, the bundle evaluates the slots once per call from the bound
// symbols (SIZES_SOURCE), and a size becomes scale · slot + fixed (an AffineExtent with a slot).

import { formatSize, isConstSize, normalizeSize, type SymSize } from '../ir/sym-size.ts';
import type { AffineExtent, BufferRef } from './kernels.ts';

function gcd(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : gcd(b, a % b);
}

/** The slots of one program, in order of first use. */
export class RuntimeSizes {
  readonly #slots: SymSize[] = [];
  readonly #index = new Map<string, number>();
  #frozen = false;

  constructor(readonly symbols: readonly string[]) {}

  /**
   * `size` as scale · slot + fixed. The slot holds the symbolic part divided by the gcd of its
   * coefficients, so 128·N·S and N·S share one. Static sizes have no slot.
   */
  extent(size: SymSize): AffineExtent {
    const fixed = size.find((t) => t.symbols.length === 0)?.coeff ?? 0;
    if (isConstSize(size)) return { perSample: 0, fixed };
    const symbolic = size.filter((t) => t.symbols.length > 0);
    const scale = symbolic.reduce((g, t) => gcd(g, t.coeff), 0) * Math.sign(symbolic[0]?.coeff ?? 1);
    const unit = normalizeSize(symbolic.map((t) => ({ coeff: t.coeff / scale, symbols: t.symbols })));
    const key = formatSize(unit);
    let slot = this.#index.get(key);
    if (slot === undefined) {
      if (this.#frozen) throw new Error(`internal: run-time size ${key} asked for after the table was placed`);
      slot = this.#slots.length;
      this.#slots.push(unit);
      this.#index.set(key, slot);
    }
    return { perSample: scale, fixed, slot };
  }

  /** A buffer with its arena offset as a run-time size (the 'runtime' kernel form). */
  ref(ref: BufferRef): BufferRef<'runtime'> {
    return ref.kind === 'arena' ? { kind: 'arena', offset: this.extent(ref.offset) } : ref;
  }

  /** No new slots from here on (the table's memory is placed). */
  freeze(): void {
    this.#frozen = true;
  }

  get count(): number {
    return this.#slots.length;
  }

  get slots(): readonly SymSize[] {
    return this.#slots;
  }

  /**
   * The slots as a JS literal for SIZES_SOURCE: per slot, its terms [coeff, symbol indices…]
   * (indices into `symbols`, the order bindDims returns their values in).
   */
  literal(): string {
    const terms = (size: SymSize): string => size.map((t) => `[${[t.coeff, ...t.symbols.map((s) => this.#symbolIndex(s))].join(', ')}]`).join(', ');
    return `[${this.#slots.map((size) => `[${terms(size)}]`).join(', ')}]`;
  }

  #symbolIndex(symbol: string): number {
    const index = this.symbols.indexOf(symbol);
    if (index < 0) throw new Error(`internal: symbol ${symbol} is not an input's`);
    return index;
  }
}

/**
 * `evalSizes(slots, values)`: each slot's value for the symbol values `values` (bindDims's
 * order). Throws a RangeError when one does not fit the i32 the kernels compute in.
 */
export const SIZES_SOURCE = `function evalSizes(slots, values) {
  return slots.map((terms) => {
    let total = 0;
    for (const term of terms) {
      let value = term[0];
      for (let i = 1; i < term.length; i++) value *= values[term[i]];
      total += value;
    }
    if (!(total <= 0x7fffffff)) throw new RangeError("fusegraph: the symbol values make a size of " + total + ", more than this target addresses");
    return total;
  });
}`;

/** A size with a slot as scale · slot + fixed for JS (`sizes[3] * 512 + 64`). */
export function extentSource(extent: AffineExtent, sizes: string): string {
  if (extent.perSample === 0) return String(extent.fixed);
  const slot = extent.slot === undefined ? 'batch' : `${sizes}[${extent.slot}]`;
  return `${extent.perSample} * ${slot} + ${extent.fixed}`;
}
