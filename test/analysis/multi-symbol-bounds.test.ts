// Interval bounds on a graph of two symbols (a transformer-ish block over f32[N,S,8]:
// layer_norm, linear + relu, softmax over S): every symbol is bound, at 1 unless the caller
// gives `dims`, and the bounds contain what the interpreter computes at several (N, S), also
// through `inspectGraph` and `fusegraph inspect --dim`.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { interpretValues } from '../../ir/interpret.ts';
import { printGraph } from '../../ir/print.ts';
import type { Bounds } from '../../src/analysis/bounds.ts';
import { inspectGraph, type InspectReport } from '../../src/analysis/inspect.ts';
import { propagateBounds } from '../../src/analysis/propagate-bounds.ts';
import { GraphBuilder, type Value } from '../../src/builder.ts';
import { Random } from '../../src/random.ts';
import { fusegraph } from '../cli/fusegraph-process.ts';

const D = 8;
const BOX = { lo: -2, hi: 2 };

function block(): Graph {
  const random = new Random(7);
  const b = new GraphBuilder('block');
  const weights = (shape: number[], name: string): Value => b.constant(random.uniformArray(shape.reduce((p, d) => p * d, 1), -0.6, 0.6), shape, name);
  const x = b.input('x', ['N', 'S', D]);
  const normed = b.layerNorm(x, weights([D], 'g'), weights([D], 'beta'), { epsilon: 1e-5 }, 'normed');
  const hidden = b.linear(normed, weights([16, D], 'w1'), weights([16], 'b1'), { op: 'relu', attrs: {} }, [], 'hidden');
  const projected = b.linear(hidden, weights([D, 16], 'w2'), weights([D], 'b2'), undefined, [], 'projected');
  const activated = b.relu(b.add(x, projected), 'activated');
  b.output(activated, b.softmax(projected, 1, 'over_s'));
  return b.build();
}

/** Every interpreted value of `graph` at (n, s) lies in its bounds; `tile`: bounds taken at N = S = 1, repeated over positions. */
function expectContained(graph: Graph, bounds: ReadonlyMap<string, Bounds>, n: number, s: number, tile: boolean): number {
  const x = new Random(n * 100 + s).uniformArray(n * s * D, BOX.lo, BOX.hi);
  const values = interpretValues(graph, { x }, { N: n, S: s });
  let checked = 0;
  for (const [name, tensor] of values) {
    const bound = bounds.get(name);
    if (bound === undefined) throw new Error(`no bounds for ${name}`);
    if (!tile) expect(bound.shape, name).toEqual(tensor.shape);
    for (let i = 0; i < tensor.data.length; i++) {
      const v = Number(tensor.data[i]);
      const j = tile ? i % bound.lo.length : i;
      if (Number.isNaN(v)) {
        expect(bound.nan[j], `${name}[${i}] is NaN`).toBe(1);
        continue;
      }
      const lo = bound.lo[j] ?? NaN;
      const hi = bound.hi[j] ?? NaN;
      if (!(lo <= v && v <= hi)) throw new Error(`${name}[${i}] = ${v} at N=${n} S=${s} is outside [${lo}, ${hi}]`);
      checked++;
    }
  }
  return checked;
}

const dir = mkdtempSync(join(tmpdir(), 'fusegraph-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('interval bounds over several symbols', () => {
  const graph = block();

  it('binds every symbol at 1 by default: per-position bounds hold at every (N, S), softmax over S widened to [0, 1]', () => {
    const { values } = propagateBounds(graph, BOX);
    expect(values.get('x')?.shape).toEqual([1, 1, D]);
    expect(values.get('hidden')?.shape).toEqual([1, 1, 16]);
    const softmax = values.get('over_s');
    expect([...(softmax?.lo ?? [])].every((v) => v === 0) && [...(softmax?.hi ?? [])].every((v) => v === 1)).toBe(true);
    for (const [n, s] of [[1, 1], [2, 3], [3, 5]] as const) expect(expectContained(graph, values, n, s, true)).toBeGreaterThan(0);
  });

  it('binds the symbols the caller gives (the interpreter\'s dims): bounds of that shape, softmax over S at that length', () => {
    for (const [n, s] of [[2, 3], [1, 4]] as const) {
      const { values } = propagateBounds(graph, BOX, { dims: { N: n, S: s } });
      expect(values.get('over_s')?.shape).toEqual([n, s, D]);
      // At a given S the softmax bounds are tighter than [0, 1] (the layer's outputs are bounded).
      expect(Math.max(...(values.get('over_s')?.hi ?? []))).toBeLessThan(1);
      expect(expectContained(graph, values, n, s, false)).toBeGreaterThan(0);
    }
    expect(() => propagateBounds(graph, BOX, { dims: { S: 0 } })).toThrow(/symbolic dim S must be a positive integer/);
  });

  it('refuses bounds at S = 1 for ops that sum along S (they would not hold at larger S), and bounds them at a given S', () => {
    const b = new GraphBuilder('pooled');
    const x = b.input('x', ['N', 'S', D]);
    const h = b.relu(x, 'h');
    b.output(b.reduceSum(h, [1], false, 'summed'), b.matmul(b.transpose(h, [0, 2, 1]), h, 'gram'), b.reduceMax(h, [1], false, 'peak'));
    const pooled = b.build();
    expect(() => propagateBounds(pooled, BOX)).toThrow(/%summed \(reduce_sum\).*depend on the size of S .*--dim S=/);
    const gram = new GraphBuilder('gram');
    const y = gram.input('y', ['N', 'S', D]);
    gram.output(gram.matmul(gram.transpose(y, [0, 2, 1]), y, 'g'));
    expect(() => propagateBounds(gram.build(), BOX)).toThrow(/%g \(matmul\).*depend on the size of S/);
    const { values } = propagateBounds(pooled, BOX, { dims: { S: 4 } });
    // Four ReLU outputs of at most 2 sum to at most 8: more than S = 1 would claim.
    expect(Math.max(...(values.get('summed')?.hi ?? []))).toBeGreaterThan(2);
    expect(expectContained(pooled, values, 1, 4, false)).toBeGreaterThan(0);
  });

  it('inspect proves over the box without throwing, and its proofs agree with the interpreter', () => {
    for (const dims of [undefined, { N: 2, S: 3 }]) {
      const report = inspectGraph(graph, { box: { box: BOX, description: 'x in [-2, 2]' }, ...(dims === undefined ? {} : { dims }) });
      expect(report.layers.map((l) => l.value)).toEqual(['%hidden', '%activated']);
      const values = interpretValues(graph, { x: new Random(5).uniformArray(2 * 3 * D, BOX.lo, BOX.hi) }, { N: 2, S: 3 });
      for (const layer of report.layers) {
        const proved = layer.proved;
        expect(proved).not.toBeNull();
        const out = values.get(layer.value.slice(1))?.data ?? new Float32Array();
        const units = layer.units;
        for (const unit of proved?.dead ?? []) {
          for (let i = unit; i < out.length; i += units) expect(Number(out[i])).toBe(0);
        }
      }
    }
  });

  it('fusegraph inspect --input-range on an [N, S, 8] model, with and without --dim', () => {
    const model = join(dir, 'block.ir');
    writeFileSync(model, printGraph(graph, { weights: 'full' }));
    for (const extra of [[], ['--dim', 'S=3', '--dim', 'N=2']]) {
      const { status, stdout, stderr } = fusegraph('inspect', model, '--input-range', '-2,2', '--json', ...extra);
      expect(stderr).toBe('');
      expect(status).toBe(0);
      const report = JSON.parse(stdout) as InspectReport;
      expect(report.layers.every((l) => l.proved !== null)).toBe(true);
    }
    const bad = fusegraph('inspect', model, '--input-range', '-2,2', '--dim', 'S=0');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^fusegraph: error: --dim takes SYMBOL=SIZE/);
  });
});
