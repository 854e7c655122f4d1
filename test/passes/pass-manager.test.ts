// The pass manager and pipeline plumbing: per-pass stats, notes, verification naming the
// pass that broke the graph, dumps after chosen passes, and unknown pass names.

import { describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { GraphBuilder } from '../../src/builder.ts';
import type { Pass } from '../../src/passes/pass.ts';
import { runPasses } from '../../src/passes/pass-manager.ts';
import { optimize, PIPELINES, resolvePasses } from '../../src/passes/pipeline.ts';
import { formatStats } from '../../src/passes/report.ts';

function smallGraph(): Graph {
  const b = new GraphBuilder('small');
  const x = b.input('x', ['N', 4]);
  b.input('unused', ['N', 4]);
  const w = b.constant(new Float32Array(16).fill(0.25), [4, 4], 'w');
  const wt = b.transpose(w, [1, 0], 'wt');
  const h = b.matmul(x, wt, 'h');
  const d = b.dropout(h, 0.1, 'd');
  b.output(b.sigmoid(d, 'y'));
  return b.build();
}

describe('pass manager', () => {
  it('reports each pass: nodes before and after, constant bytes, notes', () => {
    const { graph, stats } = optimize(smallGraph(), { level: 'O2', verifyEach: true });
    expect(stats.map((s) => s.pass)).toEqual([...PIPELINES.O2, 'plan-memory']);
    const first = stats[0];
    expect(first?.nodesBefore).toBe(5);
    expect(first?.notes).toEqual(['input %unused is unused']);
    const fold = stats.find((s) => s.pass === 'fold-constants');
    expect(fold?.constBytesBefore).toBe(64);
    expect(fold?.constBytesAfter).toBe(64);
    expect(graph.nodes.map((n) => `${n.op}${n.attrs['activation'] === undefined ? '' : '+act'}`)).toEqual(['const', 'linear+act']);
    const report = formatStats(stats);
    expect(report).toContain('fuse-linear-activation');
    expect(report).toContain('note (dce): input %unused is unused');
  });

  it('names the pass that produced an invalid graph', () => {
    const broken: Pass = {
      name: 'break-things',
      summary: 'drops every node',
      run: (graph) => ({ ...graph, nodes: [] }),
    };
    expect(() => runPasses(smallGraph(), [broken], { verifyEach: true })).toThrow(/after pass 'break-things'.*returned value is not defined/);
    expect(() => runPasses(smallGraph(), [broken])).not.toThrow();
  });

  it('shows the graph before or after the passes asked for', () => {
    const seen: string[] = [];
    optimize(smallGraph(), {
      level: 'O1',
      printAfter: (pass) => pass === 'remove-identities',
      onPrint: (pass, graph) => seen.push(`${pass}:${graph.nodes.map((n) => n.op).join(',')}`),
    });
    expect(seen).toEqual(['remove-identities:const,transpose,matmul,sigmoid']);
    const before: string[] = [];
    optimize(smallGraph(), {
      level: 'O1',
      printBefore: (pass) => pass === 'remove-identities',
      onPrintBefore: (pass, graph) => before.push(`${pass}:${graph.nodes.map((n) => n.op).join(',')}`),
    });
    expect(before).toEqual(['remove-identities:const,transpose,matmul,dropout,sigmoid']);
  });

  it('runs a custom list and rejects unknown names', () => {
    const { graph } = optimize(smallGraph(), { passes: ['remove-identities'] });
    expect(graph.nodes.some((n) => n.op === 'dropout')).toBe(false);
    expect(() => resolvePasses(['dce', 'nope'])).toThrow(/unknown pass 'nope' \(known passes: dce, /);
  });

  it('-O0 only verifies', () => {
    const graph = smallGraph();
    expect(optimize(graph, { level: 'O0' }).graph).toBe(graph);
  });
});

describe('fold-constants notes', () => {
  it('says which folding it refused for size', () => {
    const b = new GraphBuilder('outer');
    const x = b.input('x', [300, 300]);
    const a = b.constant(new Float32Array(300).fill(1), [300, 1], 'a');
    const c = b.constant(new Float32Array(300).fill(2), [1, 300], 'c');
    b.output(b.add(x, b.mul(a, c, 'outer'), 'y'));
    const { stats } = optimize(b.build(), { passes: ['fold-constants'] });
    expect(stats[0]?.notes).toEqual(['%outer not folded: 90000 elements, above the limit of 65536 and larger than its operands']);
  });
});
