// `fusegraph compile <model>`: writes a standalone bundle (module, .d.ts, and the weights file
// when they are external) named after the model, into the folder `-o` names, and prints the
// code and weight sizes. Files are written under temporary names and renamed only once all
// of them are complete, so a failed compile never leaves a partial bundle.

import { join } from 'node:path';
import type { Command } from 'commander';
import { CompileError } from '../../ir/errors.ts';
import { parseDimAssignment } from '../../ir/fix-dims.ts';
import { compile, EMBED_LIMIT_BYTES, TARGET_NAMES, WEIGHTS_DTYPES, type OptLevel, type TargetName, type WeightsDtype } from '../compile.ts';
import { loadModel } from '../load-model.ts';
import { checkOverwrite, formatBytes, markSource, outputPlace, writeBundleFiles } from './bundle-output.ts';
import { argmaxAgreement, addPruneOptions, prunePlan, type PruneFlags } from './prune-options.ts';
import { warnAboutWeights } from './warnings.ts';
import { collectInputValue, parseInputShapes, parseInputValues } from './input-values.ts';
import { runPasses } from '../passes/pass-manager.ts';
import { describePruning, prunedUnits, savedMacs } from '../passes/prune-dead-units.ts';

interface CompileFlags extends PruneFlags {
  readonly target: string;
  readonly O: string;
  readonly out: string;
  readonly name?: string;
  readonly force?: boolean;
  readonly weights: string;
  readonly weightsDtype: string;
  readonly emitWat?: boolean;
  readonly wasmRelaxed?: boolean;
  readonly wasmThreads?: string;
  readonly wgslF16?: boolean;
  readonly dim?: readonly string[];
  readonly inputValue?: string[];
  readonly inputShape?: string[];
}

/** The wasm-only flags, refused for other targets rather than silently ignored. */
function wasmOptions(target: TargetName, flags: CompileFlags): { wasm?: { relaxed: boolean; emitWat: boolean; threads: boolean } } {
  const relaxed = flags.wasmRelaxed === true;
  const emitWat = flags.emitWat === true;
  if (flags.wasmThreads !== undefined && flags.wasmThreads !== 'on' && flags.wasmThreads !== 'off') {
    throw new CompileError(`--wasm-threads expects on or off, got '${flags.wasmThreads}'`);
  }
  if (target !== 'wasm') {
    if (relaxed || emitWat || flags.wasmThreads !== undefined) throw new CompileError(`--emit-wat, --wasm-relaxed and --wasm-threads need --target wasm, got --target ${target}`);
    return {};
  }
  return { wasm: { relaxed, emitWat, threads: flags.wasmThreads !== 'off' } };
}

/** The wgsl-only flag, refused for other targets like the wasm ones. */
function wgslOptions(target: TargetName, flags: CompileFlags): { wgsl?: { f16: boolean } } {
  const f16 = flags.wgslF16 === true;
  if (target !== 'wgsl') {
    if (f16) throw new CompileError(`--wgsl-f16 needs --target wgsl, got --target ${target}`);
    return {};
  }
  return { wgsl: { f16 } };
}

function optLevel(text: string): OptLevel {
  if (text === '0' || text === '1' || text === '2') return `O${text}`;
  throw new CompileError(`unknown optimization level -O${text} (expected -O0, -O1 or -O2)`);
}

function weightsMode(text: string): 'embed' | 'external' | 'auto' {
  if (text === 'embed' || text === 'external' || text === 'auto') return text;
  throw new CompileError(`--weights must be auto, embed or external, got '${text}'`);
}

function weightsDtype(text: string): WeightsDtype {
  if ((WEIGHTS_DTYPES as readonly string[]).includes(text)) return text as WeightsDtype;
  throw new CompileError(`--weights-dtype must be one of ${WEIGHTS_DTYPES.join(', ')}, got '${text}'`);
}

function targetName(text: string): TargetName {
  if ((TARGET_NAMES as readonly string[]).includes(text)) return text as TargetName;
  throw new CompileError(`unknown target '${text}' (expected one of ${TARGET_NAMES.join(', ')})`);
}

const HELP_AFTER = `
Bundles are named after the model file (model.onnx → model.mjs, model.d.ts); --name or
-o NAME.mjs names them otherwise. Weights up to ${EMBED_LIMIT_BYTES / 2 ** 20} MiB are embedded in the module, larger
ones written to NAME.weights.bin beside it (--weights embed|external decides instead).

Examples:
  fusegraph compile model.onnx -o dist                 # dist/model.mjs (wasm)
  fusegraph compile model.onnx --target js -o dist/classifier.mjs
  fusegraph compile model.onnx --weights-dtype f16 --weights external -o dist
  fusegraph compile silero_vad.onnx --input-value sr=16000 -o dist
  fusegraph compile model.onnx --prune proved --input-range 0,1 -o dist
  fusegraph compile model.onnx --prune observed --data train.npy --check-data held.npy -o dist`;

export function registerCompileCommand(program: Command): void {
  const command = program
    .command('compile')
    .description('compile a model into a standalone inference bundle')
    .argument('<model>', 'model file: .onnx, .json or .ir (data), or a .ts/.js module exporting a graph (code)')
    .option('-t, --target <target>', `wasm (fastest, any modern browser or Node), js (synchronous, readable) or wgsl (WebGPU)`, 'wasm')
    .option('-O <level>', 'optimization level: -O0, -O1 or -O2', '2')
    .option('-o, --out <dir|file.mjs>', 'output folder, or the module\'s file name', '.')
    .option('--name <name>', 'the bundle\'s file name without extension (default: the model file\'s)')
    .option('--force', 'replace a bundle of the same name compiled from another model')
    .option('--weights <mode>', 'auto, embed (base64 in the module) or external (<name>.weights.bin)', 'auto')
    .option('--weights-dtype <dtype>', 'store the weights as f32, f16 or bf16 (half the size; widened to f32 at load)', 'f32')
    .option('--emit-wat', 'wasm: also write the module listing as <name>.wat')
    .option('--input-value <name=value>', 'ONNX: fix an input at compile time (repeatable; V1,V2,… for a tensor): it leaves the bundle\'s signature, and an If on it is specialized', collectInputValue)
    .option('--input-shape <name=dims>', 'ONNX: the shape of an input whose dims are symbolic, e.g. input=1,512 (repeatable)', collectInputValue)
    .option('--wasm-relaxed', 'wasm: also embed a relaxed-SIMD module (f32x4.relaxed_madd), chosen at load where supported')
    .option('--wasm-threads <on|off>', 'wasm: off leaves out the thread pool (a smaller bundle; run() then runs on the calling thread)')
    .option('--wgsl-f16', 'wgsl: also embed f16 inner-product kernels (within 2^-8 of Σ|x·w|), chosen at load where the device has shader-f16')
    .option('--dim <symbol=size>', 'fix a symbolic dim at compile time, e.g. --dim S=64 (repeatable)', (text: string, list: string[]) => [...list, text], [] as string[])
    .addHelpText('after', HELP_AFTER);
  addPruneOptions(command)
    .action(async (model: string, flags: CompileFlags) => {
      const target = targetName(flags.target);
      const dtype = weightsDtype(flags.weightsDtype);
      const place = outputPlace(model, flags.out, flags.name);
      const dims = Object.fromEntries((flags.dim ?? []).map(parseDimAssignment));
      const options = { target, level: optLevel(flags.O), weights: weightsMode(flags.weights), weightsDtype: dtype, name: place.stem, ...wasmOptions(target, flags), ...wgslOptions(target, flags) };
      // --dim applies at load: an ONNX import then does its shape arithmetic (N·heads) on sizes.
      const loaded = await loadModel(model, { dims, inputValues: parseInputValues(flags.inputValue), inputShapes: parseInputShapes(flags.inputShape) });
      warnAboutWeights(loaded, model);
      const plan = prunePlan(loaded, flags);
      let graph = loaded;
      let headerNotes: string[] | undefined;
      if (plan !== undefined) {
        graph = runPasses(loaded, [plan.pass]).graph;
        headerNotes = describePruning(plan.summary);
        process.stdout.write(`pruned ${prunedUnits(plan.summary)} units (${plan.summary.mode}), saving ${savedMacs(plan.summary)} multiply-adds per sample\n`);
        if (plan.check !== undefined) {
          const { agree, total } = argmaxAgreement(loaded, graph, plan.check);
          const line = `argmax agreement of pruned and unpruned on ${total} samples of ${plan.check.path}: ${agree}/${total} (${((100 * agree) / total).toFixed(2)}%)`;
          process.stdout.write(`${line}\n`);
          headerNotes.push(line);
        }
      }
      const bundle = compile(graph, { ...options, ...(headerNotes !== undefined ? { headerNotes } : {}) });
      checkOverwrite(join(place.dir, bundle.entry), model, flags.force === true);
      const files = bundle.files.map((file) => (file.name === bundle.entry && typeof file.contents === 'string'
        ? { name: file.name, contents: markSource(file.contents, model) }
        : file));
      const written = writeBundleFiles(place.dir, files);
      for (const path of written) process.stdout.write(`wrote ${path}\n`);
      const entry = files.find((file) => file.name === bundle.entry);
      const moduleBytes = entry === undefined ? 0 : Buffer.byteLength(entry.contents);
      const embedded = bundle.weights === 'embed' ? Math.ceil(bundle.weightBytes / 3) * 4 : 0;
      const where = bundle.weights === 'embed' ? `embedded as ${formatBytes(embedded)} of base64` : 'in the weights file';
      process.stdout.write(`${bundle.entry}: ${target} code ${formatBytes(moduleBytes - embedded)}, weights ${formatBytes(bundle.weightBytes)} ${dtype} ${where}\n`);
    });
}
