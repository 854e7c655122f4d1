// fusegraph's data front ends by format: `.onnx` (ONNX import), `.json` (fusegraph's JSON
// model format, weights inline or in a sidecar beside the file) and `.ir` (IR text). Each
// reads a file or bytes; src/load-model.ts picks one by extension.

import { readFileSync } from 'node:fs';
import { CompileError } from '../../ir/errors.ts';
import type { Graph } from '../../ir/graph.ts';
import { parseGraph } from '../../ir/parse.ts';
import { importOnnx } from './onnx/import.ts';
import { readJsonModel } from './json-model/read.ts';
import { sidecarPath } from './sidecar-path.ts';

/** The model formats that are data (as opposed to .ts/.js modules, which are code). */
export type DataFormat = 'onnx' | 'json' | 'ir';

export interface FromBytesOptions {
  /** A file name for error messages. */
  readonly file?: string;
  /** For JSON models whose weights are in a sidecar: its bytes, by the name the model gives. */
  readonly readSidecar?: (file: string) => Uint8Array;
  /** ONNX: symbols fixed at import (see ImportOnnxOptions.dims); other formats ignore it. */
  readonly dims?: Readonly<Record<string, number>>;
  /** ONNX only: inputs fixed at compile time (see ImportOnnxOptions.inputValues). */
  readonly inputValues?: Readonly<Record<string, readonly number[]>>;
  /** ONNX only: shapes for inputs with symbolic dims (see ImportOnnxOptions.inputShapes). */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new CompileError(`cannot read the file (${error instanceof Error ? error.message : String(error)})`, { file: path });
  }
}

/** A model from bytes already in memory, in a data format. */
export function graphFromBytes(bytes: Uint8Array, format: DataFormat, options: FromBytesOptions = {}): Graph {
  const location = options.file === undefined ? {} : { file: options.file };
  if (format !== 'onnx' && Object.keys(options.inputValues ?? {}).length > 0) {
    throw new CompileError(`--input-value applies to ONNX models; a ${format} model fixes values in the model itself`);
  }
  if (format !== 'onnx' && Object.keys(options.inputShapes ?? {}).length > 0) {
    throw new CompileError(`--input-shape applies to ONNX models; a ${format} model declares its shapes itself`);
  }
  switch (format) {
    case 'onnx':
      return importOnnx(bytes, {
        ...location,
        ...(options.dims !== undefined ? { dims: options.dims } : {}),
        ...(options.inputValues !== undefined ? { inputValues: options.inputValues } : {}),
        ...(options.inputShapes !== undefined ? { inputShapes: options.inputShapes } : {}),
      });
    case 'json':
      return readJsonModel(new TextDecoder().decode(bytes), {
        readSidecar: options.readSidecar ?? ((file) => {
          throw new CompileError(`the model keeps its weights in ${JSON.stringify(file)}; load it from a path, or pass readSidecar`);
        }),
      });
    case 'ir':
      return parseGraph(new TextDecoder().decode(bytes), location);
    default: {
      const never: never = format;
      throw new CompileError(`unknown model format '${String(never)}' (expected onnx, json or ir)`);
    }
  }
}

/** A data-format model file; a JSON model's sidecar must lie inside the model's folder. */
export function graphFromFile(path: string, format: DataFormat, options: Pick<FromBytesOptions, 'inputValues' | 'dims' | 'inputShapes'> = {}): Graph {
  return graphFromBytes(readBytes(path), format, {
    ...options,
    file: path,
    readSidecar: (file) => readBytes(sidecarPath(path, file)),
  });
}

export async function loadOnnx(path: string): Promise<Graph> {
  return graphFromFile(path, 'onnx');
}

export async function loadJsonModel(path: string): Promise<Graph> {
  return graphFromFile(path, 'json');
}
