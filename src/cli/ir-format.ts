// The non-text forms of `fusegraph ir`: fusegraph's JSON model format (weights inline, or
// with -o in a .safetensors or .bin sidecar beside the JSON) and Graphviz DOT.

import { basename, dirname, join } from 'node:path';
import { CompileError } from '../../ir/errors.ts';
import type { Graph } from '../../ir/graph.ts';
import { printGraph } from '../../ir/print.ts';
import { writeJsonModel, type WeightStorage } from '../frontends/json-model/write.ts';
import { writeFilesAtomically } from './atomic-write.ts';
import { graphToDot } from './dot-format.ts';

export type IrFormat = 'text' | 'json' | 'dot';

export function parseIrFormat(text: string | undefined): IrFormat {
  if (text === undefined || text === 'text' || text === 'json' || text === 'dot') return text ?? 'text';
  throw new CompileError(`--format must be text, json or dot, got '${text}'`);
}

export interface IrOutputOptions {
  readonly full: boolean;
  /** Where to write (JSON: plus its sidecar); stdout when absent. */
  readonly output?: string;
  /** Sidecar kind for JSON written with -o and --full: safetensors (default), bin or inline. */
  readonly sidecar?: string;
}

function storageFor(options: IrOutputOptions): WeightStorage {
  if (!options.full) return { kind: 'elided' };
  const sidecar = options.sidecar ?? (options.output === undefined ? 'inline' : 'safetensors');
  if (sidecar === 'inline') return { kind: 'inline' };
  if (sidecar !== 'safetensors' && sidecar !== 'bin') throw new CompileError(`--sidecar must be safetensors, bin or inline, got '${sidecar}'`);
  if (options.output === undefined) throw new CompileError(`--sidecar ${sidecar} needs -o FILE (the sidecar is written beside it)`);
  return { kind: sidecar, file: `${basename(options.output).replace(/\.json$/i, '')}.${sidecar}` };
}

/** The options that are set, for passing on under exactOptionalPropertyTypes. */
export function pick<T extends object, K extends keyof T>(from: T, ...keys: K[]): { [P in K]?: Exclude<T[P], undefined> } {
  const out: { [P in K]?: Exclude<T[P], undefined> } = {};
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key] as Exclude<T[K], undefined>;
  return out;
}

/** Writes the graph as text, JSON or DOT to stdout or to `output` (atomically, sidecar included). */
export function emitGraph(graph: Graph, format: IrFormat, options: IrOutputOptions): void {
  const files: { path: string; contents: string | Uint8Array }[] = [];
  let text: string;
  if (format === 'dot') {
    text = graphToDot(graph);
  } else if (format === 'text') {
    text = printGraph(graph, { weights: options.full ? 'full' : 'elided' });
  } else {
    const storage = storageFor(options);
    const written = writeJsonModel(graph, storage);
    text = written.json;
    if (written.sidecar !== undefined && options.output !== undefined && 'file' in storage) {
      files.push({ path: join(dirname(options.output), storage.file), contents: written.sidecar });
    }
  }
  if (options.output === undefined) {
    process.stdout.write(text);
    return;
  }
  writeFilesAtomically([...files, { path: options.output, contents: text }]);
}
