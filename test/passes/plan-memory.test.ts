// Memory planning: exact plans for small graphs, and on random graphs (before and after
// -O2) slots that never overlap while live, checked directly and by running from an arena.

import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { planMemory } from '../../src/passes/plan-memory.ts';
import { arbGraphAndFeeds, assertGraphProperty } from '../arbitraries.ts';
import { planProblems, runFromArena } from './plan-check.ts';
import { affine } from '../support/affine-size.ts';

describe('planMemory', () => {
  it('reuses a dead value\'s memory and works in place for elementwise ops', () => {
    const b = new GraphBuilder('chain');
    const x = b.input('x', ['N', 8]);
    const w = b.constant(new Float32Array(64).fill(0.5), [8, 8], 'w');
    const h1 = b.linear(x, w, undefined, undefined, [], 'h1');
    const r1 = b.relu(h1, 'r1');
    const h2 = b.linear(r1, w, undefined, undefined, [], 'h2');
    const h3 = b.linear(h2, w, undefined, undefined, [], 'h3');
    b.output(b.sigmoid(h3, 'y'));
    const graph = b.build();
    const plan = planMemory(graph);
    // h1 [0, 8N); r1 overwrites it in place; h2 cannot overlap r1 (its operand): [8N, 16N);
    // h3 reuses r1's memory, dead by then.
    expect(plan.slots.get('h1')).toEqual({ offset: affine(0, 0), size: affine(8, 0) });
    expect(plan.slots.get('r1')).toEqual({ offset: affine(0, 0), size: affine(8, 0), inPlaceOf: 'h1' });
    expect(plan.slots.get('h2')?.offset).toEqual(affine(8, 0));
    expect(plan.slots.get('h3')?.offset).toEqual(affine(0, 0));
    expect(plan.slots.has('y')).toBe(false);
    expect(plan.slots.has('w')).toBe(false);
    expect(plan.arenaSize).toEqual(affine(16, 0));
    expect(plan.peak).toEqual(affine(16, 0));
  });

  it('lets reshape/flatten share their operand and keeps static values after the batched region', () => {
    const b = new GraphBuilder('views');
    const x = b.input('x', ['N', 2, 3]);
    const m = b.input('m', [2, 2]);
    const t = b.tanh(x, 't');
    const f = b.flatten(t, 1, 'f');
    const s = b.sigmoid(m, 's');
    b.output(b.relu(f, 'y'), b.relu(s, 'z'));
    const plan = planMemory(b.build());
    expect(plan.slots.get('f')).toEqual({ offset: affine(0, 0), size: affine(6, 0), inPlaceOf: 't' });
    // The batched region holds 6 per sample (8 after 16-byte alignment); s comes after it.
    expect(plan.slots.get('s')?.offset).toEqual(affine(8, 0));
    expect(plan.arenaSize).toEqual(affine(8, 4));
  });

  it('never overwrites a value a view of it still needs', () => {
    const b = new GraphBuilder('alias');
    const x = b.input('x', ['N', 4]);
    const t = b.tanh(x, 't');
    const v = b.reshape(t, [-1, 2, 2], 'v');
    const s = b.sigmoid(t, 's'); // t's last direct use, but v is read below
    const back = b.flatten(v, 1, 'back');
    b.output(b.add(s, back, 'y'));
    const graph = b.build();
    const plan = planMemory(graph);
    expect(plan.slots.get('s')?.inPlaceOf).toBeUndefined();
    expect(planProblems(graph, plan, 3)).toEqual([]);
  });

  for (const level of ['O0', 'O2'] as const) {
    it(`plans every random graph soundly at -${level} (direct check and arena run)`, () => {
      assertGraphProperty(arbGraphAndFeeds({ maxNodes: 10, feeds: { finite: true } }), ({ graph, feeds, batch }) => {
        const { graph: optimized, plan } = optimize(graph, { level, verifyEach: true });
        for (const b of [1, batch, 5]) expect(planProblems(optimized, plan, b)).toEqual([]);
        expect(runFromArena(optimized, plan, feeds)).toEqual(interpret(optimized, feeds));
      }, { numRuns: 80 });
    });
  }
});
