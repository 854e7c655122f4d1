// For property tests over random graphs with several symbols: compile a graph for a target, or
// learn that the target refuses it (a CompileError whose message matches `refusal`, naming the
// node and the JS target), a case the test skips; and the bundle's entry module text.

import { compile, type CompiledBundle, type TargetName } from '../../src/compile.ts';
import type { Graph } from '../../ir/graph.ts';

export function compileUnlessRefused(graph: Graph, target: TargetName, refusal: RegExp): CompiledBundle | undefined {
  try {
    return compile(graph, { target });
  } catch (error) {
    if (error instanceof Error && refusal.test(error.message)) return undefined;
    throw error;
  }
}

/** The entry module's source ('' when it is not text). */
export function entrySource(bundle: CompiledBundle): string {
  const entry = bundle.files.find((f) => f.name === bundle.entry);
  return typeof entry?.contents === 'string' ? entry.contents : '';
}
