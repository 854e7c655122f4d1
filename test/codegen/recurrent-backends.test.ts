// Recurrent layers on the code generators: random small ONNX LSTM/GRU/RNN configurations
// (test/support/recurrent-configs.ts) compiled for JS, WASM and WGSL at -O0 (the kernel computes the input
// projection itself) and -O2 (a `linear` over every step feeds the kernel), each bundle
// checked against the interpreter within the recurrent tolerance of src/tolerance.ts.

import { describe, expect, it } from 'vitest';
import { interpret, type Feeds } from '../../ir/interpret.ts';
import { bindShape, sizeOf } from '../../ir/types.ts';
import { compile, type TargetName } from '../../src/compile.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { Random } from '../../src/random.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { onnxModel } from '../frontends/onnx-model.ts';
import { randomConfig, recurrentSpec } from '../support/recurrent-configs.ts';
import { gpuDevice } from '../support/webgpu.ts';
import { importBundle } from './js/load-bundle.ts';

async function agrees(target: TargetName, level: 'O0' | 'O2', seed: number, perCell: number): Promise<void> {
  const random = new Random(seed);
  for (const cell of ['LSTM', 'GRU', 'RNN'] as const) {
    for (let i = 0; i < perCell; i++) {
      // Always with B: a zero bias would hide a kernel reading the wrong bias row.
      const config = { ...randomConfig(random, cell), bias: true };
      const graph = importOnnx(onnxModel(recurrentSpec(config, seed + i)));
      const feeds: Record<string, Float32Array> = {};
      for (const input of graph.inputs) feeds[input.name] = random.uniformArray(sizeOf(bindShape(input.type.shape, config.batch)), -3, 3);
      const expected = interpret(graph, feeds as Feeds);
      const module = await importBundle(compile(graph, { target, level }));
      const session = await module.load(target === 'wgsl' ? { device: (await gpuDevice()).device, maxBatch: config.batch } : undefined);
      const actual = await session.run({ ...feeds });
      session.dispose();
      const tolerance = toleranceFor(graph);
      for (const name of graph.outputs) {
        const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), tolerance);
        if (!comparison.ok) throw new Error(`${target} ${level} ${JSON.stringify(config)}: ${name} differs: ${JSON.stringify(comparison.mismatch)}`);
      }
    }
  }
}

/** Layout 1 with a symbolic batch, run at batch 3. */
async function symbolicBatch(target: TargetName, level: 'O0' | 'O2'): Promise<void> {
  const random = new Random(5);
  // sequence_lens needs a static batch: left out.
  const { sequenceLens: _lens, ...rest } = randomConfig(random, 'LSTM');
  const config = { ...rest, layout: 1 as const, batch: 3, symbolicBatch: true };
  const graph = importOnnx(onnxModel(recurrentSpec(config, 9)));
  const feeds: Record<string, Float32Array> = {};
  for (const input of graph.inputs) feeds[input.name] = random.uniformArray(sizeOf(bindShape(input.type.shape, 3)), -3, 3);
  const expected = interpret(graph, feeds as Feeds);
  const module = await importBundle(compile(graph, { target, level }));
  const session = await module.load(target === 'wgsl' ? { device: (await gpuDevice()).device, maxBatch: 3 } : undefined);
  const actual = await session.run({ ...feeds });
  session.dispose();
  for (const name of graph.outputs) {
    const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), toleranceFor(graph));
    if (!comparison.ok) throw new Error(`${target} ${level} symbolic batch: ${name} differs: ${JSON.stringify(comparison.mismatch)}`);
  }
}

describe('recurrent layers on the backends', () => {
  for (const target of ['js', 'wasm', 'wgsl'] as const) {
    it(`${target}: a symbolic batch in layout 1 (O0 and O2)`, async () => {
      await symbolicBatch(target, 'O0');
      await symbolicBatch(target, 'O2');
    });
  }

  it('-O2 splits the input projection into one linear over every step', () => {
    const config = randomConfig(new Random(3), 'LSTM');
    const { graph } = optimize(importOnnx(onnxModel(recurrentSpec({ ...config, bias: true }, 4))), { level: 'O2' });
    const cell = graph.nodes.find((n) => n.op === 'lstm');
    expect(cell?.attrs['projected']).toBe(1);
    expect(graph.nodes.find((n) => n.name === cell?.inputs[0])?.op).toBe('linear');
  });

  for (const target of ['js', 'wasm', 'wgsl'] as const) {
    for (const level of ['O0', 'O2'] as const) {
      it(`${target} ${level} agrees with the interpreter`, async () => {
        // SwiftShader compiles each WGSL pipeline for seconds: fewer configurations there.
        await agrees(target, level, 21, target !== 'wgsl' ? 8 : level === 'O0' ? 2 : 1);
      });
    }
  }
});
