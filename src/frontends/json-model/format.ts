// fusegraph's own model format, version 1: a JSON document holding the graph (inputs,
// nodes with their typed attributes, outputs) and weights either inline (base64 of
// little-endian f32) or in a sidecar file beside it (.safetensors, or a raw f32 .bin).
// README.md ("Model formats") documents it; this file holds the shared vocabulary.
//
//   { "format": "fusegraph.model", "version": 1, "name": "seed_mlp",
//     "inputs": [{ "name": "x", "shape": ["N", 784] }],
//     "nodes": [
//       { "name": "0.weight", "op": "const", "attrs": { "value": { "shape": [128, 784], "data": { "key": "0.weight" } } } },
//       { "name": "0", "op": "linear", "inputs": ["x", "0.weight", "0.bias"], "attrs": { "activation": { "op": "relu", "attrs": {} } } } ],
//     "outputs": ["logits"],
//     "weights": { "file": "seed_mlp.safetensors" } }

export const FORMAT_NAME = 'fusegraph.model';
export const FORMAT_VERSION = 1;

/** Where a constant's data lives. */
export type JsonTensorData =
  | { readonly base64: string }
  /** A tensor of the .safetensors sidecar, by key. */
  | { readonly key: string }
  /** A byte offset into the raw little-endian f32 .bin sidecar; the length follows from the shape. */
  | { readonly offset: number };

export interface JsonTensor {
  readonly shape: readonly number[];
  /** "i32" or "bool" (values held as f32, exact); absent for f32. */
  readonly dtype?: 'i32' | 'bool';
  readonly data?: JsonTensorData;
  /** Written instead of data by dumps that elide weights; such a file cannot be loaded. */
  readonly elided?: { readonly min: JsonNumber; readonly max: JsonNumber; readonly mean: JsonNumber };
}

/** A float; JSON has no NaN, infinities or -0, so those are written as strings. */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity' | '-0';

export interface JsonNode {
  readonly name: string;
  readonly op: string;
  readonly inputs?: readonly string[];
  readonly attrs?: Readonly<Record<string, unknown>>;
}

export interface JsonModel {
  readonly format: typeof FORMAT_NAME;
  readonly version: number;
  readonly name: string;
  /** `dtype` "i32" (ids) or "bool" (masks); absent for f32. */
  readonly inputs: readonly { readonly name: string; readonly shape: readonly (number | string)[]; readonly dtype?: 'i32' | 'bool' }[];
  readonly nodes: readonly JsonNode[];
  readonly outputs: readonly string[];
  /** The sidecar holding weights stored by key or offset, relative to the JSON file. */
  readonly weights?: { readonly file: string };
}

export function encodeNumber(value: number): JsonNumber {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Object.is(value, -0)) return '-0';
  return value;
}

export function decodeNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (value === '-0') return -0;
  return undefined;
}
