// The JS target: lowers an optimized graph with its memory plan and emits the module, its
// .d.ts and (with external weights) the weights file.

import type { Graph } from '../../ir/graph.ts';
import type { MemoryPlan } from '../../ir/memory-plan.ts';
import { lowerGraph } from '../lower.ts';
import { bundleFileStem, bundleFiles, type EmitOptions, type EmittedBundle } from '../target.ts';
import { emitJsBundle } from './emit-bundle.ts';
import { emitJsDts } from './emit-dts.ts';


export function emitJs(graph: Graph, plan: MemoryPlan, options: EmitOptions = {}): EmittedBundle {
  const stem = bundleFileStem(graph.name, options.stem);
  const weights = options.weights ?? 'embed';
  const weightsFile = `${stem}.weights.bin`;
  const program = lowerGraph(graph, plan);
  const bundle = emitJsBundle(graph, program, { weights, weightsFile, dtype: options.weightsDtype ?? 'f32' });
  const external = weights === 'external' ? { name: weightsFile, contents: bundle.weights } : undefined;
  return { entry: `${stem}.mjs`, files: bundleFiles(stem, bundle.module, emitJsDts(program), external), weightBytes: bundle.weights.length };
}
