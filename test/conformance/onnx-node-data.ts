// ONNX's backend node tests as Debian's libonnx-testdata installs them: one directory per
// test holding model.onnx and test_data_set_N/{input_K,output_K}.pb (serialized TensorProto).
// This module finds them, lists each model's op types, and reads a data set into the model
// bytes fusegraph imports plus f32 feeds and expected outputs.

import type { FeedArray } from '../../ir/feeds.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataType, decodeModel, decodeTensor, encodeModel, type ModelProto, type TensorProto } from '../../src/frontends/onnx/proto.ts';
import { dataTypeName, readTensor } from '../../src/frontends/onnx/tensor.ts';

export const ONNX_NODE_TEST_DIR = process.env['FUSEGRAPH_ONNX_NODE_TESTS'] ?? '/usr/share/libonnx-testdata/data/node';

export const MISSING_DATA_HINT =
  `ONNX's backend node tests are not installed (looked in ${ONNX_NODE_TEST_DIR}): ` +
  'install Debian\'s package with `apt-get install libonnx-testdata` (or point FUSEGRAPH_ONNX_NODE_TESTS at a copy of onnx/backend/test/data/node)';

export interface NodeTest {
  /** The directory name, e.g. `test_softmax_axis_0`. */
  readonly name: string;
  readonly dir: string;
  /** Op types of the model's nodes, domain-qualified when not ai.onnx (`com.microsoft.Foo`). */
  readonly ops: readonly string[];
  readonly model: ModelProto;
  readonly bytes: Uint8Array;
  /** test_data_set_* directory names, sorted. */
  readonly dataSets: readonly string[];
}

export interface ExpectedOutput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** One data set's tensors, and the model with some of its inputs made initializers. */
export interface DataSet {
  readonly name: string;
  /** model.onnx, with the frozen inputs as initializers (see freezeInputs). */
  readonly bytes: Uint8Array;
  readonly frozen: readonly string[];
  /** The inputs still fed, by graph input name, and every expected output. */
  readonly inputs: readonly { readonly name: string; readonly tensor: TensorProto }[];
  readonly outputs: readonly { readonly name: string; readonly tensor: TensorProto }[];
}

function opName(domain: string, opType: string): string {
  return domain === '' || domain === 'ai.onnx' ? opType : `${domain}.${opType}`;
}

/** Every test directory with a model, sorted by name; throws MISSING_DATA_HINT if there are none. */
export function discoverNodeTests(root: string = ONNX_NODE_TEST_DIR): NodeTest[] {
  if (!existsSync(root)) throw new Error(MISSING_DATA_HINT);
  const tests: NodeTest[] = [];
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    const modelFile = join(dir, 'model.onnx');
    if (!existsSync(modelFile)) continue;
    const bytes = new Uint8Array(readFileSync(modelFile));
    const model = decodeModel(bytes);
    const ops = [...new Set((model.graph?.node ?? []).map((node) => opName(node.domain, node.op_type)))].sort();
    const dataSets = readdirSync(dir).filter((entry) => entry.startsWith('test_data_set_')).sort();
    tests.push({ name, dir, ops, model, bytes, dataSets });
  }
  if (tests.length === 0) throw new Error(MISSING_DATA_HINT);
  return tests;
}

function readTensorFiles(dir: string, prefix: 'input' | 'output'): TensorProto[] {
  const tensors: TensorProto[] = [];
  for (let k = 0; existsSync(join(dir, `${prefix}_${k}.pb`)); k++) tensors.push(decodeTensor(readFileSync(join(dir, `${prefix}_${k}.pb`))));
  return tensors;
}

/** The graph inputs that are not initializers: the ones input_K.pb feeds, in order. */
function fedInputs(model: ModelProto): { name: string; elemType: number }[] {
  const graph = model.graph;
  if (graph === undefined) return [];
  const initialized = new Set(graph.initializer.map((init) => init.name));
  return graph.input.filter((input) => !initialized.has(input.name)).map((input) => ({ name: input.name, elemType: input.type?.tensor_type?.elem_type ?? DataType.UNDEFINED }));
}

const INTEGER_TYPES: ReadonlySet<number> = new Set([DataType.INT32, DataType.INT64]);

/** The model with `frozen` (tensors named after graph inputs) added as initializers. */
function freezeInputs(model: ModelProto, frozen: readonly TensorProto[]): Uint8Array {
  const graph = model.graph;
  if (graph === undefined) throw new Error('model.onnx has no graph');
  return encodeModel({ ...model, graph: { ...graph, initializer: [...graph.initializer, ...frozen] } });
}

/**
 * Reads one data set. fusegraph reads integer tensors only as constant shapes and axes
 * (Reshape's shape, Squeeze's axes…), and its inputs are f32; ONNX's tests feed those as
 * graph inputs. The data set fixes their values, so they are frozen: made initializers
 * holding exactly those values. `constants` names float inputs to freeze too (see
 * CONSTANT_INPUTS in the test). The op's semantics are still checked; what changes is only
 * when the values are known.
 */
export function readDataSet(test: NodeTest, dataSet: string, constants: readonly string[] = []): DataSet {
  const dir = join(test.dir, dataSet);
  const tensors = readTensorFiles(dir, 'input');
  const outputTensors = readTensorFiles(dir, 'output');
  const fed = fedInputs(test.model);
  const unknown = constants.filter((name) => !fed.some((input) => input.name === name));
  if (unknown.length > 0) throw new Error(`${test.name}: no fed input is called ${unknown.join(', ')}`);
  const frozen: TensorProto[] = [];
  const inputs = fed.flatMap((input, k) => {
    const tensor = tensors[k];
    if (tensor === undefined) throw new Error(`${test.name}/${dataSet}: no input_${k}.pb for graph input ${JSON.stringify(input.name)}`);
    if (!INTEGER_TYPES.has(input.elemType) && !constants.includes(input.name)) return [{ name: input.name, tensor }];
    frozen.push({ ...tensor, name: input.name });
    return [];
  });
  const outputs = (test.model.graph?.output ?? []).map((output, k) => {
    const tensor = outputTensors[k];
    if (tensor === undefined) throw new Error(`${test.name}/${dataSet}: no output_${k}.pb for graph output ${JSON.stringify(output.name)}`);
    return { name: output.name, tensor };
  });
  const bytes = frozen.length === 0 ? test.bytes : freezeInputs(test.model, frozen);
  return { name: dataSet, bytes, frozen: frozen.map((t) => t.name), inputs, outputs };
}

/**
 * The feeds as fusegraph takes them (f32 as Float32Array, BOOL/UINT8 as Uint8Array) and the
 * expected outputs as f32 values (integer and bool results come back exact in f32 lanes);
 * another element type throws, naming it.
 */
export function floatTensors(data: DataSet): { feeds: Record<string, FeedArray>; expected: ExpectedOutput[] } {
  const feeds: Record<string, FeedArray> = {};
  for (const input of data.inputs) {
    const where = `input ${JSON.stringify(input.name)}`;
    const read = readTensor(input.tensor, where);
    feeds[input.name] = read.kind === 'float' ? read.data : Uint8Array.from(read.values);
  }
  const expected = data.outputs.map((output) => ({ name: output.name, ...floatData(output.tensor, `expected output ${JSON.stringify(output.name)}`) }));
  return { feeds, expected };
}

function floatData(tensor: TensorProto, where: string): { shape: number[]; data: Float32Array } {
  const read = readTensor(tensor, where);
  if (read.kind === 'int') {
    if (tensor.data_type === DataType.UINT8) throw new Error(`${where} has element type UINT8; fusegraph returns f32, i32 and bool`);
    if (read.values.some((v) => Math.abs(v) > 2 ** 24)) throw new Error(`${where} holds integers beyond ±2^24, outside fusegraph's i32 range`);
    return { shape: [...read.shape], data: Float32Array.from(read.values) };
  }
  return { shape: [...read.shape], data: read.data };
}
