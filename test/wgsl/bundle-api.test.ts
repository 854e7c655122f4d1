// The WGSL bundle's interface: no imports, the JS bundle's metadata, external weights (given
// or fetched next to the module), load() errors for a missing WebGPU or an impossible
// maxBatch, and dispose().

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import seedMlp from '../../examples/seed-mlp.ts';
import { interpret } from '../../ir/interpret.ts';
import { compile } from '../../src/compile.ts';
import { Random } from '../../src/random.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { importBundle, writeBundle } from '../codegen/js/load-bundle.ts';
import { gpuDevice } from '../support/webgpu.ts';
import type { WgslSession } from './run-wgsl.ts';

interface WgslModule {
  readonly metadata: unknown;
  load(options?: { device?: GPUDevice; maxBatch?: number; weights?: Uint8Array }): Promise<WgslSession>;
}

const x = new Random(5).uniformArray(3 * 784, 0, 1);
const expected = interpret(seedMlp, { x }).logits ?? new Float32Array();

async function expectLogits(session: WgslSession): Promise<void> {
  const actual = (await session.run({ x })).logits ?? new Float32Array();
  expect(compareArrays(expected, actual, toleranceFor(seedMlp)).ok).toBe(true);
}

describe('WGSL bundle interface', () => {
  it('is one module without imports, with the JS bundle\'s metadata', async () => {
    const wgsl = compile(seedMlp, { target: 'wgsl' });
    const js = compile(seedMlp, { target: 'js' });
    const module = wgsl.files.find((file) => file.name === wgsl.entry)?.contents;
    expect(typeof module).toBe('string');
    expect(String(module)).not.toMatch(/\bimport\b/);
    const [wgslModule, jsModule] = await Promise.all([importBundle(wgsl), importBundle(js)]);
    expect((wgslModule as unknown as WgslModule).metadata).toEqual(jsModule.metadata);
  });

  it('loads external weights, given or fetched next to the module', async () => {
    const { device } = await gpuDevice();
    const bundle = compile(seedMlp, { target: 'wgsl', weights: 'external' });
    const dir = writeBundle(bundle);
    const module = (await import(/* @vite-ignore */ pathToFileURL(join(dir, bundle.entry)).href)) as WgslModule;
    const weightsFile = bundle.files.find((file) => file.name.endsWith('.bin'));
    expect(weightsFile).toBeDefined();
    const fetched = await module.load({ device, maxBatch: 4 });
    await expectLogits(fetched);
    fetched.dispose();
    const given = await module.load({ device, maxBatch: 4, weights: readFileSync(join(dir, weightsFile?.name ?? '')) });
    await expectLogits(given);
    given.dispose();
    await expect(module.load({ device, weights: new Uint8Array(8) })).rejects.toThrow(/bytes of weights/);
  });

  it('says what is missing: no WebGPU, or a maxBatch the buffers cannot hold', async () => {
    const { device } = await gpuDevice();
    const module = (await importBundle(compile(seedMlp, { target: 'wgsl' }))) as unknown as WgslModule;
    // Node has no navigator.gpu (the webgpu package is used through load({ device })).
    await expect(module.load()).rejects.toThrow(/navigator\.gpu/);
    await expect(module.load({ device, maxBatch: 0 })).rejects.toThrow(RangeError);
    await expect(module.load({ device, maxBatch: 1e9 })).rejects.toThrow(/maxBatch/);
  });
});
