// Several symbols and the wasm target: sizes affine in one monomial keep the batch path (N,
// or N·S for a model that works token by token on [N, S, D]); anything else (attention's
// transposes, mean pooling over S) runs on run-time sizes (test/codegen/wasm/runtime-sizes.test.ts),
// and S may still be fixed at compile time (compile's `dims`, the CLI's --dim S=64).

import { describe, expect, it } from 'vitest';
import { fixDims } from '../../../ir/fix-dims.ts';
import { interpret } from '../../../ir/interpret.ts';
import { compile } from '../../../src/compile.ts';
import { compareArrays, toleranceFor } from '../../../src/tolerance.ts';
import { sequenceFeeds, sequenceGraph, tokenFeeds, tokenGraph } from '../../support/sequence-graph.ts';
import { loadWasmBundle } from './wasm-bundle.ts';

describe('several symbols (wasm)', () => {
  const graph = sequenceGraph();

  it('runs a graph whose sizes need both symbols apart (run-time sizes) at several N and S', async () => {
    const session = (await loadWasmBundle(compile(graph, { target: 'wasm' }))) as unknown as { runSync(f: object, d: object): Record<string, Float32Array>; dispose(): void };
    for (const [n, s] of [[1, 1], [2, 3], [3, 17], [1, 64]] as const) {
      const feeds = sequenceFeeds(n, s);
      const expected = interpret(graph, feeds, { S: s });
      const actual = session.runSync({ ...feeds }, { S: s });
      for (const name of graph.outputs) {
        const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), toleranceFor(graph));
        if (!comparison.ok) throw new Error(`N=${n} S=${s}: ${name} differs: ${JSON.stringify(comparison.mismatch)}`);
      }
    }
    session.dispose();
  });

  it('runs a token-wise model over [N, S, D] with N·S as its batch, at several N and S', async () => {
    const tokens = tokenGraph();
    const session = await loadWasmBundle(compile(tokens, { target: 'wasm' }));
    for (const [n, s] of [[1, 1], [2, 3], [1, 7]] as const) {
      const feeds = tokenFeeds(n, s);
      const expected = interpret(tokens, feeds, { S: s });
      const actual = session.runSync({ ...feeds });
      const comparison = compareArrays(expected['p'] ?? new Float32Array(), actual['p'] ?? new Float32Array(), toleranceFor(tokens));
      if (!comparison.ok) throw new Error(`N=${n} S=${s}: ${JSON.stringify(comparison.mismatch)}`);
    }
    session.dispose();
  });

  it('compiles with S fixed at compile time and agrees with the interpreter at every batch', async () => {
    const bundle = compile(graph, { target: 'wasm', dims: { S: 5 } });
    const session = await loadWasmBundle(bundle);
    const fixed = fixDims(graph, { S: 5 });
    for (const batch of [1, 3]) {
      const feeds = sequenceFeeds(batch, 5);
      const expected = interpret(graph, feeds, { S: 5 });
      const actual = session.runSync({ ...feeds });
      for (const name of graph.outputs) {
        const comparison = compareArrays(expected[name] ?? new Float32Array(), actual[name] ?? new Float32Array(), toleranceFor(fixed));
        if (!comparison.ok) throw new Error(`N=${batch}: ${name} differs: ${JSON.stringify(comparison.mismatch)}`);
      }
    }
    session.dispose();
  });

  it('refuses to fix a symbol the graph does not have', () => {
    expect(() => compile(graph, { target: 'js', dims: { T: 4 } })).toThrow('cannot fix T: the graph has no symbol T (symbols: N, S)');
  });
});
