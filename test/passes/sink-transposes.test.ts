// sink-transposes on a TF/Keras-style ONNX model (NHWC input, every conv wrapped in layout
// transposes, bias add and relu in NHWC between): onnxruntime, the imported graph and the
// -O2 graph agree, the -O2 graph keeps only the first and last transposes, and the JS and
// wasm bundles compute the same.

import { describe, expect, it } from 'vitest';
import { interpret, type Feeds } from '../../ir/interpret.ts';
import { compile } from '../../src/compile.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { Random } from '../../src/random.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';
import { check } from '../frontends/onnx-check.ts';
import { intsAttribute, node, weights } from '../frontends/onnx-model.ts';
import { assertSameResults } from './equivalence.ts';

const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];

/** conv block i in NHWC: Transpose → Conv 3×3 → Transpose → Add(bias [C]) → Relu. */
function block(i: number, input: string): { nodes: ReturnType<typeof node>[]; output: string } {
  return {
    nodes: [
      node('Transpose', [input], `t${i}`, [intsAttribute('perm', TO_NCHW)]),
      node('Conv', [`t${i}`, `w${i}`], `c${i}`, [intsAttribute('pads', [1, 1, 1, 1])]),
      node('Transpose', [`c${i}`], `u${i}`, [intsAttribute('perm', TO_NHWC)]),
      node('Add', [`u${i}`, `b${i}`], `a${i}`),
      node('Relu', [`a${i}`], `r${i}`),
    ],
    output: `r${i}`,
  };
}

describe('sink-transposes', () => {
  it('folds the layout transposes between three NHWC convs, agreeing with onnxruntime', async () => {
    const blocks = [block(0, 'x')];
    for (let i = 1; i < 3; i++) blocks.push(block(i, blocks[i - 1]?.output ?? ''));
    const graph = await check({
      inputs: [['x', ['N', 6, 6, 4]]], outputs: [['r2', ['N', 6, 6, 4]]],
      initializers: [0, 1, 2].flatMap((i) => [weights(`w${i}`, [4, 4, 3, 3], 10 + i), weights(`b${i}`, [4], 20 + i)]),
      nodes: blocks.flatMap((b) => b.nodes),
    }, 2);
    expect(graph.nodes.filter((n) => n.op === 'transpose')).toHaveLength(6);
    const optimized = optimize(graph).graph;
    expect(optimized.nodes.filter((n) => n.op === 'transpose').map((n) => n.attrs['perm'])).toEqual([TO_NCHW, TO_NHWC]);
    expect(optimized.nodes.filter((n) => n.op === 'conv')).toHaveLength(3);
    const x = new Random(3).uniformArray(2 * 6 * 6 * 4, -1, 1);
    assertSameResults(graph, optimized, { x } as Feeds);
    const expected = interpret(graph, { x } as Feeds)['r2'] ?? new Float32Array();
    for (const target of ['js', 'wasm'] as const) {
      const session = await (await importBundle(compile(graph, { target }))).load();
      const actual = (await session.run({ x }))['r2'] ?? new Float32Array();
      const result = compareArrays(expected, actual, toleranceFor(graph));
      expect(result.ok, `${target}: ${JSON.stringify(result.mismatch)}`).toBe(true);
      session.dispose();
    }
  });
});
