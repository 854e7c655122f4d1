// The JS target: lowers an optimized graph with its memory plan and emits the module, its
// .d.ts and (with external weights) the weights file.

import type { Graph } from '../../ir/graph.ts';
import type { MemoryPlan } from '../../ir/memory-plan.ts';
import { lowerGraph } from '../lower.ts';
import { bundleFiles, type EmitOptions, type EmittedBundle } from '../target.ts';
import { sanitizeIdentifier } from '../namer.ts';
import { emitJsBundle } from './emit-bundle.ts';
import { emitJsDts } from './emit-dts.ts';


/** A file-name stem for a graph: [A-Za-z0-9_] only, whatever the model calls itself. */
export function bundleStem(graph: Graph): string {
  return sanitizeIdentifier(graph.name);
}

export function emitJs(graph: Graph, plan: MemoryPlan, options: EmitOptions = {}): EmittedBundle {
  const stem = bundleStem(graph);
  const weights = options.weights ?? 'embed';
  const weightsFile = `${stem}.weights.bin`;
  const program = lowerGraph(graph, plan);
  const bundle = emitJsBundle(graph, program, { weights, weightsFile });
  const external = weights === 'external' ? { name: weightsFile, contents: bundle.weights } : undefined;
  return { entry: `${stem}.mjs`, files: bundleFiles(stem, bundle.module, emitJsDts(program), external) };
}
