// What a pass is: a named, pure function from a graph to a graph, plus the notes it leaves
// for the user (an unused input, a folding skipped for size). The pass manager runs them.

import type { Graph } from '../../ir/graph.ts';

/** Where a pass reports things worth telling the user; they appear in the --stats report. */
export interface PassContext {
  note(message: string): void;
}

export interface Pass {
  /** The name used by pipelines and `--passes` (kebab-case). */
  readonly name: string;
  /** One line for `--help` and the README. */
  readonly summary: string;
  run(graph: Graph, context: PassContext): Graph;
}

/** A context that drops notes (for callers that run one pass by hand, as tests do). */
export const QUIET: PassContext = { note: () => undefined };
