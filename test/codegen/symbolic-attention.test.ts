// Fused attention over symbolic sequence lengths: one bundle per target (JS, wasm with run-time
// sizes, WGSL) serves every Sq and Sk, with a symbolic lead [N, H], and agrees with the
// interpreter at S = 1, 5, 64, 130 (a whole tile, a remainder tile, both), without a mask,
// with an additive key-padding mask [N, 1, 1, S] holding -Inf, and with a full mask [T, S]
// whose row stride is a run-time size. Head sizes: 8 (the register-blocked wasm kernel's pairs
// of value vectors), D = 16, Dv = 12 (its single-vector pass), and D, Dv off the 4-lane width
// (wasm's other kernel).

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { interpret, type Feeds } from '../../ir/interpret.ts';
import { compile } from '../../src/compile.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { Random } from '../../src/random.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { importBundle } from './js/load-bundle.ts';
import { loadWasmBundle } from './wasm/wasm-bundle.ts';
import { gpuDevice } from '../support/webgpu.ts';

type Dims = Record<string, number>;
type MaskKind = 'none' | 'padding' | 'full';
const H = 2;

/** q [N, H, T, d], k [N, H, S, d], v [N, H, S, dv] and the mask as inputs: T and S two symbols. */
function attentionGraph(mask: MaskKind, d: number, dv: number): Graph {
  const b = new GraphBuilder(`symbolic_attention_${mask}`);
  const q = b.input('q', ['N', H, 'T', d]);
  const k = b.input('k', ['N', H, 'S', d]);
  const v = b.input('v', ['N', H, 'S', dv]);
  const m = mask === 'none' ? undefined : b.input('mask', mask === 'padding' ? ['N', 1, 1, 'S'] : ['T', 'S']);
  b.output(b.attention(q, k, v, { scale: 1 / Math.sqrt(d), ...(m === undefined ? {} : { mask: m }) }, 'out'));
  return b.build();
}

/** Feeds at (N, T, S): a padding mask keeps key 0 and masks the last third of the keys of odd n. */
function feedsAt(mask: MaskKind, d: number, dv: number, n: number, t: number, s: number): Feeds {
  const random = new Random(n * 7919 + t * 131 + s);
  const feeds: Record<string, Float32Array> = {
    q: random.uniformArray(n * H * t * d, -2, 2),
    k: random.uniformArray(n * H * s * d, -2, 2),
    v: random.uniformArray(n * H * s * dv, -2, 2),
  };
  if (mask === 'padding') {
    const values = random.uniformArray(n * s, -1, 1);
    for (let i = 0; i < n; i++) {
      const kept = i % 2 === 1 ? Math.max(1, Math.ceil((2 * s) / 3)) : s;
      for (let j = kept; j < s; j++) values[i * s + j] = -Infinity;
    }
    feeds['mask'] = values;
  } else if (mask === 'full') {
    // Causal where the lengths allow it (row i sees keys ≤ i + S − T), key 0 always.
    const values = random.uniformArray(t * s, -1, 1);
    for (let i = 0; i < t; i++) for (let j = 1; j < s; j++) if (j > i + s - t) values[i * s + j] = -Infinity;
    feeds['mask'] = values;
  }
  return feeds;
}

const CASES: readonly { mask: MaskKind; d: number; dv: number }[] = [
  { mask: 'none', d: 8, dv: 8 }, { mask: 'padding', d: 8, dv: 8 }, { mask: 'full', d: 16, dv: 12 }, { mask: 'padding', d: 16, dv: 12 },
  // Off the 4-lane width: wasm's scalar-remainder kernel (attention-kernel.ts).
  { mask: 'full', d: 6, dv: 5 }, { mask: 'padding', d: 3, dv: 7 },
];
/** (N, T, S): one key, a remainder tile, a whole tile, whole tiles and a remainder; T ≠ S too. */
const SIZES: readonly (readonly [number, number, number])[] = [[1, 1, 1], [2, 5, 5], [1, 3, 64], [2, 64, 64], [1, 130, 130], [2, 7, 130]];

type Run = (feeds: Feeds, dims: Dims) => Promise<Record<string, Float32Array>>;

async function agreesEverywhere(graph: Graph, kind: MaskKind, d: number, dv: number, run: Run, where: string): Promise<void> {
  for (const [n, t, s] of SIZES) {
    const dims = { N: n, T: t, S: s };
    const feeds = feedsAt(kind, d, dv, n, t, s);
    const expected = interpret(graph, feeds, dims)['out'] ?? new Float32Array();
    const actual = (await run({ ...feeds }, dims))['out'] ?? new Float32Array();
    expect(actual.length, `${where} N=${n} T=${t} S=${s}`).toBe(expected.length);
    const comparison = compareArrays(expected, actual, toleranceFor(graph));
    expect(comparison.ok, `${where} N=${n} T=${t} S=${s}: ${JSON.stringify(comparison)}`).toBe(true);
  }
}

describe('fused attention over symbolic Sq and Sk, one bundle for every length', () => {
  it('the JS bundle agrees with the interpreter at every length', async () => {
    for (const { mask, d, dv } of CASES) {
      const graph = attentionGraph(mask, d, dv);
      const module = await importBundle(compile(graph, { target: 'js' }));
      await agreesEverywhere(graph, mask, d, dv, async (feeds, dims) => module.run(feeds, dims), `js ${mask} d=${d}`);
    }
  });

  it('the wasm bundle (run-time sizes, the register-blocked kernel) agrees with the interpreter at every length', async () => {
    for (const { mask, d, dv } of CASES) {
      const graph = attentionGraph(mask, d, dv);
      const bundle = compile(graph, { target: 'wasm' });
      const session = (await loadWasmBundle(bundle)) as unknown as { runSync(f: Feeds, dims: Dims): Record<string, Float32Array>; dispose(): void };
      try {
        await agreesEverywhere(graph, mask, d, dv, async (feeds, dims) => session.runSync(feeds, dims), `wasm ${mask} d=${d}`);
      } finally {
        session.dispose();
      }
    }
  });

  it('the WGSL bundle agrees with the interpreter at every length', async () => {
    const { device, description } = await gpuDevice();
    for (const { mask, d, dv } of CASES) {
      const graph = attentionGraph(mask, d, dv);
      const module = (await importBundle(compile(graph, { target: 'wgsl' }))) as unknown as {
        load(options: { device: GPUDevice }): Promise<{ run(f: Feeds, dims: Dims): Promise<Record<string, Float32Array>>; dispose(): void }>;
      };
      const session = await module.load({ device });
      try {
        await agreesEverywhere(graph, mask, d, dv, (feeds, dims) => session.run(feeds, dims), `${description} ${mask} d=${d}`);
      } finally {
        session.dispose();
      }
    }
  }, 60_000);
});
