// Registers fusegraph's file front ends with the model loader: `.onnx` (ONNX import) and
// `.json` (fusegraph's JSON model format, weights inline or in a sidecar beside the file).
// Importing this module once is enough; every verb then reads these formats.

import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { CompileError } from '../../ir/errors.ts';
import type { Graph } from '../../ir/graph.ts';
import { registerLoader } from '../load-model.ts';
import { importOnnx } from './onnx/import.ts';
import { readJsonModel } from './json-model/read.ts';

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new CompileError(`cannot read the file (${error instanceof Error ? error.message : String(error)})`, { file: path });
  }
}

export async function loadOnnx(path: string): Promise<Graph> {
  return importOnnx(readBytes(path), { file: path });
}

export async function loadJsonModel(path: string): Promise<Graph> {
  const text = new TextDecoder().decode(readBytes(path));
  return readJsonModel(text, {
    readSidecar(file) {
      // The sidecar sits beside the model; an absolute path in a model file is refused so a
      // downloaded model cannot make fusegraph read arbitrary files.
      if (isAbsolute(file)) throw new CompileError(`the weights file must be a path relative to the model, got ${JSON.stringify(file)}`);
      return readBytes(join(dirname(path), file));
    },
  });
}

registerLoader('.onnx', loadOnnx);
registerLoader('.json', loadJsonModel);
