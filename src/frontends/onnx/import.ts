// The ONNX front end: ModelProto bytes → a verified fusegraph graph, built only through
// GraphBuilder. Order of work:
//  1. decode and check the envelope (a graph, an ai.onnx opset in 1..21; forms older than
//     opset 11 are rewritten to opset 11's per node, legacy-opsets.ts);
//  2. rewrite PyTorch's erf-GELU pattern into Gelu; list every unsupported op at once;
//  3. sort the nodes topologically (reporting missing operands and cycles by name);
//  4. declare inputs (dim_param → a symbol, on any axis) and initializers, convert each node;
//  5. return the graph outputs under their ONNX names.

import { basename } from 'node:path';
import { CompileError } from '../../../ir/errors.ts';
import type { Graph } from '../../../ir/graph.ts';
import { formatValueName, isSymbolName, quoteString } from '../../../ir/names.ts';
import type { DType, Dim } from '../../../ir/types.ts';
import { GraphBuilder } from '../../builder.ts';
import { ImportContext } from './context.ts';
import { LAYOUT_CONVERTERS } from './convert-layout.ts';
import { MASK_CONVERTERS } from './convert-masks.ts';
import { MATH_CONVERTERS, type Converter } from './convert-math.ts';
import { ACTIVATION_CONVERTERS } from './convert-activation.ts';
import { EXPAND_CONVERTERS } from './convert-expand.ts';
import { RECURRENT_CONVERTERS } from './convert-recurrent.ts';
import { REGION_CONVERTERS } from './convert-regions.ts';
import { resize, RESIZE_CONVERTERS } from './convert-resize.ts';
import { SEQUENCE_CONVERTERS } from './convert-sequence.ts';
import { SHAPE_CONVERTERS } from './convert-shape.ts';
import { WINDOW_CONVERTERS } from './convert-window.ts';
import { COMPARE_CONVERTERS } from './convert-compare.ts';
import { CONTROL_CONVERTERS } from './convert-control.ts';
import { pinnedInput } from './pinned-inputs.ts';
import { subgraphInliner } from './subgraph.ts';
import { adaptToCurrentForm, upsampleConverter } from './legacy-opsets.ts';
import { fuseErfGelu } from './gelu-pattern.ts';
import { LAYER_NORM_RULES } from '../../passes/fuse-layer-norm.ts';
import { rewriteGraph } from '../../passes/rewrite-engine.ts';
import { NodeView } from './node-view.ts';
import { DataType, decodeModel, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.ts';
import { dataTypeName, readTensor, type KnownTensor } from './tensor.ts';

/** Older forms are brought to opset 11's by legacy-opsets.ts before conversion. */
export const MIN_OPSET = 1;
export const MAX_OPSET = 21;

const CONVERTERS: Readonly<Record<string, Converter>> = {
  ...MATH_CONVERTERS, ...ACTIVATION_CONVERTERS, ...LAYOUT_CONVERTERS, ...SHAPE_CONVERTERS,
  ...REGION_CONVERTERS, ...WINDOW_CONVERTERS, ...RESIZE_CONVERTERS, ...EXPAND_CONVERTERS, ...COMPARE_CONVERTERS, ...MASK_CONVERTERS, ...CONTROL_CONVERTERS,
  ...RECURRENT_CONVERTERS, ...SEQUENCE_CONVERTERS,
  Upsample: upsampleConverter(resize),
};

/** The ONNX op types the importer understands (for docs and error messages). */
export const SUPPORTED_ONNX_OPS: readonly string[] = Object.keys(CONVERTERS).sort();

export interface ImportOnnxOptions {
  /** Used for the graph's name when the model does not name it. */
  readonly file?: string;
  /**
   * Symbols fixed at import (`{ S: 64 }`, the CLI's --dim): each dim_param of that name
   * becomes the size, so shape arithmetic over it (N·heads) is static.
   */
  readonly dims?: Readonly<Record<string, number>>;
  /**
   * Inputs fixed at compile time (`fusegraph compile --input-value sr=16000`): each leaves the
   * bundle's signature and its values feed import-time evaluation (an `If` on it is
   * specialized). Values are row-major, as many as the input's declared shape holds.
   */
  readonly inputValues?: Readonly<Record<string, readonly number[]>>;
  /**
   * Concrete shapes for inputs whose non-batch dims are symbolic (`--input-shape input=1,512`):
   * each replaces the declared shape, whose fixed dims it must keep. Values are the full shape.
   */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
}

function defaultOpset(model: ModelProto): number {
  const entry = model.opset_import.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (entry === undefined) throw new CompileError('the model imports no ai.onnx opset (opset_import is empty)');
  if (entry.version < MIN_OPSET || entry.version > MAX_OPSET) {
    throw new CompileError(`opset ${entry.version} is not supported: fusegraph reads ai.onnx opsets ${MIN_OPSET} to ${MAX_OPSET}`);
  }
  return entry.version;
}

function checkEnvelope(model: ModelProto): GraphProto {
  if (model.graph === undefined || model.graph === null) {
    throw new CompileError('not an ONNX model: the file decodes as protobuf but holds no graph (is it another message type?)');
  }
  if (model.ir_version < 3) throw new CompileError(`not an ONNX model: ir_version is ${model.ir_version}, expected 3 or more`);
  return model.graph;
}

function unsupportedOps(nodes: readonly NodeProto[]): string | undefined {
  const byOp = new Map<string, string[]>();
  for (const proto of nodes) {
    const node = new NodeView(proto);
    if (node.domain === '' && Object.hasOwn(CONVERTERS, node.opType)) continue;
    const op = node.domain === '' ? node.opType : `${node.domain}.${node.opType}`;
    byOp.set(op, [...(byOp.get(op) ?? []), node.name]);
  }
  if (byOp.size === 0) return undefined;
  const parts = [...byOp].map(([op, names]) => `${quoteString(op)} (${names.length === 1 ? 'node' : 'nodes'} ${names.map(quoteString).join(', ')})`);
  return `unsupported ONNX ${byOp.size === 1 ? 'op' : 'ops'}: ${parts.join('; ')} (\`fusegraph ops\` lists the supported ones)`;
}

/** Whether every node reads only values defined before it (the usual case: keep file order). */
function isInOrder(nodes: readonly NodeProto[], available: ReadonlySet<string>): boolean {
  const defined = new Set(available);
  for (const node of nodes) {
    if (!node.input.every((name) => name === '' || defined.has(name))) return false;
    for (const out of node.output) defined.add(out);
  }
  return true;
}

/** Kahn's algorithm over the values nodes produce; names what is missing or cyclic. */
function sortNodes(nodes: readonly NodeProto[], available: ReadonlySet<string>): NodeProto[] {
  const producer = new Map<string, NodeProto>();
  for (const node of nodes) {
    for (const out of node.output) {
      if (out === '') continue;
      if (producer.has(out) || available.has(out)) throw new CompileError(`value ${formatValueName(out)} is defined twice`, { node: new NodeView(node).name, op: node.op_type });
      producer.set(out, node);
    }
  }
  const waiting = new Map<NodeProto, number>();
  const readers = new Map<string, NodeProto[]>();
  for (const node of nodes) {
    const needs = new Set(node.input.filter((name) => name !== '' && !available.has(name)));
    for (const name of needs) {
      if (!producer.has(name)) {
        throw new CompileError(`operand ${formatValueName(name)} is not defined: no graph input, initializer or node makes it (a missing initializer?)`, { node: new NodeView(node).name, op: node.op_type });
      }
      readers.set(name, [...(readers.get(name) ?? []), node]);
    }
    waiting.set(node, needs.size);
  }
  if (isInOrder(nodes, available)) return [...nodes];
  const ready = nodes.filter((node) => waiting.get(node) === 0);
  const sorted: NodeProto[] = [];
  for (let node = ready.shift(); node !== undefined; node = ready.shift()) {
    sorted.push(node);
    for (const out of node.output) {
      for (const reader of readers.get(out) ?? []) {
        const left = (waiting.get(reader) ?? 0) - 1;
        waiting.set(reader, left);
        if (left === 0) ready.push(reader);
      }
    }
  }
  if (sorted.length < nodes.length) {
    const stuck = nodes.filter((node) => !sorted.includes(node)).map((node) => new NodeView(node).name);
    throw new CompileError(`the graph has a cycle through ${stuck.map(quoteString).join(', ')}`, { node: stuck[0] ?? '?' });
  }
  return sorted;
}

/** ONNX input element types and the dtype each becomes (int64 ids are range-checked at run time). */
const INPUT_DTYPES: ReadonlyMap<number, DType> = new Map<number, DType>([
  [DataType.FLOAT, 'f32'], [DataType.INT64, 'i32'], [DataType.INT32, 'i32'], [DataType.BOOL, 'bool'], [DataType.UINT8, 'bool'],
]);

function inputDtype(info: ValueInfoProto): DType {
  const type = info.type?.tensor_type?.elem_type ?? DataType.FLOAT;
  const dtype = INPUT_DTYPES.get(type);
  if (dtype === undefined) {
    throw new CompileError(`input ${formatValueName(info.name)} has element type ${dataTypeName(type)}; fusegraph models take FLOAT, INT64/INT32 (ids) and BOOL/UINT8 (masks) inputs`);
  }
  return dtype;
}

function inputShape(info: ValueInfoProto, fixed: Readonly<Record<string, number>> = {}, given?: readonly number[]): Dim[] {
  const tensorType = info.type?.tensor_type;
  const where = `input ${formatValueName(info.name)}`;
  if (tensorType === undefined || tensorType === null) throw new CompileError(`${where} is not a tensor`);
  inputDtype(info);
  const dims = tensorType.shape?.dim;
  if (given !== undefined) return givenShape(where, dims ?? undefined, given);
  if (dims === undefined || dims === null) throw new CompileError(`${where} has no shape; fusegraph needs every dim but the batch (give one with --input-shape)`);
  return dims.map((dim, axis) => {
    const param = dim.dim_param ?? '';
    const value = dim.dim_value;
    if (param === '' && value !== undefined && value !== null && Object.hasOwn(dim, 'dim_value')) return value;
    // A dim_param names a symbol (several inputs sharing a name share its value); an unnamed
    // or non-identifier one is N on axis 0 and S<axis> elsewhere.
    const symbol = isSymbolName(param) ? param : axis === 0 ? 'N' : `S${axis}`;
    return Object.hasOwn(fixed, symbol) ? (fixed[symbol] ?? symbol) : symbol;
  });
}

/** A user-given shape (`--input-shape`): same rank as declared, fixed dims kept, sizes ≥ 1. */
function givenShape(where: string, dims: readonly { dim_value?: number | null; dim_param?: string | null }[] | undefined, given: readonly number[]): Dim[] {
  if (given.some((d) => !Number.isSafeInteger(d) || d < 1)) throw new CompileError(`--input-shape for ${where} needs positive integer sizes, got [${given.join(',')}]`);
  if (dims !== undefined && dims.length !== given.length) throw new CompileError(`--input-shape for ${where} gives rank ${given.length}; the model declares rank ${dims.length}`);
  (dims ?? []).forEach((dim, axis) => {
    const fixed = (dim.dim_param ?? '') === '' && Object.hasOwn(dim, 'dim_value') ? dim.dim_value ?? undefined : undefined;
    if (fixed !== undefined && fixed !== given[axis]) throw new CompileError(`--input-shape for ${where} sets axis ${axis} to ${String(given[axis])}; the model fixes it at ${fixed}`);
  });
  return [...given];
}

function scalarLookup(initializers: ReadonlyMap<string, TensorProto>, nodes: readonly NodeProto[]): (name: string) => number | undefined {
  const constants = new Map<string, NodeProto>();
  for (const node of nodes) if (node.op_type === 'Constant' && node.output[0] !== undefined) constants.set(node.output[0], node);
  return (name) => {
    try {
      let tensor: KnownTensor | undefined;
      const init = initializers.get(name);
      // Only one-element tensors can be the pattern's scalars: never decode a weight here.
      if (init !== undefined && init.dims.every((d) => d === 1)) tensor = readTensor(init, name);
      const constant = constants.get(name);
      if (constant !== undefined) tensor = new NodeView(constant).tensor('value');
      if (tensor?.kind !== 'float' || tensor.data.length !== 1) return undefined;
      return tensor.data[0];
    } catch {
      return undefined; // not a readable scalar: the pattern does not match, the converter reports it
    }
  };
}

function convertNode(proto: NodeProto, cx: ImportContext): void {
  const node = new NodeView(proto);
  const converter = CONVERTERS[node.opType];
  try {
    if (converter === undefined) throw new CompileError('unsupported op');
    converter(adaptToCurrentForm(node, cx), cx);
  } catch (error) {
    if (error instanceof CompileError) throw new CompileError(error.detail, { node: node.name, op: node.opType });
    throw error;
  }
}

/** Imports an ONNX model. Every problem with the file is a CompileError. */
export function importOnnx(bytes: Uint8Array, options: ImportOnnxOptions = {}): Graph {
  const model = decodeModel(bytes);
  const graph = checkEnvelope(model);
  const opset = defaultOpset(model);
  const initializers = new Map<string, TensorProto>();
  for (const init of graph.initializer) {
    if (initializers.has(init.name)) throw new CompileError(`initializer ${formatValueName(init.name)} is defined twice`);
    initializers.set(init.name, init);
  }
  const returned = new Set<string>();
  for (const output of graph.output) {
    if (returned.has(output.name)) throw new CompileError(`output ${formatValueName(output.name)} is listed twice (output names must be unique)`);
    returned.add(output.name);
  }
  if (graph.output.length === 0) throw new CompileError('the ONNX graph has no outputs');
  const nodes = fuseErfGelu(graph.node, returned, scalarLookup(initializers, graph.node));
  // Every problem a user must fix in the model, reported together rather than one per run.
  const problems: string[] = [];
  const unsupported = unsupportedOps(nodes);
  if (unsupported !== undefined) problems.push(unsupported);
  const pinned = new Map<string, KnownTensor>();
  for (const [inputName, values] of Object.entries(options.inputValues ?? {})) {
    try {
      pinned.set(inputName, pinnedInput(graph.input.filter((input) => !initializers.has(input.name)), inputName, values));
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      problems.push(error.detail);
    }
  }
  const inputs = graph.input.filter((input) => !initializers.has(input.name) && !pinned.has(input.name));
  const givenShapes = options.inputShapes ?? {};
  for (const shapeName of Object.keys(givenShapes)) {
    if (!inputs.some((input) => input.name === shapeName)) problems.push(`--input-shape names ${formatValueName(shapeName)}, which is not a (free) input of the model (inputs: ${inputs.map((i) => formatValueName(i.name)).join(', ') || 'none'})`);
  }
  const shapes = new Map<string, Dim[]>();
  for (const input of inputs) {
    try {
      shapes.set(input.name, inputShape(input, options.dims, Object.hasOwn(givenShapes, input.name) ? givenShapes[input.name] : undefined));
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      problems.push(error.detail);
    }
  }
  // The symbols the inputs declare, to refuse fixing one they lack.
  const symbols = new Set<string>();
  for (const input of inputs) {
    (input.type?.tensor_type?.shape?.dim ?? []).forEach((dim, axis) => {
      const param = dim.dim_param ?? '';
      if (param === '' && dim.dim_value !== undefined && dim.dim_value !== null && Object.hasOwn(dim, 'dim_value')) return;
      symbols.add(isSymbolName(param) ? param : axis === 0 ? 'N' : `S${axis}`);
    });
  }
  for (const symbol of Object.keys(options.dims ?? {})) {
    if (!symbols.has(symbol)) problems.push(`cannot fix ${symbol}: the model has no symbol ${symbol}`);
  }
  if (problems.length > 0) throw new CompileError(problems.join('; '));
  const available = new Set([...inputs.map((i) => i.name), ...pinned.keys(), ...initializers.keys()]);
  const sorted = sortNodes(nodes, available);
  const reserved = new Set([...available, ...nodes.flatMap((n) => n.output)]);
  const name = graph.name !== '' ? graph.name : options.file !== undefined ? basename(options.file).replace(/\.onnx$/i, '') : 'onnx_model';
  const builder = new GraphBuilder(name);
  const cx = new ImportContext(builder, opset, reserved, returned);
  cx.inlineSubgraph = subgraphInliner(cx, { convert: convertNode, sort: sortNodes });
  for (const [pinnedName, tensor] of pinned) cx.defineConst(pinnedName, tensor);
  for (const input of inputs) cx.defineValue(input.name, builder.input(input.name, shapes.get(input.name) ?? inputShape(input, options.dims), inputDtype(input)));
  for (const [initName, init] of initializers) cx.defineConst(initName, readTensor(init, `initializer ${formatValueName(initName)}`));
  for (const node of sorted) convertNode(node, cx);
  for (const output of graph.output) {
    if (!cx.isDefined(output.name)) throw new CompileError('the graph returns a value nothing defines', { node: output.name });
    builder.output(cx.outputValue(output.name));
  }
  // PyTorch's opset-13 LayerNorm decomposition becomes one layer_norm node at import.
  return rewriteGraph(builder.build(), LAYER_NORM_RULES);
}
