// Running compiled bundles from the CLI: a bundle's files are written to a temporary folder
// and its entry imported as a real ES module, exactly as users load it; a bundle already on
// disk (`fusegraph run model.mjs`) is imported where it is.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompileError } from '../../ir/errors.ts';
import type { TypedFeeds } from '../../ir/interpret.ts';
import type { DType } from '../../ir/types.ts';
import type { CompiledBundle } from '../compile.ts';
import { gpuDevice } from './gpu-device.ts';

export type Outputs = Record<string, Float32Array>;

export interface BundleMetadata {
  readonly name: string;
  readonly target?: string;
  readonly inputs: readonly { readonly name: string; readonly shape: readonly (number | string)[]; readonly dtype?: DType }[];
  readonly outputs: readonly { readonly name: string; readonly shape: readonly (number | string)[] }[];
}

export interface Session {
  readonly metadata: BundleMetadata;
  /** `dims`: the symbols' values (bundles of one batch symbol ignore them). */
  run(feeds: TypedFeeds, dims?: Readonly<Record<string, number>>): Promise<Outputs>;
  /** The JS target's synchronous entry point, which benchmarks prefer (no promise per call). */
  readonly runSync?: (feeds: TypedFeeds) => Outputs;
  /** The wasm bundle's thread count and why (other targets report none). */
  readonly threads?: number;
  readonly threadsReason?: string;
  dispose(): void;
}

/** How to load a bundle: `threads` is passed to a wasm bundle's `load({ threads })`. */
export interface OpenOptions {
  readonly threads?: number;
}

interface BundleModule {
  readonly metadata?: BundleMetadata;
  readonly run?: (feeds: TypedFeeds) => Outputs;
  readonly load?: (options?: object) => Promise<{
    run(feeds: TypedFeeds, dims?: Readonly<Record<string, number>>): Promise<Outputs>;
    dispose(): void;
    readonly threads?: number;
    readonly threadsReason?: string;
  }>;
}

function isBundle(module: BundleModule): boolean {
  return typeof module.load === 'function' && typeof module.metadata === 'object' && module.metadata !== null;
}

async function open(entry: string, cleanup: () => void, gpu: boolean, openOptions: OpenOptions = {}): Promise<Session> {
  const module = (await import(pathToFileURL(entry).href)) as BundleModule;
  if (!isBundle(module) || module.load === undefined || module.metadata === undefined) {
    cleanup();
    throw new CompileError('not a fusegraph bundle: it exports no `metadata` and `load`', { file: entry });
  }
  const options = gpu ? { device: await gpuDevice() } : openOptions.threads !== undefined ? { threads: openOptions.threads } : {};
  const loaded = await module.load(options);
  const runSync = module.run;
  return {
    metadata: module.metadata,
    run: (feeds, dims) => loaded.run(feeds, dims),
    ...(runSync !== undefined ? { runSync: (feeds: TypedFeeds) => runSync(feeds) } : {}),
    ...(typeof loaded.threads === 'number' ? { threads: loaded.threads } : {}),
    ...(typeof loaded.threadsReason === 'string' ? { threadsReason: loaded.threadsReason } : {}),
    dispose() {
      loaded.dispose();
      cleanup();
    },
  };
}

/** Whether a .js/.mjs file is a compiled bundle (rather than a model definition). */
export function isBundleFile(path: string): boolean {
  if (!/\.m?js$/i.test(path) || !existsSync(path)) return false;
  const source = readFileSync(path, 'utf8');
  return /^export const metadata\b/m.test(source) && /^export (async )?function load\b/m.test(source);
}

/** A bundle on disk; a WGSL bundle (it says so in its header) gets a WebGPU device. */
export function openBundleFile(path: string): Promise<Session> {
  const gpu = readFileSync(path, 'utf8').includes('fusegraph WGSL bundle');
  return open(resolve(path), () => undefined, gpu);
}

/** Writes a freshly compiled bundle to a temporary folder and loads it. */
export function openCompiled(bundle: CompiledBundle, target: string, options: OpenOptions = {}): Promise<Session> {
  const dir = mkdtempSync(join(tmpdir(), 'fusegraph-run-'));
  for (const file of bundle.files) writeFileSync(join(dir, file.name), file.contents);
  return open(join(dir, bundle.entry), () => rmSync(dir, { recursive: true, force: true }), target === 'wgsl', options);
}
