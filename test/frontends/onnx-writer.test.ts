// The ONNX writer on optimized graphs: after -O2 a graph holds linear nodes with fused
// activations (PReLU's slope as an extra operand) and fused_elementwise bodies, which the
// writer spells out as ONNX ops; onnxruntime-node must compute what the interpreter does.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { writeOnnx } from '../../src/frontends/onnx/writer.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { Random } from '../../src/random.ts';
import { expectClose } from './compare.ts';
import { runOnnxRuntime } from './ort-runner.ts';

const DIR = new URL('../fixtures/pytorch/', import.meta.url);

describe('ONNX writer on optimized graphs', () => {
  for (const name of ['activations', 'gelu_silu', 'residual', 'flatten']) {
    it(`${name} at -O2 runs in onnxruntime as in the interpreter`, async () => {
      const graph = optimize(importOnnx(readFileSync(new URL(`${name}.onnx`, DIR))), { level: 'O2' }).graph;
      const input = graph.inputs[0];
      if (input === undefined) throw new Error('fixture without input');
      const sample = input.type.shape.slice(1).reduce<number>((n, d) => n * (typeof d === 'number' ? d : 1), 1);
      const feeds = { [input.name]: new Random(3).uniformArray(5 * sample, -3, 3) };
      expectClose(graph, interpret(graph, feeds), await runOnnxRuntime(writeOnnx(graph), graph, feeds), `${name} -O2`);
    });
  }

  it('writes a per-channel PReLU epilogue on rank-3 data and a select body', async () => {
    const b = new GraphBuilder('epilogues');
    const x = b.input('x', ['N', 3, 4]);
    const w = b.constant(new Random(1).uniformArray(20, -1, 1), [5, 4], 'w');
    const slope = b.constant(Float32Array.of(0.1, 0.2, 0.3), [3], 'slope');
    const h = b.linear(x, w, undefined, { op: 'prelu', attrs: {} }, [slope], 'h');
    const t = b.transpose(h, [0, 2, 1], 't');
    const y = b.op('fused_elementwise', [t], { body: { kind: 'select', cond: { kind: 'binary', fn: 'lt', lhs: { kind: 'operand', index: 0 }, rhs: { kind: 'const', value: 0 } }, ifTrue: { kind: 'unary', fn: 'exp', arg: { kind: 'operand', index: 0 } }, ifFalse: { kind: 'binary', fn: 'max', lhs: { kind: 'operand', index: 0 }, rhs: { kind: 'const', value: 0.5 } } } }, 'y');
    b.output(y);
    const graph = b.build();
    expect(graph.nodes.find((n) => n.name === 'y')?.op).toBe('fused_elementwise');
    const feeds = { x: new Random(2).uniformArray(2 * 12, -3, 3) };
    expectClose(graph, interpret(graph, feeds), await runOnnxRuntime(writeOnnx(graph), graph, feeds), 'epilogues');
  });
});
