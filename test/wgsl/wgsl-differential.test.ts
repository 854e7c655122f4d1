// Differential tests of the WGSL backend on this machine's WebGPU adapter: random graphs from
// the shared arbitraries (every op and activation, batch 1 and larger, finite edge values:
// NaN and ±Inf inputs are outside WGSL's float contract, see codegen/wgsl/prelude.ts), each
// shader compiled cleanly, outputs ≈ the interpreter's.

import { describe, it } from 'vitest';
import { arbGraphAndFeeds, assertGraphPropertyAsync } from '../arbitraries.ts';
import { agreesWithInterpreter } from './run-wgsl.ts';

// SwiftShader compiles a pipeline in ~0.5 s: enough runs to meet every op, few enough for CI.
const RUNS = 15;

describe('WGSL bundle vs interpreter', () => {
  for (const variant of ['unoptimized', 'O2'] as const) {
    for (const batch of [1, { min: 2, max: 9 }] as const) {
      const label = typeof batch === 'number' ? 'batch 1' : 'batches 2-9';
      it(`agrees on random graphs (${variant}, ${label}, finite edge values)`, async () => {
        const arb = arbGraphAndFeeds({ feeds: { finite: true, batch } });
        await assertGraphPropertyAsync(arb, ({ graph, feeds }) => agreesWithInterpreter(graph, feeds, variant), { numRuns: RUNS });
      });
    }
  }
});
