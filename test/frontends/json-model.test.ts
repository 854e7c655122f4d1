// fusegraph's JSON model format: every graph round-trips exactly (weights bit for bit,
// hostile names, fused bodies) with each weight storage, and bad documents are refused
// with a CompileError naming what is wrong.

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printGraph } from '../../ir/print.ts';
import { readJsonModel } from '../../src/frontends/json-model/read.ts';
import { writeJsonModel, type WeightStorage } from '../../src/frontends/json-model/write.ts';
import { loadModel } from '../../src/load-model.ts';
import { arbGraph, assertGraphProperty, CNN_OPS } from '../arbitraries.ts';
import { tempDir } from '../support/temp-dir.ts';

const STORAGES: WeightStorage[] = [{ kind: 'inline' }, { kind: 'safetensors', file: 'w.safetensors' }, { kind: 'bin', file: 'w.bin' }];

describe('JSON model format', () => {
  for (const storage of STORAGES) {
    it(`round-trips random graphs exactly (${storage.kind} weights)`, () => {
      assertGraphProperty(arbGraph({ weightEdges: true }), (graph) => {
        const written = writeJsonModel(graph, storage);
        const back = readJsonModel(written.json, { readSidecar: () => written.sidecar ?? new Uint8Array() });
        expect(printGraph(back, { weights: 'full' })).toBe(printGraph(graph, { weights: 'full' }));
      }, { numRuns: 60 });
    });
  }

  it('round-trips convolutional graphs exactly (every window, region and resize form)', () => {
    assertGraphProperty(arbGraph({ images: true, ops: CNN_OPS, weightEdges: true, maxNodes: 8 }), (graph) => {
      const written = writeJsonModel(graph, { kind: 'bin', file: 'w.bin' });
      const back = readJsonModel(written.json, { readSidecar: () => written.sidecar ?? new Uint8Array() });
      expect(printGraph(back, { weights: 'full' })).toBe(printGraph(graph, { weights: 'full' }));
    }, { numRuns: 100 });
  });

  it('loads a model with its sidecar from disk and refuses an absolute sidecar path', async () => {
    const graph = readJsonModel(writeJsonModel(sampleGraph()).json);
    const dir = tempDir('fusegraph-json-');
    const written = writeJsonModel(graph, { kind: 'safetensors', file: 'model.safetensors' });
    writeFileSync(join(dir, 'model.json'), written.json);
    writeFileSync(join(dir, 'model.safetensors'), written.sidecar ?? new Uint8Array());
    expect(printGraph(await loadModel(join(dir, 'model.json')), { weights: 'full' })).toBe(printGraph(graph, { weights: 'full' }));
    writeFileSync(join(dir, 'evil.json'), written.json.replace('"model.safetensors"', '"/etc/passwd"'));
    await expect(loadModel(join(dir, 'evil.json'))).rejects.toThrow(/must be a path relative to the model/);
  });

  it('refuses a sidecar path that leaves the model\'s folder, by .. or by a symbolic link', async () => {
    const graph = readJsonModel(writeJsonModel(sampleGraph()).json);
    const outside = tempDir('fusegraph-json-outside-');
    const dir = join(outside, 'models');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    const written = writeJsonModel(graph, { kind: 'bin', file: 'w.bin' });
    const sidecar = written.sidecar ?? new Uint8Array();
    writeFileSync(join(outside, 'secret.bin'), sidecar);
    writeFileSync(join(dir, 'sub', 'w.bin'), sidecar);
    const modelNaming = (file: string): string => written.json.replace('"w.bin"', JSON.stringify(file));
    writeFileSync(join(dir, 'escape.json'), modelNaming('../secret.bin'));
    await expect(loadModel(join(dir, 'escape.json'))).rejects.toThrow(/"\.\.\/secret\.bin" is outside the model's folder/);
    writeFileSync(join(dir, 'sneaky.json'), modelNaming('sub/../../secret.bin'));
    await expect(loadModel(join(dir, 'sneaky.json'))).rejects.toThrow(/outside the model's folder/);
    symlinkSync(join(outside, 'secret.bin'), join(dir, 'link.bin'));
    writeFileSync(join(dir, 'linked.json'), modelNaming('link.bin'));
    await expect(loadModel(join(dir, 'linked.json'))).rejects.toThrow(/symbolic link that leads outside the model's folder/);
    // Below the model's folder is fine.
    writeFileSync(join(dir, 'below.json'), modelNaming('sub/w.bin'));
    expect(printGraph(await loadModel(join(dir, 'below.json')), { weights: 'full' })).toBe(printGraph(graph, { weights: 'full' }));
  });

  it('refuses bad documents with the reason', () => {
    const good = writeJsonModel(sampleGraph()).json;
    const cases: [string, RegExp][] = [
      ['{', /not a JSON model/],
      ['[]', /must be a JSON object/],
      [good.replace('"fusegraph.model"', '"other"'), /"format" must be "fusegraph.model"/],
      [good.replace('"version": 1', '"version": 2'), /version 2 is not supported/],
      [good.replace('"op":"relu"', '"op":"hypernet"'), /%h \(hypernet\): unknown op 'hypernet'/],
      [good.replace('"inputs":["x","w","b"]', '"inputs":["x","nope","b"]'), /%h0 \(linear\): operand %nope is not defined before this node/],
      [good.replace('"shape":[3,4]', '"shape":[3,5]'), /%w \(const\): base64 data does not hold 15 f32 values/],
      [good.replace('"shape":[3,4]', '"shape":[1000000000000,4]'), /%w \(const\): dim 0 is 1000000000000/],
      [writeJsonModel(sampleGraph(), { kind: 'elided' }).json, /weights were elided/],
      [good.replace('"outputs": ["h"]', '"outputs": ["h","h"]'), /listed twice/],
    ];
    for (const [text, message] of cases) expect(() => readJsonModel(text), message.source).toThrow(message);
  });
});

function sampleGraph(): ReturnType<typeof readJsonModel> {
  const text = JSON.stringify({
    format: 'fusegraph.model', version: 1, name: 'sample',
    inputs: [{ name: 'x', shape: ['N', 4] }],
    nodes: [
      { name: 'w', op: 'const', attrs: { value: { shape: [3, 4], data: { base64: Buffer.alloc(48, 1).toString('base64') } } } },
      { name: 'b', op: 'const', attrs: { value: { shape: [3], data: { base64: Buffer.alloc(12).toString('base64') } } } },
      { name: 'h0', op: 'linear', inputs: ['x', 'w', 'b'], attrs: { activation: { op: 'leaky_relu', attrs: { alpha: 0.1 } } } },
      { name: 'h', op: 'relu', inputs: ['h0'] },
    ],
    outputs: ['h'],
  });
  return readJsonModel(text);
}
