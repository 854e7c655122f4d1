// The optimization pipeline: levels are data (lists of pass names), `optimize` runs one and
// plans memory on the result. -O0 verifies only, -O1 cleans up, -O2 (default) does all.

import { performance } from 'node:perf_hooks';
import { CompileError } from '../../ir/errors.ts';
import type { Graph } from '../../ir/graph.ts';
import type { MemoryPlan } from '../../ir/memory-plan.ts';
import { verifyGraphOrThrow } from '../../ir/verify.ts';
import type { Pass } from './pass.ts';
import { constantBytes, runPasses, type PassStat, type RunOptions } from './pass-manager.ts';
import { PASSES } from './registry.ts';
import { planMemory } from './plan-memory.ts';

export type OptLevel = 'O0' | 'O1' | 'O2';
export type { PassStat };

export const PIPELINES: Readonly<Record<OptLevel, readonly string[]>> = {
  O0: [],
  O1: ['dce', 'remove-identities', 'fold-constants', 'split-recurrent-projection', 'dce'],
  O2: [
    'dce', 'remove-identities', 'fold-constants', 'sink-transposes', 'split-recurrent-projection', 'cse', 'canonicalize-linear',
    'fold-batch-norm', 'fuse-layer-norm', 'fuse-attention', 'fuse-conv-bias', 'fuse-conv-residual', 'fuse-linear-activation',
    'fuse-elementwise', 'cse', 'dce',
  ],
};

export interface OptimizeOptions extends RunOptions {
  /** A named pipeline (default O2); ignored when `passes` is given. */
  readonly level?: OptLevel;
  /** A custom list of pass names, run in order. */
  readonly passes?: readonly string[];
  /** Passes made for this run (prune-dead-units with its oracle), run before the others. */
  readonly before?: readonly Pass[];
}

export interface Optimized {
  readonly graph: Graph;
  readonly plan: MemoryPlan;
  /** One entry per pass run, then one for plan-memory. */
  readonly stats: PassStat[];
}

/** The passes for a list of names; an unknown name is a CompileError listing the known. */
export function resolvePasses(names: readonly string[]): Pass[] {
  return names.map((name) => {
    const pass = Object.hasOwn(PASSES, name) ? PASSES[name] : undefined;
    if (pass === undefined) {
      throw new CompileError(`unknown pass '${name}' (known passes: ${Object.keys(PASSES).join(', ')})`);
    }
    return pass;
  });
}

export function optimize(graph: Graph, options: OptimizeOptions = {}): Optimized {
  verifyGraphOrThrow(graph);
  const names = options.passes ?? PIPELINES[options.level ?? 'O2'];
  const { graph: result, stats } = runPasses(graph, [...(options.before ?? []), ...resolvePasses(names)], options);
  const start = performance.now();
  const plan = planMemory(result);
  const bytes = constantBytes(result);
  stats.push({
    pass: 'plan-memory', ms: performance.now() - start, nodesBefore: result.nodes.length,
    nodesAfter: result.nodes.length, constBytesBefore: bytes, constBytesAfter: bytes, notes: [],
  });
  return { graph: result, plan, stats };
}
