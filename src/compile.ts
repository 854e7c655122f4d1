// compile(): a verified graph in, a bundle's files out. Optimizes with the pass pipeline,
// then hands the optimized graph and its memory plan to the target's emitter. Targets live
// in one table; each backend plugs in its emitter there.

import { emitJs } from '../codegen/js/target.ts';
import { emitWgsl } from '../codegen/wgsl/target.ts';
import { emitWasm } from '../codegen/wasm/target.ts';
import type { EmittedFile, TargetEmitter } from '../codegen/target.ts';
import { CompileError } from '../ir/errors.ts';
import { fixDims } from '../ir/fix-dims.ts';
import type { Graph } from '../ir/graph.ts';
import { UNIT_ROUNDOFF, WEIGHTS_DTYPES, type WeightsDtype } from '../codegen/weight-storage.ts';
import { constantBytes } from './passes/pass-manager.ts';
import { optimize, type OptLevel } from './passes/pipeline.ts';

export type { OptLevel, WeightsDtype };
export { UNIT_ROUNDOFF, WEIGHTS_DTYPES };

/**
 * With `weights: 'auto'` (the default), weights up to this many stored bytes are embedded in
 * the module as base64 (one file to ship, +33% size); larger ones go to a `.weights.bin` file
 * beside it, fetched at load: a big base64 string is slow to parse and bloats the module.
 */
export const EMBED_LIMIT_BYTES = 4 * 2 ** 20;
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
  /** Weights in the module, in a file beside it, or by size (default auto: see EMBED_LIMIT_BYTES). */
  readonly weights?: 'embed' | 'external' | 'auto';
  /** How the weights are stored (default f32); f16 and bf16 halve them, widened to f32 at load. */
  readonly weightsDtype?: WeightsDtype;
  /** The bundle's file-name stem (default: the graph's name), e.g. 'model' for model.mjs. */
  readonly name?: string;
  /** wgsl target only: also embed f16 inner-product kernels, used where the device has shader-f16. */
  readonly wgsl?: { readonly f16?: boolean };
  /**
   * wasm target only: also embed a relaxed-SIMD module; also write the .wat listing; `threads:
   * false` leaves out the thread pool (a smaller bundle whose runs stay on the calling thread).
   */
  readonly wasm?: { readonly relaxed?: boolean; readonly emitWat?: boolean; readonly threads?: boolean };
  /** Lines for the entry module's header comment (what was pruned and why). */
  readonly headerNotes?: readonly string[];
  /** Symbols fixed at compile time (`{ S: 64 }`): substituted before optimizing. */
  readonly dims?: Readonly<Record<string, number>>;
}

export interface CompiledBundle {
  /** The model's name (as the model gives it; may be any text). */
  readonly name: string;
  /** The file to import, one of `files`. */
  readonly entry: string;
  readonly files: readonly EmittedFile[];
  /** The optimized graph the bundle implements. */
  readonly graph: Graph;
  /** Where the weights went (auto resolved), and their stored size in bytes (the target's layout). */
  readonly weights: 'embed' | 'external';
  readonly weightBytes: number;
}

export function targetEmitter(target: string): TargetEmitter {
  const emitter = (TARGETS as Readonly<Record<string, TargetEmitter | undefined>>)[target];
  if (!Object.hasOwn(TARGETS, target)) {
    throw new CompileError(`unknown target '${target}' (expected one of ${TARGET_NAMES.join(', ')})`);
  }
  if (emitter === undefined) throw new CompileError(`the ${target} target is not available in this build`);
  return emitter;
}

export function compile(source: Graph, options: CompileOptions): CompiledBundle {
  const emit = targetEmitter(options.target);
  const graph = options.dims === undefined || Object.keys(options.dims).length === 0 ? source : fixDims(source, options.dims);
  const optimized = optimize(graph, {
    level: options.level ?? 'O2',
    ...(options.passes !== undefined ? { passes: options.passes } : {}),
  });
  const weightsDtype = options.weightsDtype ?? 'f32';
  if (!WEIGHTS_DTYPES.includes(weightsDtype)) throw new CompileError(`unknown weights dtype '${String(weightsDtype)}' (expected ${WEIGHTS_DTYPES.join(', ')})`);
  const estimate = (constantBytes(optimized.graph) * (weightsDtype === 'f32' ? 4 : 2)) / 4;
  const mode = options.weights ?? 'auto';
  const weights = mode === 'auto' ? (estimate > EMBED_LIMIT_BYTES ? 'external' : 'embed') : mode;
  const emitOptions = { weights, weightsDtype, ...(options.name !== undefined ? { stem: options.name } : {}), ...options.wasm, ...options.wgsl };
  const bundle = emit(optimized.graph, optimized.plan, emitOptions);
  const files = bundle.files.map((file) => (file.name === bundle.entry && typeof file.contents === 'string' && options.headerNotes !== undefined
    ? { name: file.name, contents: `${headerComment(options.headerNotes)}${file.contents}` }
    : file));
  return { name: graph.name, entry: bundle.entry, files, graph: optimized.graph, weights, weightBytes: bundle.weightBytes };
}

/** `// ` lines; control characters (a newline in a value name) cannot end the comment. */
function headerComment(notes: readonly string[]): string {
  return notes.map((note) => `// ${note.replace(/[\u0000-\u001f\u2028\u2029]/g, ' ')}\n`).join('');
}
