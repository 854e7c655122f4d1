// Reads fusegraph's JSON model format (see format.ts) into a graph through GraphBuilder.
// Every field is checked for its JSON type, attributes are decoded by the op's schema, and
// weight sizes are checked against their shapes before any data is decoded.

import { CompileError } from '../../../ir/errors.ts';
import type { Graph } from '../../../ir/graph.ts';
import { formatValueName } from '../../../ir/names.ts';
import { isOpName, OPS, type AttrSpec, type AttrValue, type Attrs } from '../../../ir/ops/index.ts';
import { ARITH_FNS, COMPARE_FNS, UNARY_FNS, type BinaryFn, type ScalarExpr, type UnaryFn } from '../../../ir/scalar.ts';
import { formatShape, shapeProblem, type DType, type Dim } from '../../../ir/types.ts';
import { GraphBuilder, type Value } from '../../builder.ts';
import { decodeWeights } from '../../../ir/weights-codec.ts';
import { readF32 } from '../f32-bytes.ts';
import { readSafetensors, type NamedTensor } from '../safetensors.ts';
import { decodeNumber, FORMAT_NAME, FORMAT_VERSION } from './format.ts';

export interface ReadJsonModelOptions {
  /** Reads the sidecar the model names (a path relative to the JSON file). */
  readonly readSidecar?: (file: string) => Uint8Array;
}

type Json = Readonly<Record<string, unknown>>;
const MAX_EXPR_DEPTH = 200;

function object(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CompileError(`${what} must be a JSON object`);
  return value as Json;
}

function field(obj: Json, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function string(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new CompileError(`${what} must be a string, found ${JSON.stringify(value) ?? 'nothing'}`);
  return value;
}

function array(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new CompileError(`${what} must be a list`);
  return value;
}

function integer(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new CompileError(`${what} must be an integer, found ${JSON.stringify(value) ?? 'nothing'}`);
  return value;
}

class WeightSource {
  private tensors?: Map<string, NamedTensor>;
  private raw?: DataView;

  constructor(private readonly file: string | undefined, private readonly read: ((file: string) => Uint8Array) | undefined) {}

  private bytes(): Uint8Array {
    if (this.file === undefined) throw new CompileError('a weight refers to a sidecar, but the model names no "weights" file');
    if (this.read === undefined) throw new CompileError(`the weights file ${JSON.stringify(this.file)} cannot be read here`);
    return this.read(this.file);
  }

  byKey(key: string, shape: readonly number[]): Float32Array {
    this.tensors ??= readSafetensors(this.bytes());
    const tensor = this.tensors.get(key);
    if (tensor === undefined) throw new CompileError(`the weights file has no tensor ${JSON.stringify(key)}`);
    if (tensor.data.length !== shape.reduce((n, d) => n * d, 1)) {
      throw new CompileError(`tensor ${JSON.stringify(key)} of the weights file is ${formatShape(tensor.shape)}, expected ${formatShape(shape)}`);
    }
    return tensor.data;
  }

  byOffset(offset: number, count: number): Float32Array {
    if (this.raw === undefined) {
      const bytes = this.bytes();
      this.raw = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    if (offset < 0 || offset + count * 4 > this.raw.byteLength) {
      throw new CompileError(`bytes ${offset}..${offset + count * 4} are outside the ${this.raw.byteLength}-byte weights file`);
    }
    return readF32(this.raw, offset, count);
  }
}

function decodeBase64(text: string, count: number): Float32Array {
  // Checked by length before decoding, so a bogus shape cannot make us decode a huge string.
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if ((text.length / 4) * 3 - padding !== count * 4) throw new CompileError(`base64 data does not hold ${count} f32 values`);
  const data = decodeWeights(text);
  if (typeof data === 'string') throw new CompileError(data);
  return data;
}

function decodeTensor(value: unknown, weights: WeightSource): AttrValue {
  const tensor = object(value, 'a tensor attribute');
  const shape = array(field(tensor, 'shape'), 'its shape').map((d, i) => integer(d, `dim ${i}`));
  const problem = shape.length === 0 ? undefined : shapeProblem(shape);
  if (problem !== undefined) throw new CompileError(problem);
  const count = shape.reduce((n, d) => n * d, 1);
  if (field(tensor, 'elided') !== undefined) throw new CompileError('its weights were elided; write the model with `fusegraph ir --full --format json`');
  const data = object(field(tensor, 'data'), 'its data');
  const base64 = field(data, 'base64');
  const key = field(data, 'key');
  const offset = field(data, 'offset');
  let values: Float32Array;
  if (base64 !== undefined) values = decodeBase64(string(base64, 'data.base64'), count);
  else if (key !== undefined) values = weights.byKey(string(key, 'data.key'), shape);
  else if (offset !== undefined) values = weights.byOffset(integer(offset, 'data.offset'), count);
  else throw new CompileError('its data must have "base64", "key" or "offset"');
  const dtype = jsonDtype(field(tensor, 'dtype'), 'the tensor');
  return dtype === 'f32' ? { shape, data: values } : { shape, data: values, dtype };
}

/** An optional "dtype" field: "i32" or "bool"; absent means f32. */
function jsonDtype(value: unknown, what: string): DType {
  if (value === undefined) return 'f32';
  if (value === 'i32' || value === 'bool' || value === 'f32') return value;
  throw new CompileError(`the dtype of ${what} must be "f32", "i32" or "bool", got ${JSON.stringify(value)}`);
}

function decodeExpr(value: unknown, depth: number): ScalarExpr {
  if (depth > MAX_EXPR_DEPTH) throw new CompileError(`expression nested deeper than ${MAX_EXPR_DEPTH}`);
  const node = object(value, 'an expression');
  const kind = field(node, 'kind');
  const sub = (key: string): ScalarExpr => decodeExpr(field(node, key), depth + 1);
  switch (kind) {
    case 'operand': return { kind, index: integer(field(node, 'index'), 'operand index') };
    case 'const': {
      const v = decodeNumber(field(node, 'value'));
      if (v === undefined) throw new CompileError('a const expression needs a numeric value');
      return { kind, value: v };
    }
    case 'unary': {
      const fn = field(node, 'fn');
      if (!(UNARY_FNS as readonly unknown[]).includes(fn)) throw new CompileError(`unknown unary function ${JSON.stringify(fn)}`);
      return { kind, fn: fn as UnaryFn, arg: sub('arg') };
    }
    case 'binary': {
      const fn = field(node, 'fn');
      if (![...ARITH_FNS, ...COMPARE_FNS].includes(fn as BinaryFn)) throw new CompileError(`unknown binary function ${JSON.stringify(fn)}`);
      return { kind, fn: fn as BinaryFn, lhs: sub('lhs'), rhs: sub('rhs') };
    }
    case 'select': return { kind, cond: sub('cond'), ifTrue: sub('ifTrue'), ifFalse: sub('ifFalse') };
    default: throw new CompileError(`unknown expression kind ${JSON.stringify(kind)}`);
  }
}

function decodeAttr(spec: AttrSpec | undefined, value: unknown, weights: WeightSource, name: string): AttrValue {
  const what = `attribute '${name}'`;
  switch (spec?.type) {
    case 'float': case 'int': {
      const v = decodeNumber(value);
      if (v === undefined) throw new CompileError(`${what} must be a number`);
      return v;
    }
    case 'ints': return array(value, what).map((v, i) => integer(v, `${what}[${i}]`));
    case 'dims': return array(value, what).map((v, i) => (typeof v === 'string' ? v : integer(v, `${what}[${i}]`)));
    case 'enum': return string(value, what);
    case 'tensor': return decodeTensor(value, weights);
    case 'expr': return decodeExpr(value, 0);
    case 'activation': {
      const act = object(value, what);
      const op = string(field(act, 'op'), `${what}.op`);
      const def = isOpName(op) ? OPS[op] : undefined;
      if (def?.elementwise?.activation !== true) throw new CompileError(`${what}: '${op}' is not an activation op`);
      return { op, attrs: decodeAttrs(def.attrs, field(act, 'attrs') ?? {}, weights) };
    }
    case undefined:
      // Unknown to the op: pass a primitive through so makeNode names the attribute.
      return typeof value === 'number' || typeof value === 'string' ? value : 0;
  }
}

function decodeAttrs(schema: Readonly<Record<string, AttrSpec>>, value: unknown, weights: WeightSource): Attrs {
  const out: Record<string, AttrValue> = {};
  for (const [name, raw] of Object.entries(object(value, 'attrs'))) {
    const decoded = decodeAttr(Object.hasOwn(schema, name) ? schema[name] : undefined, raw, weights, name);
    Object.defineProperty(out, name, { value: decoded, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function inputShape(value: unknown, name: string): Dim[] {
  return array(value, `the shape of input ${formatValueName(name)}`).map((d, i) => (typeof d === 'string' ? d : integer(d, `dim ${i} of input ${formatValueName(name)}`)));
}

/** Parses a JSON model document; the graph is verified before it is returned. */
export function readJsonModel(text: string, options: ReadJsonModelOptions = {}): Graph {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CompileError(`not a JSON model: ${error instanceof Error ? error.message : String(error)}`);
  }
  const doc = object(parsed, 'a JSON model');
  if (field(doc, 'format') !== FORMAT_NAME) throw new CompileError(`not a fusegraph JSON model: "format" must be ${JSON.stringify(FORMAT_NAME)}`);
  const version = field(doc, 'version');
  if (version !== FORMAT_VERSION) throw new CompileError(`JSON model version ${JSON.stringify(version)} is not supported (this fusegraph reads version ${FORMAT_VERSION})`);
  const weightsField = field(doc, 'weights');
  const sidecar = weightsField === undefined ? undefined : string(field(object(weightsField, '"weights"'), 'file'), 'weights.file');
  const weights = new WeightSource(sidecar, options.readSidecar);
  const builder = new GraphBuilder(string(field(doc, 'name'), '"name"'));
  const values = new Map<string, Value>();
  for (const raw of array(field(doc, 'inputs'), '"inputs"')) {
    const input = object(raw, 'an input');
    const name = string(field(input, 'name'), 'an input name');
    values.set(name, builder.input(name, inputShape(field(input, 'shape'), name), jsonDtype(field(input, 'dtype'), `input ${formatValueName(name)}`)));
  }
  for (const raw of array(field(doc, 'nodes'), '"nodes"')) {
    const node = object(raw, 'a node');
    const name = string(field(node, 'name'), 'a node name');
    const op = string(field(node, 'op'), `the op of ${formatValueName(name)}`);
    try {
      if (!isOpName(op)) throw new CompileError(`unknown op '${op}'`);
      const operands = array(field(node, 'inputs') ?? [], 'inputs').map((v) => {
        const operand = string(v, 'an operand name');
        const value = values.get(operand);
        if (value === undefined) throw new CompileError(`operand ${formatValueName(operand)} is not defined before this node`);
        return value;
      });
      const attrs = decodeAttrs(OPS[op].attrs, field(node, 'attrs') ?? {}, weights);
      values.set(name, builder.op(op, operands, attrs, name));
    } catch (error) {
      if (error instanceof CompileError) throw new CompileError(error.detail, { node: name, op });
      throw error;
    }
  }
  const outputs = array(field(doc, 'outputs'), '"outputs"').map((v) => string(v, 'an output name'));
  if (new Set(outputs).size !== outputs.length) throw new CompileError('an output is listed twice (output names must be unique)');
  for (const name of outputs) {
    const value = values.get(name);
    if (value === undefined) throw new CompileError('returned value is not defined', { node: name });
    builder.output(value);
  }
  return builder.build();
}
