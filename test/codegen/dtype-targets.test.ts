// i32 ids and bool masks on the bundles: each target's -O2 bundle of the dtype graphs matches
// the interpreter, takes Int32Array / BigInt64Array / Uint8Array feeds, and throws one clear
// Error for an id outside the table, a wrong typed array or an int64 beyond the i32 range.

import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/builder.ts';
import { targetEmitter } from '../../src/compile.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import type { Graph } from '../../ir/graph.ts';
import { interpret, type TypedFeeds } from '../../ir/interpret.ts';
import { TargetRunner, type ConformanceTarget } from '../conformance/targets.ts';
import { boolOutputGraph, embeddingClassifier, floats, maskOpsGraph, VOCAB } from '../support/dtype-graphs.ts';

const TARGETS: readonly ConformanceTarget[] = ['js', 'wasm', 'wgsl'];
const IDS = Int32Array.from([1, 2, 3, 0, 0, 10, -1, 4, 5, 0, 7, -11, 0, 0, 0]);
const CASES: readonly (readonly [string, () => Graph, TypedFeeds])[] = [
  ['embedding classifier', embeddingClassifier, { ids: IDS }],
  ['mask ops', maskOpsGraph, { x: floats(12, 9), m: Uint8Array.from([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1]) }],
  ['a fused bool result', boolOutputGraph, { x: Float32Array.of(-1, 0.5, 0.7, 0.2, 0.49, 3) }],
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

describe('typed inputs in the bundle interface', () => {
  it('states each input\'s element type in the .d.ts and the metadata', () => {
    for (const target of ['js', 'wasm', 'wgsl'] as const) {
      const { graph, plan } = optimize(maskOpsGraph(), { level: 'O2' });
      const bundle = targetEmitter(target)(graph, plan, { weights: 'embed' });
      const dts = String(bundle.files.find((f) => f.name.endsWith('.d.ts'))?.contents ?? '');
      expect(dts, target).toContain('readonly "m": Uint8Array;');
      expect(dts, target).toContain('readonly "x": Float32Array;');
      expect(dts, target).toContain('readonly dtype: "bool"');
      const module = String(bundle.files.find((f) => f.name === bundle.entry)?.contents ?? '');
      expect(module, target).toMatch(/"name": "m",\s*"shape": \[\s*"N",\s*4\s*\],\s*"dtype": "bool"/);
    }
  });

  it('refuses gather ids computed on the GPU for the WGSL target, naming the node', () => {
    const b = new GraphBuilder('computed_ids');
    const x = b.input('x', ['N', 3]);
    const table = b.constant(floats(8, 4), [4, 2], 'table');
    b.output(b.gather(table, b.cast(x, 'i32', 'ids'), 0, 'rows'));
    const { graph, plan } = optimize(b.build(), { level: 'O2' });
    expect(() => targetEmitter('wgsl')(graph, plan, { weights: 'embed' })).toThrow(/%rows \(gather\): WGSL target: gather ids must be a graph input or a constant/);
    expect(() => targetEmitter('js')(graph, plan, { weights: 'embed' })).not.toThrow();
  });
});
