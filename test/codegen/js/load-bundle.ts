// Test helper: writes a bundle's files to a fresh temp directory and imports its entry as a
// real ES module (the way users load it), returning the module's exports.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * One temporary folder holds every bundle written, a subfolder each. Tests remove it after
 * each file (test/support/remove-bundles.ts, a vitest setup file); scripts when they exit.
 */
let root: string | undefined;
let count = 0;

function bundleRoot(): string {
  if (root === undefined) {
    root = mkdtempSync(join(tmpdir(), 'fusegraph-js-'));
    process.once('exit', removeWrittenBundles);
  }
  return root;
}

/** Removes every bundle written so far (modules already imported stay loaded). */
export function removeWrittenBundles(): void {
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  root = undefined;
}

/** Writes the files into a fresh folder; returns the folder. */
export function writeBundle(bundle: BundleFiles): string {
  const dir = join(bundleRoot(), String(count++));
  mkdirSync(dir);
  for (const file of bundle.files) writeFileSync(join(dir, file.name), file.contents);
  return dir;
}

export async function importBundle(bundle: BundleFiles): Promise<BundleModule> {
  const dir = writeBundle(bundle);
  return (await import(/* @vite-ignore */ pathToFileURL(join(dir, bundle.entry)).href)) as BundleModule;
}
