// The pass manager: runs a list of passes in order, optionally verifying the graph after
// each one, timing it, counting nodes and constant bytes before and after, and showing the
// IR before or after the passes the caller asks to see.

import { performance } from 'node:perf_hooks';
import { CompileError } from '../../ir/errors.ts';
import type { Graph } from '../../ir/graph.ts';
import { isTensorData } from '../../ir/ops/index.ts';
import { formatDiagnostic, verifyGraph } from '../../ir/verify.ts';
import type { Pass } from './pass.ts';

export interface PassStat {
  readonly pass: string;
  readonly ms: number;
  readonly nodesBefore: number;
  readonly nodesAfter: number;
  readonly constBytesBefore: number;
  readonly constBytesAfter: number;
  /** What the pass wanted the user to know (e.g. "input %z is unused"). */
  readonly notes: readonly string[];
}

export interface RunOptions {
  /** Verify after every pass and fail naming the pass (on in tests). */
  readonly verifyEach?: boolean;
  /** Called with the graph after each pass whose name `printAfter` accepts. */
  readonly printAfter?: (pass: string) => boolean;
  readonly onPrint?: (pass: string, graph: Graph, stat: PassStat) => void;
  /** Called with the graph before each pass whose name `printBefore` accepts. */
  readonly printBefore?: (pass: string) => boolean;
  readonly onPrintBefore?: (pass: string, graph: Graph) => void;
}

/** Bytes of all constant data in the graph (f32: 4 bytes per element). */
export function constantBytes(graph: Graph): number {
  let bytes = 0;
  for (const node of graph.nodes) {
    const value = node.attrs['value'];
    if (node.op === 'const' && isTensorData(value)) bytes += value.data.length * 4;
  }
  return bytes;
}

export function verifyAfter(graph: Graph, pass: string): void {
  const diagnostics = verifyGraph(graph);
  const [first] = diagnostics;
  if (first === undefined) return;
  const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : '';
  throw new CompileError(`internal: the graph is invalid after pass '${pass}': ${formatDiagnostic(first)}${more}`);
}

export function runPasses(graph: Graph, passes: readonly Pass[], options: RunOptions = {}): { graph: Graph; stats: PassStat[] } {
  const stats: PassStat[] = [];
  let current = graph;
  for (const pass of passes) {
    if (options.printBefore?.(pass.name) === true) options.onPrintBefore?.(pass.name, current);
    const notes: string[] = [];
    const nodesBefore = current.nodes.length;
    const constBytesBefore = constantBytes(current);
    const start = performance.now();
    const next = pass.run(current, { note: (message) => void notes.push(message) });
    const ms = performance.now() - start;
    if (options.verifyEach === true) verifyAfter(next, pass.name);
    const stat: PassStat = {
      pass: pass.name, ms, nodesBefore, nodesAfter: next.nodes.length,
      constBytesBefore, constBytesAfter: constantBytes(next), notes,
    };
    stats.push(stat);
    if (options.printAfter?.(pass.name) === true) options.onPrint?.(pass.name, next, stat);
    current = next;
  }
  return { graph: current, stats };
}
