// What every backend's emitter takes and returns, so src/compile.ts can keep one table of
// targets: an optimized graph and its memory plan in, a list of bundle files out.

import type { Graph } from '../ir/graph.ts';
import type { MemoryPlan } from '../ir/memory-plan.ts';
import { sanitizeIdentifier } from './namer.ts';
import type { WeightsDtype } from './weight-storage.ts';

export interface EmittedFile {
  /** A plain file name (no directories), made by the compiler. */
  readonly name: string;
  readonly contents: string | Uint8Array;
}

export interface EmitOptions {
  /** Weights inside the module (default) or in a file next to it. */
  readonly weights?: 'embed' | 'external';
  /** How the weight image is stored (default f32); bundles widen it to f32 at load. */
  readonly weightsDtype?: WeightsDtype;
  /** The bundle's file-name stem (default: from the graph's name); see bundleFileStem. */
  readonly stem?: string;
}

export interface EmittedBundle {
  /** The file to import. */
  readonly entry: string;
  readonly files: EmittedFile[];
  /** The weights' stored size in bytes (inside the module, or in the weights file). */
  readonly weightBytes: number;
}

export type TargetEmitter = (graph: Graph, plan: MemoryPlan, options: EmitOptions) => EmittedBundle;

/**
 * A bundle's file-name stem: the given stem made safe for a file name ([A-Za-z0-9._-], no
 * leading dot or dash, at most 100 characters), or the graph's name as an identifier.
 */
export function bundleFileStem(graphName: string, stem?: string): string {
  if (stem === undefined) return sanitizeIdentifier(graphName);
  const safe = stem.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.-]+/, '').slice(0, 100);
  return safe === '' ? sanitizeIdentifier(graphName) : safe;
}

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
