// The committed PyTorch CNN exports (test/fixtures/pytorch-cnn) as the tests read them: the
// model names, each model's recorded batch and outputs, and issue 10's measure of agreement.

import { readdirSync, readFileSync } from 'node:fs';

export const PYTORCH_CNN_DIR = new URL('../fixtures/pytorch-cnn/', import.meta.url);

export const PYTORCH_CNN_MODELS: readonly string[] = readdirSync(PYTORCH_CNN_DIR)
  .filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -'.onnx'.length)).sort();

/**
 * The bar of issue 10: max |fusegraph − PyTorch| over an output, relative to max |PyTorch|.
 * Norm-wise, because PyTorch's own conv algorithms (Winograd, im2col with blocked sums) round
 * differently from fusegraph's sums, and a deep net carries that to every logit.
 */
export const MAX_RELATIVE_ERROR = 3e-4;

export interface Recorded { name: string; shape: number[]; data: number[] }
export interface PytorchIo { parameters: number; onnx_ops: string[]; input: Recorded; outputs: Recorded[] }

export function readPytorchCnn(name: string): { bytes: Uint8Array; io: PytorchIo } {
  return {
    bytes: readFileSync(new URL(`${name}.onnx`, PYTORCH_CNN_DIR)),
    io: JSON.parse(readFileSync(new URL(`${name}.io.json`, PYTORCH_CNN_DIR), 'utf8')) as PytorchIo,
  };
}

/** max |want − got| / max |want|; Infinity for a missing, mis-sized or NaN result. */
export function relativeError(want: readonly number[], got: Float32Array | undefined): number {
  if (got === undefined || got.length !== want.length) return Infinity;
  let scale = 0;
  let worst = 0;
  want.forEach((w, i) => {
    scale = Math.max(scale, Math.abs(w));
    worst = Math.max(worst, Math.abs(w - (got[i] ?? NaN)));
  });
  return Number.isNaN(worst) ? Infinity : worst / Math.max(scale, 1e-30);
}
