// Fixture tests: each .ir file under fixtures/ holds an input graph, the passes to run and
// the expected graph; outputs are compared as printed IR text (full weights), and the
// rewritten graph must still compute what the input did.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../ir/interpret.ts';
import { parseGraph } from '../../ir/parse.ts';
import { printGraph } from '../../ir/print.ts';
import { runPasses } from '../../src/passes/pass-manager.ts';
import { resolvePasses } from '../../src/passes/pipeline.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { arbFeeds } from '../arbitraries.ts';
import { fixtureFiles, readFixture } from './fixture-support.ts';

const full = { weights: 'full' } as const;

describe('pass fixtures', () => {
  for (const file of fixtureFiles()) {
    it(file, () => {
      const fixture = readFixture(file);
      const input = parseGraph(fixture.input, { file });
      const { graph } = runPasses(input, resolvePasses(fixture.passes), { verifyEach: true });
      const expected = fixture.expected === undefined ? input : parseGraph(fixture.expected, { file });
      expect(printGraph(graph, full)).toBe(printGraph(expected, full));
      fc.assert(fc.property(arbFeeds(input, { finite: true, batch: 3 }), (feeds) => {
        const before = interpret(input, feeds);
        const after = interpret(graph, feeds);
        for (const name of input.outputs) {
          const result = compareArrays(before[name] ?? new Float32Array(), after[name] ?? new Float32Array(), toleranceFor(input));
          expect(result.ok, `${name}: ${JSON.stringify(result.mismatch)}`).toBe(true);
        }
      }), { numRuns: 10 });
    });
  }
});
