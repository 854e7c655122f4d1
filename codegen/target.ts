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

/**
 * The files every bundle consists of: `<stem>.mjs`, its types as `<stem>.d.ts` and as
 * `<stem>.d.mts` (the name TypeScript pairs with an .mjs under NodeNext and bundler
 * resolution), and the weights file when they are external.
 */
export function bundleFiles(stem: string, module: string, types: string, weights?: { name: string; contents: Uint8Array }): EmittedFile[] {
  const files: EmittedFile[] = [
    { name: `${stem}.mjs`, contents: module },
    { name: `${stem}.d.ts`, contents: types },
    { name: `${stem}.d.mts`, contents: types },
  ];
  if (weights !== undefined) files.push(weights);
  return files;
}
