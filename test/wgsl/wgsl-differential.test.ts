// Differential tests of the WGSL backend on this machine's WebGPU adapter: random graphs from
// the shared arbitraries (every op and activation, batch 1 and larger), each shader compiled
// cleanly, outputs ≈ the interpreter's (both evaluate bodies in f32 steps). Edge
// values: 0, -0, ±1 besides the ordinary ±4 range. Not NaN and ±Inf, outside WGSL's float
// contract (codegen/wgsl/prelude.ts), and not ±1e4 or ±1e30: next to them small terms vanish
// in f32 ((-1 - x) + x is -1 or 0) and GPU compilers may reassociate (Mesa's does), so after
// a cancelling contraction no fixed tolerance holds. The activations test covers ±1e30 where
// it matters, saturation.

import { describe, it } from 'vitest';
import { arbGraphAndFeeds, assertGraphPropertyAsync, FINITE_EDGES, KERNEL_OPS } from '../arbitraries.ts';
import { agreesWithInterpreter } from './run-wgsl.ts';

/**
 * sqrt, reciprocal and pow make NaN and ±Inf from finite inputs (sqrt(-1), 1/0, (-2)^0.5),
 * outside WGSL's float contract once they flow on (its tanh(NaN) is 1, max with NaN is
 * unspecified); they are checked on JS and WASM, and validated as shaders here.
 */
const WGSL_OPS = KERNEL_OPS.filter((op) => op !== 'sqrt' && op !== 'reciprocal' && op !== 'pow');

// SwiftShader compiles a pipeline in ~0.5 s (a tiled conv shader in ~2 s): enough runs to meet
// every op, few enough for CI; a run of conv-heavy graphs on a loaded machine may take minutes.
const RUNS = 15;
const TIMEOUT_MS = 240_000;
const EDGES = FINITE_EDGES.filter((value) => Math.abs(value) <= 1);

describe('WGSL bundle vs interpreter', () => {
  for (const variant of ['unoptimized', 'O2'] as const) {
    for (const batch of [1, { min: 2, max: 9 }] as const) {
      const label = typeof batch === 'number' ? 'batch 1' : 'batches 2-9';
      it(`agrees on random graphs (${variant}, ${label}, edge values 0, ±1)`, async () => {
        const arb = arbGraphAndFeeds({ ops: WGSL_OPS, feeds: { edgeValues: EDGES, batch, subnormals: false } });
        await assertGraphPropertyAsync(arb, ({ graph, feeds }) => agreesWithInterpreter(graph, feeds, variant), { numRuns: RUNS });
      }, TIMEOUT_MS);
    }
  }
});
