// Warnings the CLI prints about a model that still compiles (NaN or infinite weights).

import type { Graph } from '../../ir/graph.ts';
import { nonFiniteWeights } from '../frontends/weight-check.ts';

export function warnAboutWeights(graph: Graph, file: string): void {
  for (const warning of nonFiniteWeights(graph)) {
    process.stderr.write(`fusegraph: warning: ${JSON.stringify(file).slice(1, -1)}: ${warning}\n`);
  }
}
