// Loads a model file into a verified graph, choosing the front end by file extension.
// TypeScript/JavaScript modules export a Graph as their default export.

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
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

/**
 * Imports a model module. TypeScript goes through tsx's tsImport, which also compiles a .ts
 * file that sits outside an ES-module package (as CommonJS: its exports then arrive wrapped
 * in `default`), where a plain import() of it fails on a require() cycle.
 */
async function loadModule(path: string): Promise<Graph> {
  const url = pathToFileURL(resolve(path)).href;
  const module = (/\.m?ts$/i.test(path) ? await tsImport(url, import.meta.url) : await import(url)) as { default?: unknown };
  const exported = module.default;
  const unwrapped = isGraph(exported) ? exported : (exported as { default?: unknown } | undefined)?.default;
  if (!isGraph(unwrapped)) {
    throw new CompileError('the module must export a graph as its default export (e.g. `export default toGraph(...)`)');
  }
  return unwrapped;
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
