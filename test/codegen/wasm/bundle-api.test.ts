// The wasm bundle's interface: the same metadata and load() as every target, runSync once
// loaded, external weights (next to the module, or given), clear errors for bad feeds,
// wrong weights and disposed sessions, and no per-call growth of state between calls.

import { describe, expect, it } from 'vitest';
import seedMlp from '../../../examples/seed-mlp.ts';
import { compile } from '../../../src/compile.ts';
import { Random } from '../../../src/random.ts';
import { importBundle } from '../js/load-bundle.ts';
import { expectAgrees } from './wasm-bundle.ts';

interface Session {
  readonly relaxedSimd: boolean;
  runSync(feeds: Record<string, Float32Array>): Record<string, Float32Array>;
  run(feeds: Record<string, Float32Array>): Promise<Record<string, Float32Array>>;
  dispose(): void;
}
interface Module {
  readonly metadata: { name: string; inputs: { name: string; shape: (number | string)[] }[]; outputs: { name: string; shape: (number | string)[] }[] };
  load(options?: object): Promise<Session>;
}

const x = new Random(3).uniformArray(3 * 784, 0, 1);

describe('wasm bundle API', () => {
  it('exports the metadata every target exports', async () => {
    const module = (await importBundle(compile(seedMlp, { target: 'wasm' }))) as unknown as Module;
    expect(module.metadata).toEqual({ name: 'seed_mlp', symbols: ['N'], inputs: [{ name: 'x', shape: ['N', 784], dtype: 'f32' }], outputs: [{ name: 'logits', shape: ['N', 10], dtype: 'f32' }] });
  });

  it('runs synchronously and asynchronously with the same results, call after call', async () => {
    const module = (await importBundle(compile(seedMlp, { target: 'wasm' }))) as unknown as Module;
    const session = await module.load();
    const first = session.runSync({ x });
    expectAgrees(seedMlp, { x }, first);
    const one = session.runSync({ x: x.subarray(0, 784) });
    expectAgrees(seedMlp, { x: x.subarray(0, 784) }, one);
    expect(Array.from((await session.run({ x })).logits ?? [])).toEqual(Array.from(first.logits ?? []));
    session.dispose();
    expect(() => session.runSync({ x })).toThrow(/disposed/);
  });

  it('rejects bad feeds with the input named', async () => {
    const session = await ((await importBundle(compile(seedMlp, { target: 'wasm' }))) as unknown as Module).load();
    expect(() => session.runSync({ x: new Float32Array(700) })).toThrow(/"x".*784/);
    expect(() => session.runSync({ y: x })).toThrow(/unknown input "y"/);
    expect(() => session.runSync({ x: Array.from(x) as unknown as Float32Array })).toThrow(/Float32Array/);
  });

  it('loads external weights next to the module or as given, and refuses the wrong size', async () => {
    const bundle = compile(seedMlp, { target: 'wasm', weights: 'external' });
    const file = bundle.files.find((f) => f.name.endsWith('.weights.bin'));
    expect(file).toBeDefined();
    const module = (await importBundle(bundle)) as unknown as Module;
    expectAgrees(seedMlp, { x }, (await module.load()).runSync({ x }));
    expectAgrees(seedMlp, { x }, (await module.load({ weights: file?.contents })).runSync({ x }));
    await expect(module.load({ weights: new Uint8Array(12) })).rejects.toThrow(/bytes of weights/);
  });

  it('can be told to skip the relaxed-SIMD module', async () => {
    const module = (await importBundle(compile(seedMlp, { target: 'wasm', wasm: { relaxed: true } }))) as unknown as Module;
    const session = await module.load({ relaxedSimd: false });
    expect(session.relaxedSimd).toBe(false);
    expectAgrees(seedMlp, { x }, session.runSync({ x }));
  });
});
