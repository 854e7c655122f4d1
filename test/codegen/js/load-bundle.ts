// Test helper: writes a bundle's files to a fresh temp directory and imports its entry as a
// real ES module (the way users load it), returning the module's exports.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface BundleModule {
  readonly metadata: { name: string; inputs: { name: string; shape: (number | string)[] }[]; outputs: { name: string; shape: (number | string)[] }[] };
  run(feeds: Record<string, Float32Array>, dims?: Record<string, number>): Record<string, Float32Array>;
  load(options?: object): Promise<{ run(feeds: Record<string, Float32Array>): Promise<Record<string, Float32Array>>; dispose(): void }>;
}

export interface BundleFiles {
  readonly entry: string;
  readonly files: readonly { readonly name: string; readonly contents: string | Uint8Array }[];
}

/** Writes the files; returns the directory. */
export function writeBundle(bundle: BundleFiles): string {
  const dir = mkdtempSync(join(tmpdir(), 'fusegraph-js-'));
  for (const file of bundle.files) writeFileSync(join(dir, file.name), file.contents);
  return dir;
}

export async function importBundle(bundle: BundleFiles): Promise<BundleModule> {
  const dir = writeBundle(bundle);
  return (await import(/* @vite-ignore */ pathToFileURL(join(dir, bundle.entry)).href)) as BundleModule;
}
