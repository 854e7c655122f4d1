// The memory plan: where every intermediate tensor lives in one arena. Computed by the
// plan-memory pass (src/passes/plan-memory.ts) on the final graph; backends only read it.
//
// Sizes and offsets are affine in the batch so one plan serves any batch size:
// `elements = perSample * batch + fixed` (batch = the value bound to the symbolic dim).
// Batched tensors occupy the per-sample region, static ones the fixed region after it.

/** A count of f32 elements: perSample * batch + fixed. */
export interface AffineSize {
  readonly perSample: number;
  readonly fixed: number;
}

export interface ArenaSlot {
  /** Offset in f32 elements from the start of the arena. */
  readonly offset: AffineSize;
  /** Size in f32 elements. */
  readonly size: AffineSize;
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
  readonly arenaSize: AffineSize;
  /** The largest total size of the tensors live at one time (arenaSize >= peak). */
  readonly peak: AffineSize;
}

export function evaluateSize(size: AffineSize, batch: number): number {
  return size.perSample * batch + size.fixed;
}
