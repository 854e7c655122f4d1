// The committed PyTorch sequence-model exports (test/fixtures/pytorch-seq: LayerNorm/GELU
// MLPs, nn.MultiheadAttention both batch layouts, nn.TransformerEncoderLayer post- and
// pre-norm with ReLU and GELU, and the same called with a key padding mask as a second
// input; t2_*: hand-built replicas of PyTorch 2.x's exports, export_torch2_patterns.py) as the
// tests read them, with issue 12's measure of agreement.

import { readdirSync, readFileSync } from 'node:fs';
import type { FeedArray } from '../../ir/feeds.ts';
import { fixDims } from '../../ir/fix-dims.ts';
import type { Graph } from '../../ir/graph.ts';
import { dimMonomial, isMultipleDim, isSymbolic } from '../../ir/types.ts';
import { relativeError, type PytorchIo, type Recorded } from './pytorch-cnn-fixtures.ts';

export { relativeError } from './pytorch-cnn-fixtures.ts';

export const PYTORCH_SEQ_DIR = new URL('../fixtures/pytorch-seq/', import.meta.url);

export const PYTORCH_SEQ_MODELS: readonly string[] = readdirSync(PYTORCH_SEQ_DIR)
  .filter((f) => f.endsWith('.onnx')).map((f) => f.slice(0, -'.onnx'.length)).sort();

/**
 * max |fusegraph − PyTorch| / max |PyTorch| per output. 1e-4 is the brief's bar; measured
 * agreement is ~2e-7 (interpreter) to ~1e-6 (WASM's f32 attention accumulators).
 */
export const MAX_SEQ_RELATIVE_ERROR = 1e-4;

/** An input as a masked fixture records it (bool data as 0/1). */
export interface RecordedInput extends Recorded { dtype: 'f32' | 'i32' | 'bool' }

/** The fixture's io.json; masked fixtures list every input under `inputs`. */
/** `fused_attention`: the attention nodes expected at -O2 when not one per Softmax (export_torch2_patterns.py). */
export interface PytorchSeqIo extends PytorchIo { inputs?: RecordedInput[]; onnx_op_counts?: Record<string, number>; fused_attention?: number }

export function readPytorchSeq(name: string): { bytes: Uint8Array; io: PytorchSeqIo } {
  const io = JSON.parse(readFileSync(new URL(`${name}.io.json`, PYTORCH_SEQ_DIR), 'utf8')) as PytorchSeqIo;
  // NaN (a fully padded row's output) is written as null: JSON has no NaN.
  for (const output of io.outputs) output.data = output.data.map((v) => v ?? NaN);
  return { bytes: readFileSync(new URL(`${name}.onnx`, PYTORCH_SEQ_DIR)), io };
}

/** The recorded inputs as the model's input types take them (ids as Int32Array, masks as Uint8Array). */
export function recordedFeed(graph: Graph, io: PytorchSeqIo): Record<string, FeedArray> {
  const feeds: Record<string, FeedArray> = {};
  for (const input of io.inputs ?? [io.input]) {
    const dtype = graph.inputs.find((i) => i.name === input.name)?.type.dtype ?? 'f32';
    feeds[input.name] = dtype === 'f32' ? Float32Array.from(input.data) : dtype === 'bool' ? Uint8Array.from(input.data) : Int32Array.from(input.data);
  }
  return feeds;
}

/**
 * The symbols' values in a recording, read off each input's recorded shape: what the feed
 * lengths alone cannot tell apart when an input has two symbols ([N, S, E] with a [N, S] mask).
 */
export function recordedDims(graph: Graph, io: PytorchSeqIo): Record<string, number> {
  const dims: Record<string, number> = {};
  for (const input of io.inputs ?? [io.input]) {
    const declared = graph.inputs.find((i) => i.name === input.name)?.type.shape ?? [];
    declared.forEach((d, axis) => {
      const value = input.shape[axis];
      if (typeof d === 'string' && value !== undefined) dims[d] = value;
    });
  }
  return dims;
}

/**
 * relativeError over the values PyTorch computes as numbers; Infinity unless the NaN
 * positions (fully padded rows) are exactly PyTorch's.
 */
export function seqRelativeError(want: readonly number[], got: Float32Array | undefined): number {
  if (got === undefined || got.length !== want.length) return Infinity;
  if (want.some((w, i) => Number.isNaN(w) !== Number.isNaN(got[i] ?? NaN))) return Infinity;
  const keep = want.map((w) => !Number.isNaN(w));
  return relativeError(want.filter((_, i) => keep[i]), got.filter((_, i) => keep[i]));
}

/**
 * Whether a value's shape has the batch N folded into another axis (`4*N`: the *_dyn_batch
 * fixtures; a symbolic length folded as `2*S` runs with run-time sizes as it is).
 */
export function foldsBatch(graph: Graph): boolean {
  return graph.nodes.some((node) => node.type.shape.some((d) => isSymbolic(d) && isMultipleDim(d) && dimMonomial(d).symbols.includes('N')));
}

/**
 * The graph a target compiles here: as imported, except that wasm and WGSL get batch-first
 * attention's [S, N, E] layout with N fixed at the recorded batch (`--dim N=3`), which keeps
 * them on the batch path's kernels; test/frontends/onnx-folded-batch.test.ts runs them with
 * N symbolic (run-time sizes).
 */
export function graphForTarget(graph: Graph, target: 'js' | 'wasm' | 'wgsl', batch: number): Graph {
  return target !== 'js' && foldsBatch(graph) ? fixDims(graph, { N: batch }) : graph;
}
