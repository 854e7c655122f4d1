// i32 ids and bool masks on the bundles: each target's -O2 bundle of the dtype graphs matches
// the interpreter, takes Int32Array / BigInt64Array / Uint8Array feeds, and throws one clear
// Error for an id outside the table, a wrong typed array or an int64 beyond the i32 range.

import { afterAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { interpret, type TypedFeeds } from '../../ir/interpret.ts';
import { TargetRunner, type ConformanceTarget } from '../conformance/targets.ts';
import { embeddingClassifier, floats, maskOpsGraph, VOCAB } from '../support/dtype-graphs.ts';

const TARGETS: readonly ConformanceTarget[] = ['js', 'wasm', 'wgsl'];
const IDS = Int32Array.from([1, 2, 3, 0, 0, 10, -1, 4, 5, 0, 7, -11, 0, 0, 0]);
const CASES: readonly (readonly [string, () => Graph, TypedFeeds])[] = [
  ['embedding classifier', embeddingClassifier, { ids: IDS }],
  ['mask ops', maskOpsGraph, { x: floats(12, 9), m: Uint8Array.from([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1]) }],
];

/** Bit-exact, except the classifier's logits: linear kernels may accumulate in f32 (src/tolerance.ts). */
function expectMatch(name: string, got: Float32Array | undefined, want: Float32Array | undefined): void {
  if (name !== 'logits') {
    expect(Array.from(got ?? []), name).toEqual(Array.from(want ?? []));
    return;
  }
  expect(got?.length).toBe(want?.length);
  (want ?? []).forEach((value, i) => expect(Math.abs((got?.[i] ?? NaN) - value), `logits[${i}]`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(value))));
}

const runner = new TargetRunner();
afterAll(() => runner.dispose());

describe.each(TARGETS)('i32 and bool tensors on the %s bundle', (target) => {
  for (const [label, make, feeds] of CASES) {
    it(`${label} matches the interpreter exactly`, async () => {
      const graph = make();
      const session = await runner.open(graph, target, 4);
      try {
        const want = interpret(graph, feeds);
        const got = await session.run(feeds);
        for (const name of graph.outputs) expectMatch(name, got[name], want[name]);
      } finally {
        session.dispose();
      }
    });
  }

  it('takes a BigInt64Array and refuses bad feeds with one clear Error', async () => {
    const graph = embeddingClassifier();
    const session = await runner.open(graph, target, 4);
    try {
      const want = interpret(graph, { ids: IDS });
      const big = BigInt64Array.from(Array.from(IDS, BigInt));
      const first = (await session.run({ ids: IDS }))['logits'];
      expectMatch('logits', first, want['logits']);
      expect((await session.run({ ids: big }))['logits']).toEqual(first);
      const bad = Int32Array.from(IDS);
      bad[8] = VOCAB;
      await expect(session.run({ ids: bad })).rejects.toThrow('fusegraph: id 11 at position [1, 3] of %ids is outside [-11, 11)');
      bad[8] = -VOCAB - 1;
      await expect(session.run({ ids: bad })).rejects.toThrow('fusegraph: id -12 at position [1, 3] of %ids is outside [-11, 11)');
      await expect(session.run({ ids: Float32Array.from(IDS) })).rejects.toThrow('fusegraph: input "ids" is i32: expected an Int32Array or a BigInt64Array, got Float32Array');
      big[4] = 2n ** 40n;
      await expect(session.run({ ids: big })).rejects.toThrow('fusegraph: input "ids": value 1099511627776 at index 4 is outside the supported i32 range ±16777216');
      expect((await session.run({ ids: IDS }))['logits'], 'a bad run corrupts nothing').toEqual(first);
    } finally {
      session.dispose();
    }
  });
});
