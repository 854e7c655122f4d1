// Loads a model file into a verified graph, choosing the front end by file extension.
// TypeScript/JavaScript modules export a Graph as their default export.

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompileError } from '../ir/errors.ts';
import type { Graph } from '../ir/graph.ts';
import { parseGraph } from '../ir/parse.ts';
import { verifyGraphOrThrow } from '../ir/verify.ts';

export type ModelLoader = (path: string) => Promise<Graph>;

function isGraph(value: unknown): value is Graph {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate['name'] === 'string' && Array.isArray(candidate['inputs'])
    && Array.isArray(candidate['nodes']) && Array.isArray(candidate['outputs']);
}

async function loadModule(path: string): Promise<Graph> {
  const module = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  if (!isGraph(module.default)) {
    throw new CompileError('the module must export a graph as its default export (e.g. `export default toGraph(...)`)');
  }
  return module.default;
}

/** IR text as `fusegraph ir --full` prints it (or a hand-written fixture). */
async function loadIrText(path: string): Promise<Graph> {
  return parseGraph(readFileSync(path, 'utf8'), { file: path });
}

/** Front ends by file extension; each returns a graph built through the builder. */
const LOADERS: Record<string, ModelLoader> = {
  '.ts': loadModule,
  '.mts': loadModule,
  '.js': loadModule,
  '.mjs': loadModule,
  '.ir': loadIrText,
};

/** Lets a front end claim an extension (e.g. '.onnx'). */
export function registerLoader(extension: string, loader: ModelLoader): void {
  LOADERS[extension] = loader;
}

export async function loadModel(path: string): Promise<Graph> {
  if (!existsSync(path)) throw new CompileError('file not found', { file: path });
  const extension = Object.keys(LOADERS).find((ext) => path.toLowerCase().endsWith(ext));
  const loader = extension === undefined ? undefined : LOADERS[extension];
  if (loader === undefined) {
    throw new CompileError(`unknown model format (expected one of ${Object.keys(LOADERS).join(', ')})`, { file: path });
  }
  try {
    const graph = await loader(path);
    verifyGraphOrThrow(graph);
    return graph;
  } catch (error) {
    if (error instanceof CompileError) throw error.withLocation({ file: path });
    throw error;
  }
}
