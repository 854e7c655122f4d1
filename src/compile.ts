// compile(): a verified graph in, a bundle's files out. Optimizes with the pass pipeline,
// then hands the optimized graph and its memory plan to the target's emitter. Targets live
// in one table; each backend plugs in its emitter there.

import { emitJs } from '../codegen/js/target.ts';
import { emitWgsl } from '../codegen/wgsl/target.ts';
import { emitWasm } from '../codegen/wasm/target.ts';
import type { EmittedFile, TargetEmitter } from '../codegen/target.ts';
import { CompileError } from '../ir/errors.ts';
import type { Graph } from '../ir/graph.ts';
import { optimize, type OptLevel } from './passes/pipeline.ts';

export type { OptLevel };
export type TargetName = 'js' | 'wgsl' | 'wasm';

/** Every target fusegraph knows; `undefined` marks a backend that is not built yet. */
const TARGETS: { readonly [T in TargetName]: TargetEmitter | undefined } = {
  js: emitJs,
  wgsl: emitWgsl,
  wasm: emitWasm,
};

export const TARGET_NAMES = Object.keys(TARGETS) as TargetName[];

export interface CompileOptions {
  readonly target: TargetName;
  /** Optimization level (default O2). */
  readonly level?: OptLevel;
  /** An explicit pass list instead of the level's pipeline. */
  readonly passes?: readonly string[];
  readonly weights?: 'embed' | 'external';
  /** wasm target only: also embed a relaxed-SIMD module; also write the .wat listing. */
  readonly wasm?: { readonly relaxed?: boolean; readonly emitWat?: boolean };
  /** Lines for the entry module's header comment (what was pruned and why). */
  readonly headerNotes?: readonly string[];
}

export interface CompiledBundle {
  /** The model's name (as the model gives it; may be any text). */
  readonly name: string;
  /** The file to import, one of `files`. */
  readonly entry: string;
  readonly files: readonly EmittedFile[];
  /** The optimized graph the bundle implements. */
  readonly graph: Graph;
}

export function targetEmitter(target: string): TargetEmitter {
  const emitter = (TARGETS as Readonly<Record<string, TargetEmitter | undefined>>)[target];
  if (!Object.hasOwn(TARGETS, target)) {
    throw new CompileError(`unknown target '${target}' (expected one of ${TARGET_NAMES.join(', ')})`);
  }
  if (emitter === undefined) throw new CompileError(`the ${target} target is not available in this build`);
  return emitter;
}

export function compile(graph: Graph, options: CompileOptions): CompiledBundle {
  const emit = targetEmitter(options.target);
  const optimized = optimize(graph, {
    level: options.level ?? 'O2',
    ...(options.passes !== undefined ? { passes: options.passes } : {}),
  });
  const emitOptions = { weights: options.weights ?? 'embed', ...options.wasm };
  const bundle = emit(optimized.graph, optimized.plan, emitOptions);
  const files = bundle.files.map((file) => (file.name === bundle.entry && typeof file.contents === 'string' && options.headerNotes !== undefined
    ? { name: file.name, contents: `${headerComment(options.headerNotes)}${file.contents}` }
    : file));
  return { name: graph.name, entry: bundle.entry, files, graph: optimized.graph };
}

/** `// ` lines; control characters (a newline in a value name) cannot end the comment. */
function headerComment(notes: readonly string[]): string {
  return notes.map((note) => `// ${note.replace(/[\u0000-\u001f\u2028\u2029]/g, ' ')}\n`).join('');
}
