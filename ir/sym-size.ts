// Sizes that depend on the symbolic dims: polynomials in the symbols with integer
// coefficients (`128*N*S + 64`). Every tensor's element count is one monomial (a product of
// dims); sums appear in arena offsets and totals. One representation serves the memory plan
// (ir/memory-plan.ts) and every backend's loop bounds (codegen/kernels.ts `Extent`).

/** One term: coeff · product of `symbols` (sorted, repeats allowed: S·S is ['S', 'S']). */
export interface SizeTerm {
  readonly coeff: number;
  readonly symbols: readonly string[];
}

/**
 * A canonical polynomial: terms sorted by monomial (the constant term first), no zero
 * coefficients, no repeated monomial. Zero is the empty list.
 */
export type SymSize = readonly SizeTerm[];

export const ZERO_SIZE: SymSize = [];

/** The monomial's key: `N*S`, or '' for the constant term. */
export function monomialKey(symbols: readonly string[]): string {
  return symbols.join('*');
}

function compareMonomials(a: readonly string[], b: readonly string[]): number {
  if (a.length !== b.length) return a.length - b.length;
  const ka = monomialKey(a);
  const kb = monomialKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Sorts and merges terms into the canonical form. */
export function normalizeSize(terms: readonly SizeTerm[]): SymSize {
  const merged = new Map<string, SizeTerm>();
  for (const term of terms) {
    const symbols = [...term.symbols].sort();
    const key = monomialKey(symbols);
    const known = merged.get(key);
    merged.set(key, { coeff: (known?.coeff ?? 0) + term.coeff, symbols });
  }
  return [...merged.values()].filter((t) => t.coeff !== 0).sort((a, b) => compareMonomials(a.symbols, b.symbols));
}

export function constSize(value: number): SymSize {
  return value === 0 ? [] : [{ coeff: value, symbols: [] }];
}

export function symbolSize(symbol: string): SymSize {
  return [{ coeff: 1, symbols: [symbol] }];
}

export function addSizes(...sizes: readonly SymSize[]): SymSize {
  return normalizeSize(sizes.flat());
}

export function scaleSize(size: SymSize, factor: number): SymSize {
  return normalizeSize(size.map((t) => ({ coeff: t.coeff * factor, symbols: t.symbols })));
}

export function mulSizes(...sizes: readonly SymSize[]): SymSize {
  let result: SymSize = constSize(1);
  for (const size of sizes) {
    const terms: SizeTerm[] = [];
    for (const a of result) for (const b of size) terms.push({ coeff: a.coeff * b.coeff, symbols: [...a.symbols, ...b.symbols] });
    result = normalizeSize(terms);
  }
  return result;
}

/**
 * The size of one dim: a number, a symbol, or a monomial written `4*N`, `N*S`, `2*N*S` (what
 * folding a batch into another axis makes: nn.MultiheadAttention's [S, N·H, D], [S·N, E]).
 */
export function dimSize(dim: number | string): SymSize {
  if (typeof dim !== 'string') return constSize(dim);
  const parts = dim.split('*');
  const head = parts[0] ?? '';
  return /^[0-9]+$/.test(head) ? normalizeSize([{ coeff: Number(head), symbols: parts.slice(1) }]) : normalizeSize([{ coeff: 1, symbols: parts }]);
}

/**
 * A size as one dim: a positive number, a symbol, or a monomial `c*X*Y` with a positive
 * coefficient; undefined for anything else (sums, negative or zero coefficients).
 */
export function sizeAsDim(size: SymSize): number | string | undefined {
  const [term] = size;
  if (size.length !== 1 || term === undefined || !Number.isSafeInteger(term.coeff) || term.coeff < 1) return undefined;
  if (term.symbols.length === 0) return term.coeff;
  const product = term.symbols.join('*');
  return term.coeff === 1 ? product : `${term.coeff}*${product}`;
}

/** The element count of a shape: one monomial. */
export function shapeSize(shape: readonly (number | string)[]): SymSize {
  return mulSizes(...shape.map(dimSize));
}

export function isConstSize(size: SymSize): boolean {
  return size.every((t) => t.symbols.length === 0);
}

/** The value of a size without symbols (0 for zero); throws on a symbolic one. */
export function constValue(size: SymSize): number {
  if (!isConstSize(size)) throw new Error(`internal: size ${formatSize(size)} is not a constant`);
  return size[0]?.coeff ?? 0;
}

/** The coefficient of one monomial (0 if absent). */
export function coefficientOf(size: SymSize, symbols: readonly string[]): number {
  const key = monomialKey([...symbols].sort());
  return size.find((t) => monomialKey(t.symbols) === key)?.coeff ?? 0;
}

export function sameSize(a: SymSize, b: SymSize): boolean {
  return a.length === b.length && a.every((t, i) => t.coeff === b[i]?.coeff && monomialKey(t.symbols) === monomialKey(b[i]?.symbols ?? []));
}

/** The symbols a size mentions, sorted, each once. */
export function sizeSymbols(size: SymSize): string[] {
  return [...new Set(size.flatMap((t) => t.symbols))].sort();
}

/** The value for concrete symbol values; throws when a symbol is unbound. */
export function evaluateSymSize(size: SymSize, dims: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const term of size) {
    let value = term.coeff;
    for (const symbol of term.symbols) {
      const bound = dims.get(symbol);
      if (bound === undefined) throw new Error(`internal: symbol ${symbol} is not bound`);
      value *= bound;
    }
    total += value;
  }
  return total;
}

/**
 * `size / divisor` when it divides exactly as polynomials and the divisor is one monomial
 * (what reshape's -1 needs); undefined otherwise.
 */
export function divideSize(size: SymSize, divisor: SymSize): SymSize | undefined {
  const [d] = divisor;
  if (d === undefined || divisor.length !== 1) return undefined;
  const terms: SizeTerm[] = [];
  for (const term of size) {
    const rest = [...term.symbols];
    for (const symbol of d.symbols) {
      const at = rest.indexOf(symbol);
      if (at < 0) return undefined;
      rest.splice(at, 1);
    }
    if (term.coeff % d.coeff !== 0) return undefined;
    terms.push({ coeff: term.coeff / d.coeff, symbols: rest });
  }
  return normalizeSize(terms);
}

/** `128*N*S + 64`, `N`, `0`: readable, and stable for tests and comments. */
export function formatSize(size: SymSize): string {
  if (size.length === 0) return '0';
  return size.map((t) => {
    if (t.symbols.length === 0) return String(t.coeff);
    const product = t.symbols.join('*');
    return t.coeff === 1 ? product : `${t.coeff}*${product}`;
  }).reverse().join(' + ');
}
