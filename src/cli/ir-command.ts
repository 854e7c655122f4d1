// `fusegraph ir <model>`: prints a model's graph in the IR text format, optionally after an
// optimization pipeline (-O1, -O2, --passes), with dumps between passes and a pass report.

import type { Command } from 'commander';
import { CompileError } from '../../ir/errors.ts';
import { printGraph, type PrintOptions } from '../../ir/print.ts';
import { loadModel } from '../load-model.ts';
import { collectInputValue, parseInputShapes, parseInputValues } from './input-values.ts';
import { warnAboutWeights } from './warnings.ts';
import { addPruneOptions, prunePlan, type PruneFlags } from './prune-options.ts';
import { emitGraph, parseIrFormat, pick } from './ir-format.ts';
import { optimize, PIPELINES, type OptLevel } from '../passes/pipeline.ts';
import { dumpBeforeHeader, dumpHeader, formatStats } from '../passes/report.ts';

interface IrOptions extends PruneFlags {
  full?: boolean;
  O?: string;
  passes?: string;
  printAfterAll?: boolean;
  printAfter?: string[];
  printBefore?: string[];
  stats?: boolean;
  format?: string;
  output?: string;
  sidecar?: string;
  inputValue?: string[];
  inputShape?: string[];
}

function optLevel(text: string | undefined): OptLevel {
  if (text === undefined) return 'O0';
  const level = `O${text}`;
  if (!Object.hasOwn(PIPELINES, level)) throw new CompileError(`unknown optimization level -O${text} (expected -O0, -O1 or -O2)`);
  return level as OptLevel;
}

function passList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((name) => name.trim()).filter((name) => name !== '');
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerIrCommand(program: Command): void {
  const command = program
    .command('ir')
    .description('print a model as IR text (weights elided unless --full), optionally optimized')
    .argument('<model>', 'model file (.ts/.js module exporting a graph, .ir, …)')
    .option('--full', 'keep every weight, so the dump parses back into the same graph')
    .option('-O <level>', 'optimization level: 0 (verify only, default here), 1 (cleanup) or 2 (everything)')
    .option('--passes <list>', 'run these passes in order instead of a level, e.g. dce,fuse-linear-activation')
    .option('--print-after-all', 'print the IR after every pass, each under a # header naming the pass')
    .option('--print-after <pass>', 'print the IR after this pass (repeatable)', collect)
    .option('--print-before <pass>', 'print the IR before this pass (repeatable)', collect)
    .option('--stats', 'print the per-pass report (time, nodes, constant bytes) and the memory plan to stderr')
    .option('--format <format>', 'text (default), json (fusegraph\'s JSON model format) or dot (Graphviz)')
    .option('-o, --output <file>', 'write the final graph to a file (JSON: its weights sidecar beside it)')
    .option('--input-value <name=value>', 'ONNX: fix an input at compile time (repeatable), as compile does', collectInputValue)
    .option('--input-shape <name=dims>', 'ONNX: the shape of an input whose dims are symbolic, e.g. input=1,512 (repeatable)', collectInputValue)
    .option('--sidecar <kind>', 'JSON weights with --full and -o: safetensors (default), bin or inline')
    .addHelpText('after', [
      '',
      'Examples:',
      '  fusegraph ir examples/seed-mlp.ts',
      '  fusegraph ir examples/seed-mlp.ts -O2 --print-after-all',
      '  fusegraph ir examples/seed-mlp.ts --passes dce,fuse-linear-activation --stats',
      '  fusegraph ir examples/seed-mlp.ts -O2 --print-before=fuse-linear-activation --print-after=fuse-linear-activation',
      '  fusegraph ir examples/seed-mlp.ts --full > seed.ir',
      '  fusegraph ir model.onnx --prune proved --input-range 0,1 --stats',
    ].join('\n'));
  addPruneOptions(command)
    .action(async (model: string, options: IrOptions) => {
      const graph = await loadModel(model, { inputValues: parseInputValues(options.inputValue), inputShapes: parseInputShapes(options.inputShape) });
      warnAboutWeights(graph, model);
      const plan = prunePlan(graph, options);
      const print: PrintOptions = { weights: options.full === true ? 'full' : 'elided' };
      const passes = passList(options.passes);
      const wanted = new Set(options.printAfter ?? []);
      const before = new Set(options.printBefore ?? []);
      let dumped = false;
      const result = optimize(graph, {
        level: optLevel(options.O),
        ...(passes !== undefined ? { passes } : {}),
        ...(plan !== undefined ? { before: [plan.pass] } : {}),
        printAfter: (pass) => options.printAfterAll === true || wanted.has(pass),
        onPrint: (_pass, after, stat) => {
          dumped = true;
          process.stdout.write(`${dumpHeader(stat)}${printGraph(after, print)}`);
        },
        printBefore: (pass) => before.has(pass),
        onPrintBefore: (pass, graph) => {
          dumped = true;
          process.stdout.write(`${dumpBeforeHeader(pass, graph)}${printGraph(graph, print)}`);
        },
      });
      // The dumps end with the final graph; without any (no flag, or no pass ran) print it.
      const format = parseIrFormat(options.format);
      if (format !== 'text' || options.output !== undefined) {
        emitGraph(result.graph, format, { full: options.full === true, ...pick(options, 'output', 'sidecar') });
      } else if (!dumped) {
        process.stdout.write(printGraph(result.graph, print));
      }
      if (options.stats === true) process.stderr.write(formatStats(result.stats, result.plan));
    });
}
