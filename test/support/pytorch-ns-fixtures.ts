// The PyTorch exports with both the batch N and the length S symbolic
// (test/fixtures/pytorch-seq-ns, made by export_seq_fixtures.py's BATCH_AND_LENGTH with torch
// 1.13): each io.json records PyTorch's inputs and outputs at several (N, S) ("cases").

import { readFileSync } from 'node:fs';
import type { FeedArray } from '../../ir/feeds.ts';

export const PYTORCH_NS_DIR = new URL('../fixtures/pytorch-seq-ns/', import.meta.url);
export const PYTORCH_NS_MODELS: readonly string[] = ['encoder_kpm_ns_batch_first', 'encoder_kpm_ns_seq_first'];

interface NsTensor { name: string; shape: number[]; dtype?: 'f32' | 'bool'; data: (number | null)[] }
export interface NsCase { dims: { N: number; S: number }; inputs: NsTensor[]; outputs: NsTensor[] }
export interface NsIo { torch: string; opset: number; batch_first: boolean; onnx_input_shapes: (string | number)[][]; cases: NsCase[] }

export function readPytorchNs(name: string): { bytes: Uint8Array; io: NsIo } {
  const io = JSON.parse(readFileSync(new URL(`${name}.io.json`, PYTORCH_NS_DIR), 'utf8')) as NsIo;
  return { bytes: readFileSync(new URL(`${name}.onnx`, PYTORCH_NS_DIR)), io };
}

/** A case's inputs as the bundle takes them (the mask as 0/1 bytes). */
export function nsFeeds(entry: NsCase): Record<string, FeedArray> {
  return Object.fromEntries(entry.inputs.map((t) => [t.name, t.dtype === 'bool' ? Uint8Array.from(t.data, (v) => v ?? 0) : Float32Array.from(t.data, (v) => v ?? NaN)]));
}

/** PyTorch's output of a case (NaN where it wrote null). */
export function nsWant(entry: NsCase): number[] {
  return (entry.outputs[0]?.data ?? []).map((v) => v ?? NaN);
}
