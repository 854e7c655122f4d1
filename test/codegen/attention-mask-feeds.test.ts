// A key padding mask of the wrong shape is one clear line everywhere: at import when the
// model declares it (naming the Reshape, the mask input and the shape it must fit), at
// verification for an attention node whose mask does not broadcast to the scores, and at
// run time from every bundle when a feed has the wrong length or disagrees with another
// input on the batch symbol. The CLI's exit code is checked in test/cli/mask-errors.test.ts.

import { afterAll, describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { verifyGraphOrThrow } from '../../ir/verify.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { TargetRunner } from '../conformance/targets.ts';
import { misdeclaredMaskModel, symbolicMaskedAttention } from '../support/masked-models.ts';
import { readPytorchSeq, recordedFeed } from '../support/pytorch-seq-fixtures.ts';

const runner = new TargetRunner();
afterAll(() => runner.dispose());

const TARGETS = ['js', 'wasm', 'wgsl'] as const;

describe('key padding masks of the wrong shape', () => {
  it('a model declaring a mask of the wrong length fails at import, naming the Reshape and the mask', () => {
    expect(() => importOnnx(misdeclaredMaskModel(6))).toThrow(
      '%"/mha/Reshape_3" (Reshape): %mask is bool[2,6]: cannot reshape [2,6] (12 values) to [2,1,1,7] (14)');
  });

  it('an attention node whose mask does not broadcast to the scores fails verification', () => {
    const b = new GraphBuilder('bad_mask');
    const q = b.input('q', [4, 5, 8]);
    const mask = b.input('m', [3, 1, 5]);
    expect(() => b.op('attention', [q, q, q, mask], { scale: 0.5 }, 'att')).toThrow('mask f32[3,1,5] must broadcast to the scores [4,5,5]');
    const ok = new GraphBuilder('ok_mask');
    const q2 = ok.input('q', [4, 5, 8]);
    ok.output(ok.op('attention', [q2, q2, q2, ok.input('m', [4, 1, 5])], { scale: 0.5 }, 'att'));
    expect(() => verifyGraphOrThrow(ok.build())).not.toThrow();
  });

  it('a mask feed of the wrong length is a RangeError from every bundle', async () => {
    const { bytes, io } = readPytorchSeq('mha_kpm_batch_first');
    const graph = importOnnx(bytes);
    const feeds = { ...recordedFeed(graph, io), mask: new Uint8Array(12) };
    expect(() => interpret(graph, feeds)).toThrow('input %mask needs 14 values for [2,7], got 12');
    for (const target of TARGETS) {
      const session = await runner.open(graph, target, 2);
      try {
        await expect(session.run(feeds), target).rejects.toThrow('fusegraph: input "mask" needs 14 values, got 12');
      } finally {
        session.dispose();
      }
    }
  });

  it('a mask whose batch disagrees with the other input is one line naming both, from every bundle', async () => {
    const graph = symbolicMaskedAttention();
    expect(optimize(graph).graph.nodes.filter((n) => n.op === 'attention')).toHaveLength(1);
    const feeds = { q: new Float32Array(2 * 2 * 7 * 4).fill(0.25), mask: new Uint8Array(3 * 7) };
    expect(() => interpret(graph, feeds)).toThrow('input %mask has N = 3, but input %q has N = 2');
    const want = { js: 'fusegraph: input "mask" has N = 3, but input "q" has N = 2', wasm: 'fusegraph: input "mask" holds 3 samples, but input "q" holds 2', wgsl: 'fusegraph: input "mask" holds 3 samples, but input "q" holds 2' };
    for (const target of TARGETS) {
      const session = await runner.open(graph, target, 4);
      try {
        await expect(session.run(feeds), target).rejects.toThrow(want[target]);
        // The same bundle runs a consistent batch, with a fully masked row giving NaN.
        const mask = new Uint8Array(2 * 7);
        mask.fill(1, 7, 14);
        const out = (await session.run({ q: feeds.q, mask }))['out'];
        expect(out?.slice(0, 56).every(Number.isFinite), target).toBe(true);
        expect(out?.slice(56).every(Number.isNaN), target).toBe(true);
      } finally {
        session.dispose();
      }
    }
  });
});
