// Control flow at import, checked against onnxruntime-node: If on a constant or on a pinned
// input is specialized to one branch, If on run-time data becomes a select, Loop with a
// constant trip count is unrolled; everything else is an error saying how to pin it.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { interpret, type Feeds } from '../../ir/interpret.ts';
import { parseInputValues } from '../../src/cli/input-values.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { loadModel } from '../../src/load-model.ts';
import { fusegraph } from '../cli/fusegraph-process.ts';
import { DataType, encodeModel, type GraphInit, type NodeInit, type ValueInfoProto } from '../../src/frontends/onnx/proto.ts';
import { valueInfo } from '../../src/frontends/onnx/writer.ts';
import { Random } from '../../src/random.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { floatTensor, int64Tensor, intAttribute, node, onnxModel, weights, type OnnxSpec } from './onnx-model.ts';

function typed(name: string, elemType: number, dims: readonly number[]): ValueInfoProto {
  return { name, type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => ({ dim_value: d })) } } } };
}

function branch(name: string, nodes: NodeInit[], outputs: [string, number[]][], initializer: GraphInit['initializer'] = [], input: ValueInfoProto[] = []): GraphInit {
  return { name, node: nodes, initializer, input, output: outputs.map(([n, shape]) => valueInfo(n, shape)) };
}

function withGraphs(n: NodeInit, graphs: Record<string, GraphInit>): NodeInit {
  return { ...n, attribute: [...(n.attribute ?? []), ...Object.entries(graphs).map(([name, g]) => ({ name, type: 5, g }))] };
}

function boolConstant(output: string, value: boolean): NodeInit {
  return node('Constant', [], output, [{ name: 'value', type: 4, t: { dims: [], data_type: DataType.BOOL, int32_data: [value ? 1 : 0] } }]);
}

/** Runs the model in onnxruntime with `extra` (int64 feeds) besides the float feeds. */
async function ortRun(bytes: Uint8Array, feeds: Record<string, [Float32Array, number[]]>, extra: Record<string, bigint> = {}): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, [data, shape]] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', data, shape);
    for (const [name, value] of Object.entries(extra)) inputs[name] = new ort.Tensor('int64', BigInt64Array.of(value), []);
    const results = await session.run(inputs);
    return Object.fromEntries(Object.entries(results).map(([name, tensor]) => [name, tensor.data as Float32Array]));
  } finally {
    await session.release();
  }
}

const x = new Random(3).uniformArray(6, -2, 2);

async function agree(spec: OnnxSpec, options: Parameters<typeof importOnnx>[1] = {}, extra: Record<string, bigint> = {}, xs: Float32Array = x): Promise<ReturnType<typeof importOnnx>> {
  const bytes = onnxModel(spec);
  const graph = importOnnx(bytes, options);
  const expected = await ortRun(bytes, { x: [xs, [2, 3]] }, extra);
  const actual = interpret(graph, { x: xs } as Feeds);
  for (const name of graph.outputs) {
    const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), toleranceFor(graph));
    expect(comparison.ok, `${name}: ${JSON.stringify(comparison.mismatch)}`).toBe(true);
  }
  return graph;
}

const thenBranch = branch('then', [node('Mul', ['x', 'w'], 't')], [['t', [2, 3]]], [weights('w', [3], 1)]);
const elseBranch = branch('else', [node('Neg', ['x'], 'e')], [['e', [2, 3]]]);
/** A branch fusegraph cannot compile: it is fine as long as it is never taken. */
const foreignBranch = branch('else', [node('Hardmax', ['x'], 'e')], [['e', [2, 3]]]);

describe('If', () => {
  it('on a constant inlines the chosen branch, reading outer values and its own initializers', async () => {
    for (const value of [true, false]) {
      const graph = await agree({
        inputs: [['x', [2, 3]]], outputs: [['y', [2, 3]]],
        nodes: [boolConstant('c', value), withGraphs(node('If', ['c'], 'y'), { then_branch: thenBranch, else_branch: elseBranch })],
      });
      expect(graph.nodes.map((n) => n.op).filter((op) => op !== 'identity')).toEqual(value ? ['const', 'mul'] : ['fused_elementwise']);
    }
  });

  it('on an input pinned with inputValues is specialized; the input leaves the signature', async () => {
    const spec = {
      inputs: [['x', [2, 3]]] as OnnxSpec['inputs'], outputs: [['y', [2, 3]]] as OnnxSpec['outputs'],
      initializers: [int64Tensor('rate', [16000])],
      nodes: [node('Equal', ['sr', 'rate'], 'c'), withGraphs(node('If', ['c'], 'y'), { then_branch: thenBranch, else_branch: foreignBranch })],
    };
    const decoded = encodeWithExtraInput(spec, typed('sr', DataType.INT64, []));
    const graph = importOnnx(decoded, { inputValues: { sr: [16000] } });
    expect(graph.inputs.map((i) => i.name)).toEqual(['x']);
    const expected = await ortRun(decoded, { x: [x, [2, 3]] }, { sr: 16000n });
    const actual = interpret(graph, { x } as Feeds);
    expect(compareArrays(expected['y'] ?? new Float32Array(), actual['y'] ?? new Float32Array(), toleranceFor(graph)).ok).toBe(true);
    expect(() => importOnnx(decoded, { inputValues: { sr: [8000] } })).toThrow(/else.*Hardmax|Hardmax/);
    // Unpinned, sr is an i32 input and the condition is only known at run time.
    expect(() => importOnnx(decoded)).toThrow(/only known at run time.*--input-value NAME=VALUE/);
    expect(() => importOnnx(decoded, { inputValues: { rate_typo: [1] } })).toThrow(/not an input of the model/);
  });

  it('on run-time data with same-shaped branches becomes a select', async () => {
    const spec: OnnxSpec = {
      inputs: [['x', [2, 3]]], outputs: [['y', [2, 3]]],
      initializers: [floatTensor('zero', [], Float32Array.of(0))],
      nodes: [
        node('ReduceSum', ['x'], 's', [intAttribute('keepdims', 0)]),
        node('Greater', ['s', 'zero'], 'c'),
        withGraphs(node('If', ['c'], 'y'), { then_branch: thenBranch, else_branch: elseBranch }),
      ],
    };
    const positive = Float32Array.from(x, Math.abs);
    const negative = Float32Array.from(x, (v) => -Math.abs(v));
    for (const xs of [positive, negative]) {
      const graph = await agree(spec, {}, {}, xs);
      expect(graph.nodes.some((n) => n.op === 'fused_elementwise')).toBe(true);
    }
  });

  it('on run-time data with branches of different shapes is an error naming the node and how to pin it', () => {
    const bytes = onnxModel({
      inputs: [['x', [2, 3]]], outputs: [['y', [2, 3]]],
      nodes: [
        node('ReduceSum', ['x'], 's', [intAttribute('keepdims', 0)]),
        node('Greater', ['s', 's'], 'c'),
        withGraphs({ ...node('If', ['c'], 'y'), name: 'choose' }, {
          then_branch: thenBranch,
          else_branch: branch('else', [node('ReduceSum', ['x'], 'e')], [['e', [1, 1]]]),
        }),
      ],
    });
    expect(() => importOnnx(bytes)).toThrow(/%choose \(If\): .*only known at run time.*--input-value/);
  });
});

/** The spec's model with one more input (an INT64 scalar, which the spec's form cannot declare). */
function encodeWithExtraInput(spec: OnnxSpec, extra: ValueInfoProto): Uint8Array {
  return encodeModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: spec.opset ?? 17 }],
    producer_name: 'fusegraph-tests',
    graph: {
      name: 'test_model',
      node: [...spec.nodes],
      initializer: [...(spec.initializers ?? [])],
      input: [...spec.inputs.map(([name, shape]) => valueInfo(name, shape)), extra],
      output: spec.outputs.map(([name, shape]) => valueInfo(name, shape)),
    },
  });
}

describe('Loop', () => {
  const body = branch('body', [
    node('Mul', ['v_in', 'w'], 'vw'), node('Add', ['vw', 'x'], 'v_out'), node('Identity', ['cond_in'], 'cond_out'),
  ], [['cond_out', []], ['v_out', [2, 3]], ['v_out', [2, 3]]], [weights('w', [3], 7)], [
    typed('i', DataType.INT64, []), typed('cond_in', DataType.BOOL, []), valueInfo('v_in', [2, 3]),
  ]);
  body.output[0] = typed('cond_out', DataType.BOOL, []);
  body.output[2] = { ...valueInfo('scan', [2, 3]) };
  body.node.push(node('Identity', ['v_out'], 'scan'));

  it('with a constant trip count is unrolled, carrying values and stacking scan outputs', async () => {
    const graph = await agree({
      inputs: [['x', [2, 3]]], outputs: [['v', [2, 3]], ['all', [3, 2, 3]]],
      initializers: [int64Tensor('M', [3]), weights('v0', [2, 3], 2)],
      nodes: [{ ...withGraphs(node('Loop', ['M', '', 'v0'], 'v'), { body }), output: ['v', 'all'] }],
    });
    expect(graph.nodes.filter((n) => n.op === 'mul').length).toBe(3);
  });

  it('specializes an If on the iteration number inside the body, its branches reading body and outer values', async () => {
    const nested = branch('body', [
      node('Equal', ['i', 'zero'], 'first'),
      withGraphs(node('If', ['first'], 'v_out'), {
        then_branch: branch('then', [node('Add', ['v_in', 'x'], 'sum')], [['sum', [2, 3]]]),
        else_branch: branch('else', [node('Mul', ['v_in', 'outer_w'], 'prod')], [['prod', [2, 3]]]),
      }),
      node('Identity', ['cond_in'], 'cond_out'),
    ], [['cond_out', []], ['v_out', [2, 3]]], [int64Tensor('zero', [0])], [
      typed('i', DataType.INT64, []), typed('cond_in', DataType.BOOL, []), valueInfo('v_in', [2, 3]),
    ]);
    nested.output[0] = typed('cond_out', DataType.BOOL, []);
    const graph = await agree({
      inputs: [['x', [2, 3]]], outputs: [['v', [2, 3]]],
      initializers: [int64Tensor('M', [4]), weights('v0', [2, 3], 2), weights('outer_w', [3], 9)],
      nodes: [withGraphs(node('Loop', ['M', '', 'v0'], 'v'), { body: nested })],
    });
    expect(graph.nodes.filter((n) => n.op === 'add')).toHaveLength(1);
    expect(graph.nodes.filter((n) => n.op === 'mul')).toHaveLength(3);
  });

  it('refuses a trip count above the unroll limit and a computed one', () => {
    const model = (m: number): Uint8Array => onnxModel({
      inputs: [['x', [2, 3]]], outputs: [['v', [2, 3]], ['all', [m, 2, 3]]],
      initializers: [int64Tensor('M', [m]), weights('v0', [2, 3], 2)],
      nodes: [{ ...withGraphs({ ...node('Loop', ['M', '', 'v0'], 'v'), name: 'loop' }, { body }), output: ['v', 'all'] }],
    });
    expect(() => importOnnx(model(100))).toThrow(/%loop \(Loop\): the trip count 100 exceeds the 64/);
    const whileLoop = onnxModel({
      inputs: [['x', [2, 3]]], outputs: [['v', [2, 3]], ['all', [2, 2, 3]]],
      initializers: [weights('v0', [2, 3], 2)],
      nodes: [boolConstant('go', true), { ...withGraphs({ ...node('Loop', ['', 'go', 'v0'], 'v'), name: 'loop' }, { body }), output: ['v', 'all'] }],
    });
    expect(() => importOnnx(whileLoop)).toThrow(/%loop \(Loop\): fusegraph unrolls only loops with a constant trip count \(input M is absent\)/);
  });
});

describe('--input-value', () => {
  it('parses NAME=V[,V…] and reaches the importer through loadModel', async () => {
    expect(parseInputValues(['sr=16000', 'mix=0.5,1'])).toEqual({ sr: [16000], mix: [0.5, 1] });
    expect(() => parseInputValues(['sr'])).toThrow(/NAME=VALUE/);
    expect(() => parseInputValues(['sr=abc'])).toThrow(/not a comma-separated list/);
    const dir = mkdtempSync(join(tmpdir(), 'fusegraph-pin-'));
    try {
      const path = join(dir, 'vad.onnx');
      writeFileSync(path, encodeWithExtraInput({
        inputs: [['x', [2, 3]]], outputs: [['y', [2, 3]]],
        initializers: [int64Tensor('rate', [16000])],
        nodes: [node('Equal', ['sr', 'rate'], 'c'), withGraphs(node('If', ['c'], 'y'), { then_branch: thenBranch, else_branch: foreignBranch })],
      }, typed('sr', DataType.INT64, [])));
      const graph = await loadModel(path, { inputValues: parseInputValues(['sr=16000']) });
      expect(graph.inputs.map((i) => i.name)).toEqual(['x']);
      await expect(loadModel(path)).rejects.toThrow(/only known at run time.*--input-value NAME=VALUE/);
      // The CLI, as a user runs it: the bundle's signature has no sr, and it computes the then branch.
      const result = fusegraph('compile', path, '--input-value', 'sr=16000', '--target', 'js', '-o', join(dir, 'out'));
      expect(result.stderr).toBe('');
      const bundle = (await import(pathToFileURL(join(dir, 'out', 'vad.mjs')).href)) as { metadata: { inputs: { name: string }[] }; run(feeds: Feeds): Record<string, Float32Array> };
      expect(bundle.metadata.inputs.map((i) => i.name)).toEqual(['x']);
      expect(bundle.run({ x })['y']).toEqual(interpret(graph, { x })['y']);
      expect(fusegraph('compile', path, '--input-value', 'sr', '-o', join(dir, 'out2')).stderr).toMatch(/--input-value needs NAME=VALUE/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
