// The seed model compiled with `compile(…, { target: 'wgsl' })` gives the interpreter's
// [32, 10] logits on a batch of 32, and one loaded bundle serves several batch sizes.

import { describe, expect, it } from 'vitest';
import seedMlp from '../../examples/seed-mlp.ts';
import { interpret } from '../../ir/interpret.ts';
import { compile } from '../../src/compile.ts';
import { Random } from '../../src/random.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { gpuDevice } from '../support/webgpu.ts';
import { checkShaders, prepared, type WgslSession } from './run-wgsl.ts';

interface WgslModule {
  readonly metadata: { readonly name: string; readonly outputs: readonly { readonly name: string; readonly shape: readonly (number | string)[] }[] };
  load(options: { device: GPUDevice; maxBatch?: number }): Promise<WgslSession>;
}

describe('seed MLP on WebGPU', () => {
  it('gives the interpreter\'s [32, 10] logits on a batch of 32, and serves other batches', async () => {
    const { device, description } = await gpuDevice();
    const target = prepared(seedMlp, 'O2');
    await checkShaders(device, target.graph, target.plan);
    const bundle = compile(seedMlp, { target: 'wgsl' });
    const module = (await importBundle(bundle)) as unknown as WgslModule;
    expect(module.metadata.outputs).toEqual([{ name: 'logits', shape: ['N', 10], dtype: 'f32' }]);
    const session = await module.load({ device, maxBatch: 64 });
    try {
      for (const batch of [32, 1, 7, 64]) {
        const x = new Random(batch).uniformArray(batch * 784, 0, 1);
        const expected = interpret(seedMlp, { x }).logits ?? new Float32Array();
        const actual = (await session.run({ x })).logits ?? new Float32Array();
        expect(actual.length).toBe(batch * 10);
        const comparison = compareArrays(expected, actual, toleranceFor(seedMlp));
        expect(comparison.ok, `${description}, batch ${batch}: ${JSON.stringify(comparison)}`).toBe(true);
      }
      await expect(session.run({ x: new Float32Array(65 * 784) })).rejects.toThrow(/maxBatch 64/);
      await expect(session.run({ x: new Float32Array(10) })).rejects.toThrow(/784/);
    } finally {
      session.dispose();
    }
    await expect(session.run({ x: new Float32Array(784) })).rejects.toThrow(/disposed/);
  });
});
