// The wasm attention kernels against the interpreter on the cases random graphs rarely draw:
// −Inf masks (PyTorch's key_padding_mask), a whole first tile of keys masked for some rows (the
// online softmax starts from m = −Inf), rows masked everywhere (NaN on both), masks broadcast
// along keys, Sq not a multiple of the kernel's row block, Sk under one key panel and across
// tiles, Dv with a half column block, D at the blocked kernel's limit and off the 4-lane width.
// Finite outputs agree within the README's budget max|V|·u·(8·L + 2·Sk + 8).

import { afterAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../../ir/graph.ts';
import { interpret } from '../../../ir/interpret.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { Random } from '../../../src/random.ts';
import { TargetRunner } from '../../conformance/targets.ts';

const runner = new TargetRunner();
afterAll(() => runner.dispose());

const BATCH = 2;
const HEADS = 2;

interface Case {
  readonly name: string;
  readonly sq: number;
  readonly sk: number;
  readonly d: number;
  readonly dv: number;
  /** The mask's shape (after the symbolic batch) and its value at [batch, …index]; none when absent. */
  readonly mask?: { readonly shape: readonly number[]; readonly value: (n: number, index: readonly number[]) => number };
}

const CASES: readonly Case[] = [
  {
    name: 'key padding mask across three tiles, Sq = 7, Dv = 12',
    sq: 7, sk: 150, d: 16, dv: 12,
    mask: { shape: [1, 1, 150], value: (n, [, , j]) => ((j ?? 0) >= 150 - 40 * (n + 1) ? -Infinity : 0) },
  },
  {
    name: 'the first tile masked for odd rows, one row masked everywhere',
    sq: 9, sk: 100, d: 32, dv: 32,
    mask: { shape: [1, 9, 100], value: (n, [, i, j]) => (i === 4 && n === 1 ? -Infinity : (i ?? 0) % 2 === 1 && (j ?? 0) < 64 ? -Infinity : ((j ?? 0) % 7) * 0.25) },
  },
  {
    name: 'a mask broadcast along keys (one value per row)',
    sq: 5, sk: 70, d: 8, dv: 8,
    mask: { shape: [HEADS, 5, 1], value: (n, [h, i]) => (n + (h ?? 0) + (i ?? 0)) * 0.5 },
  },
  { name: 'Sk under one panel of four keys', sq: 6, sk: 3, d: 4, dv: 4 },
  {
    name: 'Sk = 5 with a partly masked last panel, D = 128',
    sq: 4, sk: 5, d: 128, dv: 4,
    mask: { shape: [1, 4, 5], value: (_, [, i, j]) => (j === 4 && i !== 0 ? -Infinity : 0) },
  },
  { name: 'D and Dv off the 4-lane width (general kernel)', sq: 5, sk: 66, d: 6, dv: 3, mask: { shape: [1, 1, 66], value: (_, [, , j]) => ((j ?? 0) > 60 ? -Infinity : 0) } },
];

function graphOf(c: Case): Graph {
  const b = new GraphBuilder('attention_edges');
  const q = b.input('q', ['N', HEADS, c.sq, c.d]);
  const k = b.input('k', ['N', HEADS, c.sk, c.d]);
  const v = b.input('v', ['N', HEADS, c.sk, c.dv]);
  const mask = c.mask === undefined ? undefined : b.input('mask', ['N', ...c.mask.shape]);
  b.output(b.attention(q, k, v, { scale: 1 / Math.sqrt(c.d), ...(mask === undefined ? {} : { mask }) }, 'out'));
  return b.build();
}

function maskData(c: Case): Float32Array | undefined {
  if (c.mask === undefined) return undefined;
  const { shape, value } = c.mask;
  const size = shape.reduce((n, d) => n * d, 1);
  const data = new Float32Array(BATCH * size);
  for (let n = 0; n < BATCH; n++) {
    for (let flat = 0; flat < size; flat++) {
      let rest = flat;
      const index = shape.map(() => 0);
      for (let axis = shape.length - 1; axis >= 0; axis--) {
        index[axis] = rest % (shape[axis] ?? 1);
        rest = Math.floor(rest / (shape[axis] ?? 1));
      }
      data[n * size + flat] = value(n, index);
    }
  }
  return data;
}

describe('wasm attention kernels on edge cases', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const graph = graphOf(c);
      const random = new Random(c.sq * 1000 + c.sk);
      const size = (rows: number, cols: number): number => BATCH * HEADS * rows * cols;
      const mask = maskData(c);
      const feeds: Record<string, Float32Array> = {
        q: random.uniformArray(size(c.sq, c.d), -2, 2),
        k: random.uniformArray(size(c.sk, c.d), -2, 2),
        v: random.uniformArray(size(c.sk, c.dv), -2, 2),
        ...(mask === undefined ? {} : { mask }),
      };
      const want = interpret(graph, feeds)['out'] ?? new Float32Array();
      const session = await runner.open(graph, 'wasm', BATCH);
      try {
        const got = (await session.run(feeds))['out'] ?? new Float32Array();
        expect(got.length).toBe(want.length);
        const finiteMask = mask === undefined ? 0 : mask.reduce((m, x) => (Number.isFinite(x) ? Math.max(m, Math.abs(x)) : m), 0);
        const logit = (c.d * 4) / Math.sqrt(c.d) + finiteMask;
        const budget = 2 * 2 ** -24 * (8 * logit + 2 * c.sk + 8);
        let nans = 0;
        want.forEach((expected, i) => {
          const actual = got[i] ?? NaN;
          if (Number.isNaN(expected)) { nans++; expect(actual, `out[${i}]`).toBeNaN(); return; }
          expect(Math.abs(actual - expected), `out[${i}] = ${actual}, expected ${expected}`).toBeLessThanOrEqual(budget);
        });
        // Only the row masked everywhere is NaN (the interpreter's softmax of all −Inf).
        expect(nans).toBe(c.name.includes('everywhere') ? HEADS * c.dv : 0);
      } finally {
        session.dispose();
      }
    });
  }
});
