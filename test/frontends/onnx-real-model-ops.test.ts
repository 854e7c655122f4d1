// The import gaps the npm-shipped Silero VAD and openWakeWord models exposed, each on a
// hand-built model checked against onnxruntime-node: Pow with a constant exponent, Clip with
// a computed bound (a log-mel's `max - 80` floor), Size, and shapes given for inputs whose
// non-batch dims are symbolic (`inputShapes`, the CLI's --input-shape).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseInputShapes } from '../../src/cli/input-values.ts';
import { loadModel } from '../../src/load-model.ts';
import { fusegraph } from '../cli/fusegraph-process.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { DataType } from '../../src/frontends/onnx/proto.ts';
import { check } from './onnx-check.ts';
import { floatTensor, intAttribute, intsAttribute, node, onnxModel } from './onnx-model.ts';

const scalar = (name: string, value: number) => floatTensor(name, [], Float32Array.of(value));

describe('Pow with a constant exponent', () => {
  for (const p of [2, 3, 1, -1, -2, 4]) {
    it(`x^${p}`, async () => {
      await check({ inputs: [['x', ['N', 5]]], outputs: [['y', ['N', 5]]], initializers: [scalar('p', p)], nodes: [node('Pow', ['x', 'p'], 'y')] });
    });
  }

  for (const p of [0.5, -0.5]) {
    it(`|x|^${p} (sqrt and its reciprocal)`, async () => {
      await check({
        inputs: [['x', ['N', 5]]], outputs: [['y', ['N', 5]]], initializers: [scalar('p', p)],
        nodes: [node('Abs', ['x'], 'a'), node('Pow', ['a', 'p'], 'y')],
      });
    });
  }

  it('reads any constant exponent as the pow op, and refuses a computed one', () => {
    const model = (p: number) => onnxModel({ inputs: [['x', [2, 3]]], outputs: [['y', [2, 3]]], initializers: [scalar('p', p)], nodes: [node('Pow', ['x', 'p'], 'y')] });
    expect(importOnnx(model(1.5)).nodes.find((n) => n.op === 'pow')?.attrs['exponent']).toBe(1.5);
    expect(importOnnx(model(0)).nodes.find((n) => n.op === 'pow')?.attrs['exponent']).toBe(0);
    const computed = onnxModel({ inputs: [['x', [2, 3]], ['p', [1]]], outputs: [['y', [2, 3]]], nodes: [node('Pow', ['x', 'p'], 'y')] });
    expect(() => importOnnx(computed)).toThrow(/Pow.*the exponent %p must be a one-element float constant/);
  });
});

describe('Clip with a computed bound', () => {
  it("clips to the input's max minus 2, as a log-mel spectrogram floors its range", async () => {
    await check({
      inputs: [['x', [2, 6]]], outputs: [['y', [2, 6]]], initializers: [scalar('two', 2), scalar('hi', 2.5)],
      nodes: [
        node('ReduceMax', ['x'], 'm', [intAttribute('keepdims', 0)]),
        node('Sub', ['m', 'two'], 'lo'),
        node('Clip', ['x', 'lo', 'hi'], 'y'),
      ],
    });
  });

  it('a computed max alone', async () => {
    await check({
      inputs: [['x', [3, 4]]], outputs: [['y', [3, 4]]],
      nodes: [node('ReduceMean', ['x'], 'm', [intsAttribute('axes', [0, 1]), intAttribute('keepdims', 0)]), node('Clip', ['x', '', 'm'], 'y')],
    });
  });
});

describe('Size', () => {
  it('is the element count as a constant', async () => {
    const graph = await check({
      inputs: [['x', [2, 3, 4]]], outputs: [['y', [2, 3, 4]]],
      nodes: [node('Size', ['x'], 's'), { ...node('Cast', ['s'], 'f'), attribute: [intAttribute('to', DataType.FLOAT)] }, node('Mul', ['x', 'f'], 'y')],
    });
    expect(graph.nodes.filter((n) => n.op === 'const').length).toBe(1);
  });

  it('refuses a symbolic batch', () => {
    const bytes = onnxModel({ inputs: [['x', ['N', 3]]], outputs: [['y', ['N', 3]]], nodes: [node('Size', ['x'], 's'), { ...node('Cast', ['s'], 'f'), attribute: [intAttribute('to', DataType.FLOAT)] }, node('Mul', ['x', 'f'], 'y')] });
    expect(() => importOnnx(bytes)).toThrow(/Size.*symbolic batch.*--input-shape/);
  });
});

describe('inputShapes for symbolic non-batch dims', () => {
  const model = onnxModel({ inputs: [['x', ['batch', 'samples']], ['h', [2, 'batch', 4]]], outputs: [['y', ['batch', 'samples']]], nodes: [node('Relu', ['x'], 'y')] });

  it('are symbols unless given (several symbols; wasm and WGSL take one batch-like product)', () => {
    expect(importOnnx(model).inputs[0]?.type.shape).toEqual(['batch', 'samples']);
  });

  it('replace the declared shape', async () => {
    const graph = importOnnx(model, { inputShapes: { x: [1, 512], h: [2, 1, 4] } });
    expect(graph.inputs.map((i) => i.type.shape)).toEqual([[1, 512], [2, 1, 4]]);
    expect(graph.nodes.at(-1)?.type.shape).toEqual([1, 512]);
  });

  it('must keep the rank and the fixed dims, be positive, and name free inputs', () => {
    expect(() => importOnnx(model, { inputShapes: { x: [1, 512], h: [2, 1] } })).toThrow(/--input-shape for input %h gives rank 2; the model declares rank 3/);
    expect(() => importOnnx(model, { inputShapes: { x: [1, 512], h: [3, 1, 4] } })).toThrow(/sets axis 0 to 3; the model fixes it at 2/);
    expect(() => importOnnx(model, { inputShapes: { x: [1, 0], h: [2, 1, 4] } })).toThrow(/needs positive integer sizes/);
    expect(() => importOnnx(model, { inputShapes: { x: [1, 8], h: [2, 1, 4], z: [1] } })).toThrow(/--input-shape names %z, which is not a \(free\) input/);
  });
});

describe('--input-shape', () => {
  it('parses NAME=D1,D2,… and reaches the importer through loadModel and the CLI', async () => {
    expect(parseInputShapes(['input=1,512', 'state=2,1,128'])).toEqual({ input: [1, 512], state: [2, 1, 128] });
    expect(() => parseInputShapes(['input'])).toThrow(/--input-shape needs NAME=D1,D2/);
    const dir = mkdtempSync(join(tmpdir(), 'fusegraph-shape-'));
    try {
      const path = join(dir, 'audio.onnx');
      writeFileSync(path, onnxModel({ inputs: [['x', ['batch', 'samples']]], outputs: [['y', ['batch', 'samples']]], nodes: [node('Relu', ['x'], 'y')] }));
      expect((await loadModel(path)).inputs[0]?.type.shape).toEqual(['batch', 'samples']);
      const graph = await loadModel(path, { inputShapes: parseInputShapes(['x=1,6']) });
      expect(graph.inputs[0]?.type.shape).toEqual([1, 6]);
      const result = fusegraph('compile', path, '--input-shape', 'x=1,6', '--target', 'js', '-o', join(dir, 'out'));
      expect(result.stderr).toBe('');
      const bundle = (await import(pathToFileURL(join(dir, 'out', 'audio.mjs')).href)) as { metadata: { inputs: { shape: unknown[] }[] }; run(feeds: Record<string, Float32Array>): Record<string, Float32Array> };
      expect(bundle.metadata.inputs[0]?.shape).toEqual([1, 6]);
      expect(Array.from(bundle.run({ x: Float32Array.of(-1, 2, -3, 4, 0, 5) })['y'] ?? [])).toEqual([0, 2, 0, 4, 0, 5]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
