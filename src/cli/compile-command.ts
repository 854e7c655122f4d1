// `fusegraph compile <model> --target js`: writes a standalone bundle (module, .d.ts, and the
// weights file with --weights external). Files are written under temporary names and renamed
// only once all of them are complete, so a failed compile never leaves a partial bundle.

import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CompileError } from '../../ir/errors.ts';
import { compile, TARGET_NAMES, type OptLevel, type TargetName } from '../compile.ts';
import { loadModel } from '../load-model.ts';
import { argmaxAgreement, addPruneOptions, prunePlan, type PruneFlags } from './prune-options.ts';
import { warnAboutWeights } from './warnings.ts';
import { runPasses } from '../passes/pass-manager.ts';
import { describePruning, prunedUnits, savedMacs } from '../passes/prune-dead-units.ts';

interface CompileFlags extends PruneFlags {
  readonly target: string;
  readonly O: string;
  readonly outDir: string;
  readonly weights: string;
  readonly emitWat?: boolean;
  readonly wasmRelaxed?: boolean;
}

/** The wasm-only flags, refused for other targets rather than silently ignored. */
function wasmOptions(target: TargetName, flags: CompileFlags): { wasm?: { relaxed: boolean; emitWat: boolean } } {
  const relaxed = flags.wasmRelaxed === true;
  const emitWat = flags.emitWat === true;
  if (target !== 'wasm') {
    if (relaxed || emitWat) throw new CompileError(`--emit-wat and --wasm-relaxed need --target wasm, got --target ${target}`);
    return {};
  }
  return { wasm: { relaxed, emitWat } };
}

function optLevel(text: string): OptLevel {
  if (text === '0' || text === '1' || text === '2') return `O${text}`;
  throw new CompileError(`unknown optimization level -O${text} (expected -O0, -O1 or -O2)`);
}

function weightsMode(text: string): 'embed' | 'external' {
  if (text === 'embed' || text === 'external') return text;
  throw new CompileError(`--weights must be embed or external, got '${text}'`);
}

function targetName(text: string): TargetName {
  if ((TARGET_NAMES as readonly string[]).includes(text)) return text as TargetName;
  throw new CompileError(`unknown target '${text}' (expected one of ${TARGET_NAMES.join(', ')})`);
}

/** Writes every file next to its final name first, then renames them all. */
function writeAtomically(dir: string, files: readonly { name: string; contents: string | Uint8Array }[]): string[] {
  mkdirSync(dir, { recursive: true });
  const staged: { temp: string; final: string }[] = [];
  try {
    for (const file of files) {
      const final = join(dir, file.name);
      const temp = `${final}.${process.pid}.tmp`;
      staged.push({ temp, final });
      writeFileSync(temp, file.contents);
    }
    for (const { temp, final } of staged) renameSync(temp, final);
  } catch (error) {
    for (const { temp } of staged) rmSync(temp, { force: true });
    throw error;
  }
  return staged.map(({ final }) => final);
}

export function registerCompileCommand(program: Command): void {
  const command = program
    .command('compile')
    .description('compile a model into a standalone inference bundle')
    .argument('<model>', 'model file (.ts/.js module exporting a graph, .ir, .onnx, … per the loaders)')
    .option('-t, --target <target>', `target: ${TARGET_NAMES.join(', ')}`, 'js')
    .option('-O <level>', 'optimization level: -O0, -O1 or -O2', '2')
    .option('-o, --out-dir <dir>', 'output directory', '.')
    .option('--weights <mode>', 'embed the weights in the module, or write them to <name>.weights.bin (external)', 'embed')
    .option('--emit-wat', 'wasm: also write the module listing as <name>.wat')
    .option('--wasm-relaxed', 'wasm: also embed a relaxed-SIMD module (f32x4.relaxed_madd), chosen at load where supported')
    .addHelpText('after', [
      '', 'Examples:', '  fusegraph compile examples/seed-mlp.ts --target js -o dist', '  fusegraph compile model.onnx -O0 --weights external -o dist',
      '  fusegraph compile model.onnx --prune proved --input-range 0,1 -o dist',
      '  fusegraph compile model.onnx --prune observed --data train.npy --check-data held.npy -o dist',
    ].join('\n'));
  addPruneOptions(command)
    .action(async (model: string, flags: CompileFlags) => {
      const target = targetName(flags.target);
      const options = { target, level: optLevel(flags.O), weights: weightsMode(flags.weights), ...wasmOptions(target, flags) };
      const loaded = await loadModel(model);
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
      const written = writeAtomically(resolve(flags.outDir), bundle.files);
      for (const path of written) process.stdout.write(`wrote ${path}\n`);
    });
}
