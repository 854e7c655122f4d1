// The WGSL target: lowers an optimized graph with its memory plan, lays the tensors out in
// GPU buffers, makes one shader per kernel within WebGPU's default limits, and emits the
// module, its .d.ts and (with external weights) the weights file.

import type { Graph } from '../../ir/graph.ts';
import type { MemoryPlan } from '../../ir/memory-plan.ts';
import { lowerGraph } from '../lower.ts';
import { sanitizeIdentifier } from '../namer.ts';
import type { EmitOptions, EmittedBundle, EmittedFile } from '../target.ts';
import { emitWgslBundle } from './emit-bundle.ts';
import { emitWgslDts } from './emit-dts.ts';
import { gpuLayout } from './layout.ts';
import { checkLayout } from './limits.ts';
import { programShaders } from './shaders.ts';

export function emitWgsl(graph: Graph, plan: MemoryPlan, options: EmitOptions = {}): EmittedBundle {
  const stem = sanitizeIdentifier(graph.name);
  const weights = options.weights ?? 'embed';
  const weightsFile = `${stem}.wgsl.weights.bin`;
  const program = lowerGraph(graph, plan);
  const layout = gpuLayout(program);
  const maxBatchLimit = checkLayout(layout);
  const shaders = programShaders(program, layout);
  const bundle = emitWgslBundle(graph, program, layout, shaders, { weights, weightsFile, maxBatchLimit });
  const types = emitWgslDts(program);
  const files: EmittedFile[] = [
    { name: `${stem}.mjs`, contents: bundle.module },
    { name: `${stem}.d.ts`, contents: types },
    // TypeScript pairs `x.mjs` with `x.d.mts` under NodeNext and bundler resolution.
    { name: `${stem}.d.mts`, contents: types },
  ];
  if (weights === 'external') files.push({ name: weightsFile, contents: bundle.weights });
  return { entry: `${stem}.mjs`, files };
}
