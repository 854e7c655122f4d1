// The WGSL target's CNN kernels against the interpreter on the shared random geometries
// (test/codegen/cnn-cases.ts: conv, conv_transpose, pooling, reduce_*, concat, slice, pad,
// resize with random windows, groups, activations, residuals, batch 1–3, symbolic or static),
// each shader compiled cleanly. Ordinary values only: NaN and ±Inf are outside WGSL's float
// contract (codegen/wgsl/prelude.ts). Few runs per op, since SwiftShader compiles every
// pipeline on the CPU; cnn-shaders.test.ts covers each shader path on purpose.

import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { TOLERANCE_BY_KIND, type Tolerance } from '../../src/tolerance.ts';
import { arbCnnCase, CNN_OPS } from '../codegen/cnn-cases.ts';
import { agreesOnEach } from './run-wgsl.ts';

/** The tiled conv shader costs a second or two to compile on SwiftShader; the others far less. */
const RUNS: Readonly<Record<string, number>> = { conv: 5, conv_transpose: 6 };

/**
 * resize is a layout op, exact by kind, but a linear one blends in f32 where the interpreter
 * rounds an f64 blend once: a few ulp, inside the elementwise bound.
 */
function toleranceOf(graph: Graph): Tolerance | undefined {
  const blends = graph.nodes.some((node) => node.op === 'resize' && node.attrs['mode'] === 'linear');
  return blends ? TOLERANCE_BY_KIND.elementwise : undefined;
}

describe('WGSL CNN kernels vs interpreter on random geometries', () => {
  for (const op of CNN_OPS) {
    it(op, async () => {
      await fc.assert(fc.asyncProperty(arbCnnCase(op), async ({ graph, feeds, describe: what }) => {
        try {
          await agreesOnEach(graph, [feeds], 'unoptimized', toleranceOf(graph));
        } catch (error) {
          throw new Error(`${what}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }), { numRuns: RUNS[op] ?? 8 });
    });
  }
});
