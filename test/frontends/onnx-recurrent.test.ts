// ONNX LSTM, GRU and RNN: random small configurations covering every attribute fusegraph
// supports (directions, layouts, activations with alpha/beta, clip, initial states,
// peepholes, constant sequence_lens, linear_before_reset), imported and interpreted, checked
// against onnxruntime-node; and the refusals (run-time sequence_lens, input_forget).

import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { Random } from '../../src/random.ts';
import { TOLERANCE_BY_KIND } from '../../src/tolerance.ts';
import { interpret, type Feeds } from '../../ir/interpret.ts';
import type { Graph } from '../../ir/graph.ts';
import { bindShape, sizeOf } from '../../ir/types.ts';
import { expectClose } from './compare.ts';
import { writeOnnxModel } from '../../src/frontends/onnx/writer.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { runOnnxRuntime } from './ort-runner.ts';
import { intAttribute, onnxModel, type OnnxSpec } from './onnx-model.ts';
import { randomConfig, recurrentSpec, type RecurrentConfig } from '../support/recurrent-configs.ts';

/** Imports the model of `c`, then compares the interpreter with onnxruntime. */
async function checkConfig(c: RecurrentConfig, seed: number): Promise<Graph> {
  const graph = importOnnx(onnxModel(recurrentSpec(c, seed)));
  const random = new Random(seed);
  const feeds: Record<string, Float32Array> = {};
  for (const input of graph.inputs) feeds[input.name] = random.uniformArray(sizeOf(bindShape(input.type.shape, c.batch)), -3, 3);
  const expected = await runOnnxRuntime(onnxModel(recurrentSpec(c, seed, true)), graph, feeds as Feeds);
  expectClose(graph, expected, interpret(graph, feeds as Feeds), 'onnxruntime vs interpreter', TOLERANCE);
  return graph;
}

// Activations such as relu and affine let the state grow over the steps; the inputs stay
// within ±3 and the weights within ±1, so values stay in the tens at most.
const TOLERANCE = TOLERANCE_BY_KIND.recurrent;


describe('ONNX recurrent layers against onnxruntime', () => {
  for (const cell of ['LSTM', 'GRU', 'RNN'] as const) {
    it(`${cell}: 12 random configurations`, async () => {
      const random = new Random(cell.length * 7 + 1);
      for (let i = 0; i < 12; i++) {
        const config = randomConfig(random, cell);
        try {
          await checkConfig(config, 10 + i);
        } catch (error) {
          throw new Error(`${JSON.stringify(config)}: ${String(error)}`);
        }
      }
    });
  }

  it('writeOnnx writes them back (plain and with the projection split off) and onnxruntime agrees', async () => {
    const random = new Random(77);
    for (const cell of ['LSTM', 'GRU', 'RNN'] as const) {
      for (let i = 0; i < 4; i++) {
        const config = randomConfig(random, cell);
        const imported = importOnnx(onnxModel(recurrentSpec(config, 40 + i)));
        for (const graph of [imported, optimize(imported, { level: 'O2' }).graph]) {
          const feeds: Record<string, Float32Array> = {};
          for (const input of graph.inputs) feeds[input.name] = random.uniformArray(sizeOf(bindShape(input.type.shape, config.batch)), -3, 3);
          const written = writeOnnxModel(graph);
          const expected = await runOnnxRuntime(written.bytes, graph, feeds as Feeds, written.names);
          try {
            expectClose(graph, expected, interpret(graph, feeds as Feeds), 'onnxruntime (written model) vs interpreter', TOLERANCE);
          } catch (error) {
            throw new Error(`${JSON.stringify(config)}: ${String(error)}`);
          }
        }
      }
    }
  });

  it('a symbolic batch in layout 1', async () => {
    const config: RecurrentConfig = {
      cell: 'LSTM', direction: 'bidirectional', layout: 1, steps: 3, batch: 2, input: 3, hidden: 2,
      bias: true, initialH: true, initialC: true, peepholes: false, symbolicBatch: true,
    };
    const graph = await checkConfig(config, 3);
    expect(graph.nodes.some((n) => n.op === 'lstm')).toBe(true);
  });

  it('refuses a run-time sequence_lens and input_forget, naming the node', () => {
    const spec = recurrentSpec({ cell: 'GRU', direction: 'forward', layout: 0, steps: 2, batch: 1, input: 2, hidden: 2, bias: false, initialH: false, initialC: false, peepholes: false }, 1);
    const node = spec.nodes[0];
    if (node === undefined) throw new Error('no node');
    const runtimeLens: OnnxSpec = { ...spec, nodes: [{ ...node, input: ['x', 'w', 'r', '', 'x'] }] };
    expect(() => importOnnx(onnxModel(runtimeLens))).toThrow(/sequence_lens must be a constant/);
    const forget: OnnxSpec = { ...spec, nodes: [{ ...node, op_type: 'LSTM', attribute: [...(node.attribute ?? []), intAttribute('input_forget', 1)] }] };
    expect(() => importOnnx(onnxModel(forget))).toThrow(/LSTM.*input_forget|input_forget/);
  });
});
