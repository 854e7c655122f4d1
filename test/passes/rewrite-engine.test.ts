// The shared rewrite engine: rules see use counts, replacements keep order and names,
// dead operands go, and rules that undo each other are caught instead of looping.

import { describe, expect, it } from 'vitest';
import { printGraph } from '../../ir/print.ts';
import { GraphBuilder } from '../../src/builder.ts';
import { LINEAR_ACTIVATION_RULES } from '../../src/passes/fuse-linear-activation.ts';
import { rewriteGraph } from '../../src/passes/rewrite-engine.ts';
import type { RewriteRule } from '../../src/passes/rewrite-rule.ts';

function chain(): ReturnType<GraphBuilder['build']> {
  const b = new GraphBuilder('chain');
  const x = b.input('x', ['N', 2]);
  const t = b.tanh(x, 't');
  const s = b.sigmoid(t, 's');
  b.output(b.relu(s, 'y'));
  return b.build();
}

describe('rewriteGraph', () => {
  it('replaces a node in place, inserts helpers before it and deletes what became unread', () => {
    // sigmoid(t) -> mul(c, x): t loses its only reader and goes.
    const rule: RewriteRule = {
      name: 'test',
      match(node, view) {
        if (node.op !== 'sigmoid') return undefined;
        const c = view.freshName('c');
        return { replace: [{ op: 'const', inputs: [], attrs: { value: { shape: [2], data: new Float32Array([1, 2]) } }, name: c }, { op: 'mul', inputs: ['x', c] }] };
      },
    };
    expect(printGraph(rewriteGraph(chain(), [rule]))).toBe([
      'graph chain(%x: f32[N,2]) -> f32[N,2] {',
      '  %c = const {value = elided<min = 1, max = 2, mean = 1.5>} : f32[2]',
      '  %s = mul(%x, %c) : f32[N,2]',
      '  %y = relu(%s) : f32[N,2]',
      '  return %y',
      '}',
      '',
    ].join('\n'));
  });

  it('revisits the remaining readers of a value that lost one (a pre-activation now used once)', () => {
    const b = new GraphBuilder('revisit');
    const x = b.input('x', ['N', 2]);
    const w = b.constant(new Float32Array([1, -1, 2, 0.5]), [2, 2], 'w');
    const h = b.linear(x, w, undefined, undefined, [], 'h');
    const r = b.relu(h, 'r');
    const s = b.sigmoid(h, 's');
    b.output(b.add(r, s, 'y'));
    // sigmoid(h) → tanh(x) drops h's second reader after relu was first looked at.
    const detach: RewriteRule = { name: 'detach', match: (node) => (node.op === 'sigmoid' ? { replace: [{ op: 'tanh', inputs: ['x'] }] } : undefined) };
    const graph = rewriteGraph(b.build(), [...LINEAR_ACTIVATION_RULES, detach]);
    expect(graph.nodes.map((n) => `${n.name}=${n.op}`)).toEqual(['w=const', 'r=linear', 's=tanh', 'y=add']);
  });

  it('refuses a rewrite that changes the type of the value', () => {
    const rule: RewriteRule = {
      name: 'bad',
      match: (node) => (node.op === 'tanh' ? { replace: [{ op: 'reshape', inputs: ['x'], attrs: { shape: [-1, 1, 2] } }] } : undefined),
    };
    expect(() => rewriteGraph(chain(), [rule])).toThrow(/rule 'bad' changed the type from f32\[N,2\] to f32\[N,1,2\]/);
  });

  it('stops rules that undo each other', () => {
    const there: RewriteRule = { name: 'there', match: (node) => (node.op === 'tanh' ? { replace: [{ op: 'sigmoid', inputs: node.inputs }] } : undefined) };
    const back: RewriteRule = { name: 'back', match: (node) => (node.op === 'sigmoid' ? { replace: [{ op: 'tanh', inputs: node.inputs }] } : undefined) };
    expect(() => rewriteGraph(chain(), [there, back])).toThrow(/does not reach a fixpoint/);
  });
});
