// Several symbols and the wasm target: it takes one batch symbol on axis 0, so a graph over
// [N, S, D] is refused with a clear message, and compiles once S is fixed at compile time
// (compile's `dims`, the CLI's --dim S=64); the result then serves every batch size.

import { describe, expect, it } from 'vitest';
import { fixDims } from '../../../ir/fix-dims.ts';
import { interpret } from '../../../ir/interpret.ts';
import { compile } from '../../../src/compile.ts';
import { compareArrays, toleranceFor } from '../../../src/tolerance.ts';
import { sequenceFeeds, sequenceGraph } from '../../support/sequence-graph.ts';
import { loadWasmBundle } from './wasm-bundle.ts';

describe('several symbols (wasm)', () => {
  const graph = sequenceGraph();

  it('refuses a graph with two symbols, naming them and the way out', () => {
    expect(() => compile(graph, { target: 'wasm' })).toThrow(/the wasm target supports one symbolic batch dim on axis 0 only \(for now\); this graph has symbols N, S/);
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
