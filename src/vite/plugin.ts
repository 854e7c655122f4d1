// `fusegraph/vite`: a Vite plugin that compiles model files imported by an app, at build time
// and in the dev server (recompiled when the model file changes). `import model from
// './classifier.onnx?target=wasm'` gives the bundle's exports (`metadata`, `load`, and `run`
// for the js target) as named exports and as the default export; the weights are emitted as
// an asset file (served from memory in dev) and fetched by `load()`. Only model files inside
// the project root are compiled: a model is input from elsewhere (.ts/.js models are code).

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';
import { CompileError } from '../../ir/errors.ts';
import { compile, type OptLevel, type TargetName, type WeightsDtype } from '../compile.ts';
import { sidecarPath } from '../frontends/sidecar-path.ts';
import { loadModel } from '../load-model.ts';
import { parseModelRequest, type ModelRequest } from './model-request.ts';

export interface FusegraphPluginOptions {
  /** The target when the import names none (default wasm). */
  readonly target?: TargetName;
  /** Optimization level (default O2). */
  readonly level?: OptLevel;
  /** How the weights are stored (default f32; f16/bf16 halve the asset). */
  readonly weightsDtype?: WeightsDtype;
  /**
   * Write `model.d.onnx.ts` (and `.d.ir.ts`) beside each .onnx/.ir model compiled with the
   * defaults: the bundle's own types, with the model's input and output names, for plain
   * `import model from './model.onnx'` under TypeScript's `allowArbitraryExtensions`.
   */
  readonly dts?: boolean;
}

const WRAPPER = '\0fusegraph:';
/** Ends every wrapper's path, so Vite treats it as JavaScript (it skips import analysis of `.json`). */
const WRAPPER_SUFFIX = '.fusegraph.mjs';
/** Bundle modules: imported under this public id, resolved to the same with a \0 (virtual). */
const BUNDLE = 'virtual:fusegraph-bundle/';
const DEV_WEIGHTS = '/@fusegraph/weights/';

interface Compiled {
  /** The bundle module's id: it changes with the code, so a recompiled model is not served stale. */
  readonly bundleId: string;
  readonly code: string;
  readonly target: TargetName;
  readonly weightsName: string;
  readonly weights: Uint8Array;
}

/** A JSON model's weights sidecar, when it names one inside its folder: watched like the model. */
function sidecarOf(file: string): string | undefined {
  if (!/\.json$/i.test(file)) return undefined;
  try {
    const weights = (JSON.parse(readFileSync(file, 'utf8')) as { weights?: { file?: unknown } }).weights;
    return typeof weights?.file === 'string' ? sidecarPath(file, weights.file) : undefined;
  } catch {
    return undefined; // loading the model reports what is wrong with it
  }
}

function insideRoot(root: string, file: string): boolean {
  const rel = relative(realpathSync(root), realpathSync(file));
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** The bundle's .d.ts plus a default export of its members, for `<model>.d.<ext>.ts`. */
function modelDeclarations(types: string, target: TargetName): string {
  const members = ['metadata', 'load', ...(target === 'js' ? ['run'] : [])].map((name) => `readonly ${name}: typeof ${name}`);
  return `${types.trimEnd()}\n\n/** The same members as one object (the plugin's default export). */\ndeclare const bundle: { ${members.join('; ')} };\nexport default bundle;\n`;
}

/** Writes `model.d.onnx.ts` beside `model.onnx` when its text changed (a rewrite would retrigger watchers). */
function writeDeclarations(file: string, text: string): void {
  const extension = extname(file);
  if (!['.onnx', '.ir'].includes(extension.toLowerCase())) return;
  const path = resolve(dirname(file), `${basename(file, extension)}.d${extension}.ts`);
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  writeFileSync(path, text);
}

export default function fusegraph(options: FusegraphPluginOptions = {}): Plugin {
  const defaults = { target: options.target ?? 'wasm', level: options.level ?? 'O2', weightsDtype: options.weightsDtype ?? 'f32' } as const;
  let config: ResolvedConfig | undefined;
  const compiled = new Map<string, Compiled>();
  const bundles = new Map<string, string>();

  async function build(key: string, request: ModelRequest): Promise<Compiled> {
    const root = config?.root ?? process.cwd();
    if (!insideRoot(root, request.file)) {
      throw new CompileError(`fusegraph compiles only models inside the project root (${root})`, { file: request.file });
    }
    const graph = await loadModel(request.file);
    const name = basename(request.file, extname(request.file));
    const bundle = compile(graph, { target: request.target, level: request.level, weightsDtype: request.weightsDtype, weights: 'external', name });
    const entry = bundle.files.find((file) => file.name === bundle.entry);
    const weights = bundle.files.find((file) => file.name.endsWith('.weights.bin'));
    if (entry === undefined || typeof entry.contents !== 'string' || weights === undefined || typeof weights.contents === 'string') {
      throw new CompileError('the compiled bundle lacks its module or weights file', { file: request.file });
    }
    const hash = createHash('sha256').update(entry.contents).update(weights.contents).digest('hex').slice(0, 12);
    const isDefault = request.target === defaults.target && request.level === defaults.level && request.weightsDtype === defaults.weightsDtype;
    const types = bundle.files.find((file) => file.name === `${name}.d.ts`);
    if (options.dts === true && isDefault && types !== undefined && typeof types.contents === 'string') {
      writeDeclarations(request.file, modelDeclarations(types.contents, request.target));
    }
    const result = { bundleId: `${BUNDLE}${key}-${hash}.mjs`, code: entry.contents, target: request.target, weightsName: weights.name, weights: weights.contents };
    compiled.set(key, result);
    bundles.set(result.bundleId, result.code);
    return result;
  }

  return {
    name: 'fusegraph',
    enforce: 'pre',
    configResolved(resolved) {
      config = resolved;
    },
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const url = request.url ?? '';
        if (!url.startsWith(DEV_WEIGHTS)) return next();
        const entry = compiled.get(url.slice(DEV_WEIGHTS.length).split('/')[0] ?? '');
        if (entry === undefined) return next();
        response.setHeader('Content-Type', 'application/octet-stream');
        response.end(entry.weights);
      });
    },
    async resolveId(source, importer) {
      if (source.startsWith(WRAPPER)) return source;
      if (source.startsWith(BUNDLE)) return `\0${source}`;
      // A bundle reads external weights with node:fs only under Node (file: URLs); in a
      // browser build that import never runs, so it stays external instead of being shimmed.
      if (source === 'node:fs/promises' && importer?.startsWith(`\0${BUNDLE}`) === true) return { id: source, external: true };
      const request = parseModelRequest(source, defaults);
      if (request === undefined) return null;
      const resolved = await this.resolve(request.file, importer, { skipSelf: true });
      if (resolved === null || resolved.external) return null;
      const query = new URLSearchParams({ target: request.target, level: request.level, dtype: request.weightsDtype });
      return `${WRAPPER}${resolved.id}${WRAPPER_SUFFIX}?${query.toString()}`;
    },
    async load(id) {
      if (id.startsWith(`\0${BUNDLE}`)) return bundles.get(id.slice(1)) ?? null;
      if (!id.startsWith(WRAPPER)) return null;
      const request = parseModelRequest(id.slice(WRAPPER.length).replace(`${WRAPPER_SUFFIX}?`, '?'), defaults, true);
      if (request === undefined) return null;
      this.addWatchFile(request.file);
      const sidecar = sidecarOf(request.file);
      if (sidecar !== undefined) this.addWatchFile(sidecar);
      const key = createHash('sha256').update(id).digest('hex').slice(0, 16);
      let entry: Compiled;
      try {
        entry = await build(key, request);
      } catch (error) {
        return this.error(error instanceof Error ? error.message : String(error));
      }
      const weightsUrl = config?.command === 'build'
        ? `import.meta.ROLLUP_FILE_URL_${this.emitFile({ type: 'asset', name: entry.weightsName, source: entry.weights })}`
        : JSON.stringify(`${DEV_WEIGHTS}${key}/${entry.weightsName}`);
      const bundle = JSON.stringify(entry.bundleId);
      const members = entry.target === 'js' ? 'metadata, load, run' : 'metadata, load';
      return [
        `import { load as loadBundle } from ${bundle};`,
        `export * from ${bundle};`,
        `import { metadata${entry.target === 'js' ? ', run' : ''} } from ${bundle};`,
        `const weightsUrl = ${weightsUrl};`,
        '/** The bundle\'s load(), fetching the weights from the emitted asset unless told otherwise. */',
        'export function load(options = {}) {',
        '  return loadBundle({ weightsUrl, ...options });',
        '}',
        `export default { ${members} };`,
      ].join('\n');
    },
  };
}

export { fusegraph };
