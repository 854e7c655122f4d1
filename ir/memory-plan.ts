// The memory plan: where every intermediate tensor lives in one arena. Computed by the
// plan-memory pass (src/passes/plan-memory.ts) on the final graph; backends only read it.
//
// Sizes and offsets are polynomials in the symbolic dims (ir/sym-size.ts), so one plan serves
// every binding: a tensor of `128*N*S` elements lives in the region of the monomial N*S, at a
// multiple of N*S; regions follow one another (symbolic ones first, the static one last).

import { evaluateSymSize, type SymSize } from './sym-size.ts';

/** A count of f32 elements, a polynomial in the symbols (`784*N + 10`). */
export type PlanSize = SymSize;

export interface ArenaSlot {
  /** Offset in f32 elements from the start of the arena. */
  readonly offset: PlanSize;
  /** Size in f32 elements. */
  readonly size: PlanSize;
  /**
   * Set when the value overwrites one of its operands' storage in place (an elementwise op
   * whose operand dies here, or a reshape/flatten that only relabels its operand): the
   * operand's name. Such a slot has the operand's offset.
   */
  readonly inPlaceOf?: string;
}

export interface MemoryPlan {
  /**
   * A slot for every node value that is neither a `const` nor a graph output (outputs are
   * written straight into the result arrays; graph inputs are read from the feeds).
   */
  readonly slots: ReadonlyMap<string, ArenaSlot>;
  /** Total arena size. */
  readonly arenaSize: PlanSize;
  /** The largest total size of the tensors live at one time (arenaSize >= peak). */
  readonly peak: PlanSize;
}

/** The size for concrete symbol values; a number binds every symbol to it (one batch). */
export function evaluateSize(size: PlanSize, dims: number | ReadonlyMap<string, number>): number {
  if (typeof dims !== 'number') return evaluateSymSize(size, dims);
  return size.reduce((total, term) => total + term.coeff * dims ** term.symbols.length, 0);
}
