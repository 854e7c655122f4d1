// Where `fusegraph compile` writes a bundle and what it may overwrite. `-o` names a folder
// (the bundle is named after the model file: model.onnx → model.mjs) or a file ending in .mjs
// (its stem names the bundle). Each module's first line records the model it was compiled
// from (its file name and a hash of its full path, which stays private), so compiling a
// second model whose bundle would have the same name is refused unless --force, while
// recompiling the same model replaces its bundle.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { CompileError } from '../../ir/errors.ts';
import { commentLine } from '../../codegen/namer.ts';
import type { EmittedFile } from '../../codegen/target.ts';

const SOURCE_MARK = '// fusegraph: compiled from ';

export interface OutputPlace {
  readonly dir: string;
  /** The bundle's file-name stem. */
  readonly stem: string;
}

/** The folder and stem for `-o` (folder or .mjs file) and `--name`. */
export function outputPlace(model: string, out: string, name: string | undefined): OutputPlace {
  const fromFile = /\.mjs$/i.test(out) ? basename(out).slice(0, -'.mjs'.length) : undefined;
  if (fromFile !== undefined && name !== undefined && name !== fromFile) {
    throw new CompileError(`-o ${out} names the bundle '${fromFile}' and --name names it '${name}'; give one of them`);
  }
  const stem = name ?? fromFile ?? basename(model, extname(model));
  return { dir: resolve(fromFile !== undefined ? dirname(out) : out), stem };
}

/** The model as the bundle records it: file name (escaped, it is outside text) and path hash. */
function sourceLine(model: string): string {
  const id = createHash('sha256').update(resolve(model)).digest('hex').slice(0, 16);
  return `${SOURCE_MARK}${commentLine(basename(model))} (path hash ${id})`;
}

/** The module with a first line naming the model it was compiled from. */
export function markSource(module: string, model: string): string {
  return `${sourceLine(model)}\n${module}`;
}

/** Refuses to overwrite a module that another model (or not fusegraph) wrote, unless forced. */
export function checkOverwrite(entryPath: string, model: string, force: boolean): void {
  if (force || !existsSync(entryPath)) return;
  const firstLine = readFileSync(entryPath, 'utf8').split('\n', 1)[0] ?? '';
  if (firstLine === sourceLine(model)) return;
  const holder = firstLine.startsWith(SOURCE_MARK) ? `the bundle of another ${firstLine.slice(SOURCE_MARK.length).replace(/ \(path hash \w+\)$/, '')}` : 'a file fusegraph did not write for this model';
  throw new CompileError(`${entryPath} already holds ${holder}; choose another name (--name, or -o name.mjs) or pass --force to replace it`);
}

/** Writes every file under a temporary name first, then renames them all. */
export function writeBundleFiles(dir: string, files: readonly EmittedFile[]): string[] {
  mkdirSync(dir, { recursive: true });
  const staged: { temp: string; final: string }[] = [];
  try {
    for (const file of files) {
      const final = join(dir, file.name);
      const temp = `${final}.${process.pid}.tmp`;
      staged.push({ temp, final });
      writeFileSync(temp, file.contents);
    }
    for (const { temp, final } of staged) renameSync(temp, final);
  } catch (error) {
    for (const { temp } of staged) rmSync(temp, { force: true });
    throw error;
  }
  return staged.map(({ final }) => final);
}

/** "12.3 kB" style sizes for the compile report. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${(bytes / 1e6).toFixed(2)} MB`;
}
