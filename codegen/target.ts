// What every backend's emitter takes and returns, so src/compile.ts can keep one table of
// targets: an optimized graph and its memory plan in, a list of bundle files out.

import type { Graph } from '../ir/graph.ts';
import type { MemoryPlan } from '../ir/memory-plan.ts';

export interface EmittedFile {
  /** A plain file name (no directories), made by the compiler. */
  readonly name: string;
  readonly contents: string | Uint8Array;
}

export interface EmitOptions {
  /** Weights inside the module (default) or in a file next to it. */
  readonly weights?: 'embed' | 'external';
}

export interface EmittedBundle {
  /** The file to import. */
  readonly entry: string;
  readonly files: EmittedFile[];
}

export type TargetEmitter = (graph: Graph, plan: MemoryPlan, options: EmitOptions) => EmittedBundle;
