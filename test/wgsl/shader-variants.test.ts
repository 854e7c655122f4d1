// The optional-feature shader variants: the subgroup reductions (softmax, wide reduce) compile
// cleanly on random and chosen graphs (Dawn's null backend) and, on an adapter with the
// `subgroups` feature (SwiftShader has it), give the interpreter's results like the portable
// shaders do; load() reports which variants it picked.

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { interpret, type Feeds } from '../../ir/interpret.ts';
import { wgslProgram } from '../../codegen/wgsl/target.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { Random } from '../../src/random.ts';
import { compareArrays, toleranceForF32Sums } from '../../src/tolerance.ts';
import { arbGraph, assertGraphPropertyAsync, KERNEL_OPS } from '../arbitraries.ts';
import { compilationMessages, deviceWithFeatures, gpuDevice, validationDevice } from '../support/webgpu.ts';
import { loadWgsl, prepared } from './run-wgsl.ts';

/** Every shader and every variant of the graph's bundle compiles without errors or warnings. */
async function checkVariants(device: GPUDevice, graph: Graph, variant: 'unoptimized' | 'O2'): Promise<number> {
  const target = prepared(graph, variant);
  let variants = 0;
  for (const shader of wgslProgram(target.graph, target.plan).shaders) {
    for (const code of [shader.code, shader.variants?.subgroups, shader.variants?.f16]) {
      if (code === undefined) continue;
      if (code !== shader.code) variants += 1;
      const messages = await compilationMessages(device, code);
      if (messages.length > 0) throw new Error(`a shader does not compile cleanly:\n${messages.join('\n')}\n${code}`);
    }
  }
  return variants;
}

/** Softmax over long and short rows (inner 1 and 3) and the four wide reductions. */
function reductions(): Graph {
  const b = new GraphBuilder('reductions');
  const x = b.input('x', ['N', 3, 300]);
  const y = b.input('y', ['N', 300, 3]);
  const z = b.input('z', ['N', 2, 7]);
  b.output(
    b.softmax(x, -1, 'rows'),
    b.softmax(y, 1, 'columns'),
    b.softmax(z, -1, 'short'),
    b.reduceSum(x, [2], true, 'sum'),
    b.reduceMean(y, [1], false, 'mean'),
    b.reduceMax(x, [2], false, 'max'),
    b.reduceMin(y, [1], true, 'min'),
  );
  return b.build();
}

function feedsOf(batch: number): Feeds {
  const random = new Random(batch + 11);
  return { x: random.uniformArray(batch * 900, -4, 4), y: random.uniformArray(batch * 900, -4, 4), z: random.uniformArray(batch * 14, -4, 4) };
}

async function agreesOn(device: GPUDevice, graph: Graph, expectSubgroups: boolean): Promise<void> {
  const target = prepared(graph, 'O2');
  const session = await loadWgsl(target.graph, target.plan, 3, device);
  try {
    expect((session as unknown as { features: { subgroups: boolean } }).features.subgroups).toBe(expectSubgroups);
    for (const batch of [1, 3]) {
      const feeds = feedsOf(batch);
      const expected = interpret(graph, feeds);
      const actual = await session.run(feeds);
      for (const name of graph.outputs) {
        const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), toleranceForF32Sums(graph, feeds));
        expect(comparison.ok, `batch ${batch}, ${name}: ${JSON.stringify(comparison)}`).toBe(true);
      }
    }
  } finally {
    session.dispose();
  }
}

describe('WGSL shader variants', () => {
  it('compile cleanly on random graphs and on the reductions that have them', async () => {
    const device = await validationDevice();
    expect(device.features.has('subgroups')).toBe(true);
    expect(await checkVariants(device, reductions(), 'O2')).toBeGreaterThanOrEqual(7);
    await assertGraphPropertyAsync(arbGraph({ ops: KERNEL_OPS }), async (graph) => {
      await checkVariants(device, graph, 'O2');
    }, { numRuns: 60 });
  });

  it('subgroup reductions agree with the interpreter where the adapter has subgroups', async () => {
    const graph = reductions();
    const device = await deviceWithFeatures(['subgroups']);
    if (device === undefined) {
      process.stderr.write(`skipped: ${(await gpuDevice()).description} has no subgroups feature\n`);
      return;
    }
    await agreesOn(device, graph, true);
    device.destroy();
    // The test device has no optional features: the portable shaders.
    await agreesOn((await gpuDevice()).device, graph, false);
  });
});
