// Every activation on the WGSL target, standalone and fused into `linear`, at ordinary and
// saturating inputs (±1e30, ±1e4, ±100): no NaN or Inf where the f32 result is finite, and
// the interpreter's values within tolerance. Softmax stays stable on huge logits.

import { describe, expect, it } from 'vitest';
import { ACTIVATION_OPS, activationParamCount, OPS } from '../../ir/ops/index.ts';
import { interpret } from '../../ir/interpret.ts';
import { GraphBuilder, type Value } from '../../src/builder.ts';
import { agreesWithInterpreter, loadWgsl, prepared } from './run-wgsl.ts';

const EDGES = [0, -0, 1, -1, 0.1, -0.1, 1e-5, -1e-5, 3, -3, 20, -20, 100, -100, 1e4, -1e4, 1e30, -1e30];

function activationGraph(): ReturnType<GraphBuilder['build']> {
  const b = new GraphBuilder('activations');
  const x = b.input('x', ['N', EDGES.length]);
  // Identity weights, so the fused epilogue sees exactly the edge values.
  const eye = new Float32Array(EDGES.length * EDGES.length);
  for (let i = 0; i < EDGES.length; i++) eye[i * EDGES.length + i] = 1;
  const weight = b.constant(eye, [EDGES.length, EDGES.length]);
  const outputs: Value[] = [];
  for (const op of ACTIVATION_OPS) {
    const params = Array.from({ length: activationParamCount({ op, attrs: {} }) }, () => b.constant(new Float32Array([0.25]), [1]));
    outputs.push(b.op(op, [x, ...params], {}, `${op}_alone`));
    outputs.push(b.linear(x, weight, undefined, { op, attrs: {} }, params, `${op}_fused`));
  }
  b.output(...outputs);
  return b.build();
}

describe('WGSL activations', () => {
  it('covers every activation of the op table', () => {
    expect(ACTIVATION_OPS.length).toBeGreaterThan(5);
    for (const op of ACTIVATION_OPS) expect(OPS[op].elementwise?.activation).toBe(true);
  });

  it('saturate without NaN or Inf and match the interpreter, standalone and fused', async () => {
    const graph = activationGraph();
    const x = Float32Array.from([...EDGES, ...EDGES.map((v) => -v)]);
    await agreesWithInterpreter(graph, { x }, 'unoptimized');
    await agreesWithInterpreter(graph, { x }, 'O2');
    const target = prepared(graph, 'O2');
    const session = await loadWgsl(target.graph, target.plan, 2);
    try {
      const actual = await session.run({ x });
      const expected = interpret(graph, { x });
      for (const name of graph.outputs) {
        const values = actual[name] ?? new Float32Array();
        const reference = expected[name] ?? new Float32Array();
        values.forEach((value, index) => {
          if (Number.isFinite(reference[index])) expect(Number.isFinite(value), `${name}[${index}] = ${value}`).toBe(true);
        });
      }
    } finally {
      session.dispose();
    }
  });

  it('softmax is stable on huge logits (±1e4, ±1e30) along either axis', async () => {
    for (const axis of [-1, 1]) {
      const b = new GraphBuilder('softmax');
      const x = b.input('x', ['N', 6, 4]);
      b.output(b.softmax(x, axis));
      const graph = b.build();
      const logits = [1e30, -1e30, 1e4, -1e4, 0, 1, 1e4, 1e4 - 1, 3, -3, 1e30, 1e30];
      const data = Float32Array.from({ length: 2 * 24 }, (_, i) => logits[i % logits.length] ?? 0);
      await agreesWithInterpreter(graph, { x: data }, 'unoptimized');
    }
  });
});
