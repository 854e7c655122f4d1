// Which imports the Vite plugin compiles and how: `./model.onnx` and `./model.ir` always, and
// any model file (`.json`, `.ts`, …) with `?fusegraph` or `?target=…` in its import; the
// query may choose the target (js, wasm, wgsl), the level (O0–O2) and the weights dtype.

import { CompileError } from '../../ir/errors.ts';
import { TARGET_NAMES, WEIGHTS_DTYPES, type OptLevel, type TargetName, type WeightsDtype } from '../compile.ts';
import { modelExtensions } from '../load-model.ts';

export interface ModelDefaults {
  readonly target: TargetName;
  readonly level: OptLevel;
  readonly weightsDtype: WeightsDtype;
}

export interface ModelRequest extends ModelDefaults {
  /** The model file, as the import names it (no query). */
  readonly file: string;
}

/** Extensions compiled even without a query: no other Vite plugin claims these files. */
const ALWAYS = ['.onnx', '.ir'];
const KEYS = new Set(['fusegraph', 'target', 'level', 'dtype']);

function pick<T extends string>(value: string | null, allowed: readonly T[], what: string, fallback: T): T {
  if (value === null || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new CompileError(`?${what}=${value} is not one of ${allowed.join(', ')}`);
}

/**
 * The request an import id makes, or undefined when the plugin leaves it to others. `ours`:
 * an id the plugin made itself (the dev server may have added keys of its own, like `t`).
 */
export function parseModelRequest(id: string, defaults: ModelDefaults, ours = false): ModelRequest | undefined {
  const at = id.indexOf('?');
  const file = at < 0 ? id : id.slice(0, at);
  const query = new URLSearchParams(at < 0 ? '' : id.slice(at + 1));
  const lower = file.toLowerCase();
  const extension = modelExtensions().find((ext) => lower.endsWith(ext));
  if (extension === undefined) return undefined;
  const tagged = query.has('fusegraph') || query.has('target');
  if (!ours && !tagged && !(ALWAYS.includes(extension) && at < 0)) return undefined;
  // Another plugin's query (?url, ?raw) on a model file is theirs.
  if (!ours && [...query.keys()].some((key) => !KEYS.has(key))) return undefined;
  return {
    file,
    target: pick(query.get('target'), TARGET_NAMES, 'target', defaults.target),
    level: pick(query.get('level'), ['O0', 'O1', 'O2'] as const, 'level', defaults.level),
    weightsDtype: pick(query.get('dtype'), WEIGHTS_DTYPES, 'dtype', defaults.weightsDtype),
  };
}
