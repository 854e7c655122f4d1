// The committed PyTorch recurrent exports (test/fixtures/pytorch-rnn: a 2-layer bidirectional
// nn.LSTM and a batch-first nn.GRU): the ONNX import on the interpreter and on the JS, WASM and
// WGSL bundles, and fusegraph's own nn.lstm / nn.gru built from the same state dict (PyTorch's
// names and gate order), all against PyTorch's recorded outputs.

import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { gru, lstm, toGraph, type Module } from '../../src/nn.ts';
import { TargetRunner, type ConformanceTarget } from '../conformance/targets.ts';
import { relativeError, type Recorded } from '../support/pytorch-cnn-fixtures.ts';

interface RnnIo {
  module: { cell: 'LSTM' | 'GRU'; input_size: number; hidden_size: number; num_layers?: number; bidirectional?: boolean; batch_first?: boolean };
  input: Recorded;
  outputs: Recorded[];
  state_dict: Record<string, { shape: number[]; data: number[] }>;
}

const DIR = new URL('../fixtures/pytorch-rnn/', import.meta.url);
const MODELS = ['lstm_2layer_bidir', 'gru_batch_first'];
/** f32 recurrences over 5–6 steps; PyTorch and fusegraph sum the gates in different orders. */
const MAX_RELATIVE_ERROR = 1e-4;

function read(name: string): { bytes: Uint8Array; io: RnnIo } {
  return {
    bytes: readFileSync(new URL(`${name}.onnx`, DIR)),
    io: JSON.parse(readFileSync(new URL(`${name}.io.json`, DIR), 'utf8')) as RnnIo,
  };
}

const runner = new TargetRunner();
afterAll(() => runner.dispose());

describe('PyTorch LSTM/GRU fixtures', () => {
  for (const name of MODELS) {
    for (const target of ['interpreter', 'js', 'wasm', 'wgsl'] as ConformanceTarget[]) {
      it(`${name}: the ONNX export on ${target} matches PyTorch`, async () => {
        const { bytes, io } = read(name);
        const graph = importOnnx(bytes, { file: `${name}.onnx` });
        const session = await runner.open(graph, target, 2);
        try {
          const results = await session.run({ x: Float32Array.from(io.input.data) });
          for (const output of io.outputs) {
            expect(relativeError(output.data, results[output.name]), `${output.name}`).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
          }
        } finally {
          session.dispose();
        }
      });
    }

    it(`${name}: nn.${name.startsWith('lstm') ? 'lstm' : 'gru'} with the state dict matches PyTorch's output`, () => {
      const { io } = read(name);
      const m = io.module;
      const options = { numLayers: m.num_layers ?? 1, bidirectional: m.bidirectional ?? false, batchFirst: m.batch_first ?? false };
      const module: Module = m.cell === 'LSTM' ? lstm(m.input_size, m.hidden_size, options) : gru(m.input_size, m.hidden_size, options);
      const weights = new Map(Object.entries(io.state_dict).map(([key, t]) => [key, { shape: t.shape, data: Float32Array.from(t.data) }]));
      const graph = toGraph(module, { name, inputShape: io.input.shape, weights, outputName: 'y' });
      const y = interpret(graph, { x: Float32Array.from(io.input.data) })['y'];
      const want = io.outputs.find((o) => o.name === 'y');
      expect(want).toBeDefined();
      expect(relativeError(want?.data ?? [], y)).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
    });
  }
});
