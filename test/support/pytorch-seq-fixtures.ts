// The committed PyTorch sequence-model exports (test/fixtures/pytorch-seq: LayerNorm/GELU
// MLPs, nn.MultiheadAttention both batch layouts, nn.TransformerEncoderLayer post- and
// pre-norm with ReLU and GELU) as the tests read them, with issue 12's measure of agreement.

import { readdirSync, readFileSync } from 'node:fs';
import type { Graph } from '../../ir/graph.ts';
import type { PytorchIo } from './pytorch-cnn-fixtures.ts';

export { relativeError } from './pytorch-cnn-fixtures.ts';

export const PYTORCH_SEQ_DIR = new URL('../fixtures/pytorch-seq/', import.meta.url);

export const PYTORCH_SEQ_MODELS: readonly string[] = readdirSync(PYTORCH_SEQ_DIR)
  .filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -'.onnx'.length)).sort();

/**
 * max |fusegraph − PyTorch| / max |PyTorch| per output. 1e-4 is the brief's bar; measured
 * agreement is ~2e-7 (interpreter) to ~1e-6 (WASM's f32 attention accumulators).
 */
export const MAX_SEQ_RELATIVE_ERROR = 1e-4;

export function readPytorchSeq(name: string): { bytes: Uint8Array; io: PytorchIo } {
  return {
    bytes: readFileSync(new URL(`${name}.onnx`, PYTORCH_SEQ_DIR)),
    io: JSON.parse(readFileSync(new URL(`${name}.io.json`, PYTORCH_SEQ_DIR), 'utf8')) as PytorchIo,
  };
}

/** The recorded input as the model's input type takes it (token ids as an Int32Array). */
export function recordedFeed(graph: Graph, io: PytorchIo): Record<string, Float32Array | Int32Array> {
  const dtype = graph.inputs.find((input) => input.name === io.input.name)?.type.dtype ?? 'f32';
  return { [io.input.name]: dtype === 'f32' ? Float32Array.from(io.input.data) : Int32Array.from(io.input.data) };
}
