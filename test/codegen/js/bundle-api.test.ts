// The JS bundle's public interface: metadata, synchronous run with batch inference and clear
// errors, the load() session, external weights, and the seed model on a batch of 32.

import { describe, expect, it } from 'vitest';
import { emitJs } from '../../../codegen/js/target.ts';
import { interpret } from '../../../ir/interpret.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { Random } from '../../../src/random.ts';
import { compareArrays, toleranceFor } from '../../../src/tolerance.ts';
import seedMlp from '../../../examples/seed-mlp.ts';
import { compile } from '../../../src/compile.ts';
import { naivePlan } from '../naive-plan.ts';
import { importBundle } from './load-bundle.ts';

function twoInputGraph() {
  const b = new GraphBuilder('two');
  const x = b.input('x', ['N', 3]);
  const y = b.input('y', ['N', 3]);
  const s = b.input('s', [2]);
  b.output(b.add(x, y, 'sum'), b.relu(s, 'bias'));
  return b.build();
}

describe('JS bundle interface', () => {
  it('runs the seed model, compiled at -O2, on a batch of 32 and returns [32, 10] equal to the interpreter', async () => {
    const module = await importBundle(compile(seedMlp, { target: 'js', level: 'O2' }));
    const x = new Random(3).uniformArray(32 * 784, 0, 1);
    const logits = module.run({ x })['logits'];
    const expected = interpret(seedMlp, { x })['logits'];
    expect(logits).toBeInstanceOf(Float32Array);
    expect(logits?.length).toBe(32 * 10);
    expect(compareArrays(expected ?? new Float32Array(), logits ?? new Float32Array(), toleranceFor(seedMlp)).ok).toBe(true);
    expect(module.metadata).toEqual({ name: 'seed_mlp', symbols: ['N'], inputs: [{ name: 'x', shape: ['N', 784], dtype: 'f32' }], outputs: [{ name: 'logits', shape: ['N', 10], dtype: 'f32' }] });
  });

  it('infers the batch and rejects wrong lengths, missing, unknown and disagreeing inputs', async () => {
    const module = await importBundle(emitJs(twoInputGraph(), naivePlan(twoInputGraph())));
    const s = new Float32Array([-1, 2]);
    const ok = module.run({ x: new Float32Array(6).fill(1), y: new Float32Array(6).fill(2), s });
    expect(Array.from(ok['sum'] ?? [])).toEqual([3, 3, 3, 3, 3, 3]);
    expect(Array.from(ok['bias'] ?? [])).toEqual([0, 2]);
    expect(() => module.run({ x: new Float32Array(5), y: new Float32Array(6), s })).toThrow(/input "x" needs a whole, positive number of samples of 3 values, got 5/);
    expect(() => module.run({ x: new Float32Array(0), y: new Float32Array(0), s })).toThrow(RangeError);
    expect(() => module.run({ x: new Float32Array(6), y: new Float32Array(9), s })).toThrow(/input "y" has N = 3, but input "x" has N = 2/);
    expect(() => module.run({ x: new Float32Array(6), y: new Float32Array(6), s: new Float32Array(3) })).toThrow(/"s" needs 2 values, got 3/);
    expect(() => module.run({ x: new Float32Array(6), s })).toThrow(/input "y" is f32: expected a Float32Array, got nothing/);
    expect(() => module.run({ x: new Float32Array(6), y: new Float32Array(6), s, z: s })).toThrow(/unknown input "z"/);
    expect(() => module.run({ x: [1, 2, 3] as unknown as Float32Array, y: new Float32Array(3), s })).toThrow(TypeError);
  });

  it('offers load() sessions that run asynchronously and refuse to run after dispose', async () => {
    const module = await importBundle(emitJs(seedMlp, naivePlan(seedMlp)));
    const x = new Random(5).uniformArray(2 * 784, 0, 1);
    const session = await module.load();
    const result = await session.run({ x });
    expect(Array.from(result['logits'] ?? [])).toEqual(Array.from(module.run({ x })['logits'] ?? []));
    session.dispose();
    await expect(session.run({ x })).rejects.toThrow(/disposed/);
  });

  it('with external weights, loads them next to the module (or from given bytes) before running', async () => {
    const bundle = emitJs(seedMlp, naivePlan(seedMlp), { weights: 'external' });
    expect(bundle.files.map((f) => f.name).sort()).toEqual(['seed_mlp.d.mts', 'seed_mlp.d.ts', 'seed_mlp.mjs', 'seed_mlp.weights.bin']);
    const module = await importBundle(bundle);
    const x = new Random(9).uniformArray(3 * 784, 0, 1);
    expect(() => module.run({ x })).toThrow(/not loaded yet/);
    const session = await module.load();
    const result = await session.run({ x });
    const expected = interpret(seedMlp, { x })['logits'];
    expect(compareArrays(expected ?? new Float32Array(), result['logits'] ?? new Float32Array(), toleranceFor(seedMlp)).ok).toBe(true);
    const weights = bundle.files.find((f) => f.name.endsWith('.bin'))?.contents;
    const fresh = await importBundle(bundle);
    await expect(fresh.load({ weights: new Uint8Array(12) })).rejects.toThrow(/expected \d+ bytes of weights, got 12/);
    const given = await fresh.load({ weights: weights as Uint8Array });
    expect(Array.from((await given.run({ x }))['logits'] ?? [])).toEqual(Array.from(result['logits'] ?? []));
  });

  it('keeps the module small: the seed bundle carries its weights once', () => {
    const module = emitJs(seedMlp, naivePlan(seedMlp)).files.find((f) => f.name.endsWith('.mjs'))?.contents;
    expect(typeof module).toBe('string');
    const text = module as string;
    const base64 = /"([A-Za-z0-9+/=]{1000,})"/.exec(text)?.[1] ?? '';
    const weightValues = 784 * 128 + 128 + 128 * 10 + 10;
    // Packed weights are padded to whole 8-column panels (10 -> 16 columns of the second layer).
    expect(Buffer.from(base64, 'base64').length).toBe((weightValues + 6 * 128) * 4);
    // 20 KB before streaming, typed feeds and symbol binding joined every bundle (main alone:
    // 21.5 KB); the 8 × 8 register blocks of the two linear kernels then took it to ~34 KB;
    // dropping helpers nothing calls and the stream runtime (no output has an input's shape): 29.3 KB;
    // the second layer's leftover half block not unrolled (a small layer): 28.3 KB.
    expect(text.length - base64.length).toBeLessThan(28_700);
  });
});
