// Where a JSON model's weights sidecar may live: inside the model's own folder. A model file
// is data from elsewhere, so its "weights" path must not reach other files: absolute paths,
// `..` escapes and symbolic links that lead out of the folder are all refused.

import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { CompileError } from '../../ir/errors.ts';

function inside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * The real path of the sidecar `file` named by the model at `modelPath`, checked to lie
 * inside the model's folder both as written and after resolving symbolic links.
 */
export function sidecarPath(modelPath: string, file: string): string {
  const shown = JSON.stringify(file);
  if (isAbsolute(file) || /^[a-zA-Z]:|^[\\/]/.test(file)) {
    throw new CompileError(`the weights file must be a path relative to the model, got ${shown}`);
  }
  const folder = dirname(resolve(modelPath));
  const candidate = resolve(folder, file);
  if (!inside(folder, candidate)) {
    throw new CompileError(`the weights file ${shown} is outside the model's folder (a model may only name files beside it or below it)`);
  }
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch (error) {
    throw new CompileError(`cannot read the weights file ${shown} (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!inside(realpathSync(folder), real)) {
    throw new CompileError(`the weights file ${shown} is a symbolic link that leads outside the model's folder`);
  }
  return real;
}
