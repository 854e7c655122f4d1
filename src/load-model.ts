// Loads a model file into a verified graph, choosing the front end by file extension.
// .onnx, .json and .ir files are data; .ts/.js modules are code (they run with the user's
// rights) and export a Graph as their default export. tsx is loaded only for .ts modules.

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompileError } from '../ir/errors.ts';
import type { Graph } from '../ir/graph.ts';
import { fixDims } from '../ir/fix-dims.ts';
import { verifyGraphOrThrow } from '../ir/verify.ts';
import { graphFromBytes, graphFromFile, type DataFormat, type FromBytesOptions } from './frontends/index.ts';

export type { DataFormat, FromBytesOptions };
/**
 * What a caller may fix while loading: `dims` fixes symbols (ONNX at import, where shape
 * arithmetic benefits), `inputValues` pins ONNX inputs to values (`--input-value`),
 * `inputShapes` gives inputs whole shapes (`--input-shape`).
 */
export interface LoadModelOptions {
  readonly dims?: Readonly<Record<string, number>>;
  readonly inputValues?: Readonly<Record<string, readonly number[]>>;
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
}
export type ModelLoader = (path: string, options?: LoadModelOptions) => Promise<Graph>;

function isGraph(value: unknown): value is Graph {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate['name'] === 'string' && Array.isArray(candidate['inputs'])
    && Array.isArray(candidate['nodes']) && Array.isArray(candidate['outputs']);
}

type TsImport = (specifier: string, parent: string) => Promise<unknown>;

/** tsx, imported on first use: most users never load a .ts model, and tsx is an optional peer. */
async function tsImporter(): Promise<TsImport> {
  const specifier = 'tsx/esm/api';
  try {
    const api = (await import(specifier)) as { tsImport: TsImport };
    return api.tsImport;
  } catch (error) {
    throw new CompileError(`loading a .ts model needs the tsx package (npm install -D tsx), or compile the model to .js first (${error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error)})`);
  }
}

/**
 * Imports a model module. TypeScript goes through tsx's tsImport, which also compiles a .ts
 * file that sits outside an ES-module package (as CommonJS: its exports then arrive wrapped
 * in `default`), where a plain import() of it fails on a require() cycle.
 */
async function loadModule(path: string, options: LoadModelOptions = {}): Promise<Graph> {
  if (Object.keys(options.inputValues ?? {}).length > 0) throw new CompileError('--input-value applies to ONNX models, not to a model module');
  if (Object.keys(options.inputShapes ?? {}).length > 0) throw new CompileError('--input-shape applies to ONNX models, not to a model module');
  const url = pathToFileURL(resolve(path)).href;
  // import() caches by URL: the file's modification time in the query makes an edited model
  // (the Vite dev server recompiling it) load anew. tsx's tsImport does not cache.
  const fresh = `${url}?mtime=${statSync(path).mtimeMs}`;
  const module = (/\.m?ts$/i.test(path) ? await (await tsImporter())(url, import.meta.url) : await import(fresh)) as { default?: unknown };
  const exported = module.default;
  const unwrapped = isGraph(exported) ? exported : (exported as { default?: unknown } | undefined)?.default;
  const exports = module as Record<string, unknown>;
  if (typeof exports['load'] === 'function' && typeof exports['metadata'] === 'object') {
    throw new CompileError('this is a compiled fusegraph bundle, not a model: give the model it was compiled from (`fusegraph run` runs bundles)');
  }
  if (!isGraph(unwrapped)) {
    throw new CompileError('the module must export a graph as its default export (e.g. `export default toGraph(...)`)');
  }
  return unwrapped;
}

const dataLoader = (format: DataFormat): ModelLoader => async (path, options = {}) => graphFromFile(path, format, options);

/** Front ends by file extension; each returns a graph built through the builder. */
const LOADERS: Record<string, ModelLoader> = {
  '.onnx': dataLoader('onnx'),
  '.json': dataLoader('json'),
  '.ir': dataLoader('ir'),
  '.ts': loadModule,
  '.mts': loadModule,
  '.js': loadModule,
  '.mjs': loadModule,
};

/** The extensions loadModel() reads. */
export function modelExtensions(): string[] {
  return Object.keys(LOADERS);
}

/** Lets another front end claim an extension. */
export function registerLoader(extension: string, loader: ModelLoader): void {
  LOADERS[extension] = loader;
}

/**
 * Reads a model file (by extension) and verifies the graph. `dims` fixes symbols: ONNX
 * substitutes them at import, other formats right after loading (ir/fix-dims.ts).
 */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Graph> {
  if (!existsSync(path)) throw new CompileError('file not found', { file: path });
  const extension = Object.keys(LOADERS).find((ext) => path.toLowerCase().endsWith(ext));
  const loader = extension === undefined ? undefined : LOADERS[extension];
  if (loader === undefined) {
    throw new CompileError(`unknown model format (expected one of ${Object.keys(LOADERS).join(', ')})`, { file: path });
  }
  try {
    const loaded = await loader(path, options);
    const dims = options.dims ?? {};
    const graph = extension === '.onnx' || Object.keys(dims).length === 0 ? loaded : fixDims(loaded, dims);
    verifyGraphOrThrow(graph);
    return graph;
  } catch (error) {
    if (error instanceof CompileError) throw error.withLocation({ file: path });
    throw error;
  }
}

/** Reads a model from bytes in a data format (onnx, json or ir) and verifies the graph. */
export function loadModelFromBytes(bytes: Uint8Array, format: DataFormat, options: FromBytesOptions = {}): Graph {
  try {
    const graph = graphFromBytes(bytes, format, options);
    verifyGraphOrThrow(graph);
    return graph;
  } catch (error) {
    if (error instanceof CompileError && options.file !== undefined) throw error.withLocation({ file: options.file });
    throw error;
  }
}
