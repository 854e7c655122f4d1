// Buffers as a JS kernel function sees them: each distinct array becomes a parameter with a
// compiler-made name, each arena tensor a base offset computed once from the symbols, whose
// values every kernel takes as its first parameters (`sym_N`, `sym_S`).

import { constValue, isConstSize, type SymSize } from '../../ir/sym-size.ts';
import type { BufferRef, Extent } from '../kernels.ts';

/** How a kernel reaches a buffer's array: by value (input, constant, output) or in the arena. */
export type ArrayKey = `input:${number}` | `const:${number}` | `packed:${number}` | 'arena' | 'scratch' | `output:${number}`;

export function arrayKey(ref: BufferRef): ArrayKey {
  switch (ref.kind) {
    case 'input': return `input:${ref.index}`;
    case 'const': return `const:${ref.index}`;
    case 'arena': return 'arena';
    case 'output': return `output:${ref.index}`;
  }
}

/** The JS variable holding a symbol's value (symbols are identifiers: ir/names.ts). */
export function symbolVar(symbol: string): string {
  return `sym_${symbol}`;
}

/** `3 * sym_N + 10`, `sym_N * sym_S`, `784`: an extent as a JS expression over the symbols. */
export function renderExtent(extent: Extent): string {
  if (isConstSize(extent)) return String(constValue(extent));
  return [...extent].reverse().map((term) => {
    const factors = term.symbols.map(symbolVar);
    return (term.coeff === 1 ? factors : [String(term.coeff), ...factors]).join(' * ');
  }).join(' + ');
}

/** `a + b` with literal zeros folded away. */
export function plus(...terms: readonly string[]): string {
  const kept = terms.filter((t) => t !== '0' && t !== '');
  return kept.length === 0 ? '0' : kept.join(' + ');
}

/** `a * s` with literal 0 and 1 folded; a symbolic stride is rendered over the symbols. */
export function times(term: string, stride: number | SymSize): string {
  if (typeof stride !== 'number') {
    if (isConstSize(stride)) return times(term, constValue(stride));
    if (term === '0') return '0';
    const rendered = renderExtent(stride);
    const factor = rendered.includes('+') ? `(${rendered})` : rendered;
    if (term === '1') return factor;
    return /^[A-Za-z0-9_]+$/.test(term) ? `${term} * ${factor}` : `(${term}) * ${factor}`;
  }
  if (stride === 0 || term === '0') return '0';
  if (stride === 1) return term;
  return /^[A-Za-z0-9_]+$/.test(term) ? `${term} * ${stride}` : `(${term}) * ${stride}`;
}

export class KernelScope {
  /** The program's symbols, passed to every kernel in this order. */
  constructor(private readonly symbols: readonly string[] = []) {}

  readonly params: { readonly name: string; readonly key: ArrayKey }[] = [];
  readonly prologue: string[] = [];
  /** Compile-time tables (gather maps, resize taps), made once beside the kernel function. */
  readonly statics: string[] = [];
  /** Floats of the bundle's shared scratch array this kernel uses (a padded conv input). */
  scratchSize = 0;
  private readonly bases = new Map<string, string>();
  private accumulatorSize = 0;

  /** The parameter holding `key`'s array. */
  array(key: ArrayKey): string {
    const known = this.params.find((p) => p.key === key);
    if (known !== undefined) return known.name;
    const [kind, index = ''] = key.split(':');
    const prefix = { input: 'in', const: 'c', packed: 'wp', arena: 'arena', scratch: 'scratch', output: 'out' }[kind ?? ''] ?? 'buf';
    const name = kind === 'arena' || kind === 'scratch' ? prefix : `${prefix}${index}`;
    this.params.push({ name, key });
    return name;
  }

  /** The array and the base offset of a buffer (a literal 0 unless it lives in the arena). */
  use(ref: BufferRef): { array: string; base: string } {
    const array = this.array(arrayKey(ref));
    if (ref.kind !== 'arena') return { array, base: '0' };
    const offset = renderExtent(ref.offset);
    if (/^\d+$/.test(offset)) return { array, base: offset };
    const known = this.bases.get(offset);
    if (known !== undefined) return { array, base: known };
    const name = `at${this.bases.size}`;
    this.bases.set(offset, name);
    this.prologue.push(`const ${name} = ${offset};`);
    return { array, base: name };
  }

  /** A constant integer or number table beside the function; returns its name. */
  table(name: string, values: readonly number[], kind: 'Int32Array' | 'Float64Array'): string {
    this.statics.push(`const ${name} = ${kind}.from([${values.join(', ')}]);`);
    return name;
  }

  /**
   * A Float64Array of `size` running sums beside the function, for register blocks that sum
   * in memory (codegen/js/kernel-linear.ts); returns its name.
   */
  accumulators(size: number): string {
    if (this.accumulatorSize === 0) this.statics.push(`const acc = new Float64Array(${size});`);
    else if (size !== this.accumulatorSize) throw new Error('internal: one kernel asked for two accumulator sizes');
    this.accumulatorSize = size;
    return 'acc';
  }

  /** The shared scratch array, at least `size` floats long; kernels use it one at a time. */
  scratch(size: number): string {
    this.scratchSize = Math.max(this.scratchSize, size);
    return this.array('scratch');
  }

  signature(fn: string): string {
    return `function ${fn}(${[...this.symbols.map(symbolVar), ...this.params.map((p) => p.name)].join(', ')})`;
  }
}
