// The JS target's window, reduce, gather and resize kernels against the interpreter on random
// valid geometries (test/codegen/cnn-cases.ts). JS sums in f64 in the interpreter's order and
// renders epilogues with the interpreter's f32 rounding, so results agree bit for bit.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emitJs } from '../../../codegen/js/target.ts';
import { interpret } from '../../../ir/interpret.ts';
import { compile } from '../../../src/compile.ts';
import { arbCnnCase, CNN_OPS, withEdgeValues } from '../cnn-cases.ts';
import { naivePlan } from '../naive-plan.ts';
import { importBundle } from './load-bundle.ts';

describe('JS CNN kernels vs interpreter', () => {
  for (const op of CNN_OPS) {
    it(`${op}: bit for bit on random geometries and edge values, unoptimized and -O2`, async () => {
      await fc.assert(fc.asyncProperty(arbCnnCase(op), fc.integer(), async ({ graph, feeds: plain, describe: what }, seed) => {
        const modules = await Promise.all([emitJs(graph, naivePlan(graph)), compile(graph, { target: 'js' })].map(importBundle));
        for (const feeds of [plain, withEdgeValues(plain, seed)]) {
          const expected = interpret(graph, feeds);
          for (const module of modules) {
            const actual = module.run({ ...feeds });
            for (const name of graph.outputs) expect(actual[name], what).toEqual(expected[name]);
          }
        }
      }), { numRuns: 40 });
    });
  }
});
