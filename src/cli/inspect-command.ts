// `fusegraph inspect <model> --data <file>`: which units of each activation layer are dead or
// always active on the data, how often units fire, and (with --input-range or
// --input-box-from) which are proved dead or linear over an input box. Text, --json, or
// --report report.html.

import type { Command } from 'commander';
import { CompileError } from '../../ir/errors.ts';
import { parseDimAssignment } from '../../ir/fix-dims.ts';
import { inspectGraph } from '../analysis/inspect.ts';
import { loadModel } from '../load-model.ts';
import { optimize } from '../passes/pipeline.ts';
import { writeFilesAtomically } from './atomic-write.ts';
import { boxFromFlags, dataFromFlag, type BoxFlags } from './box-options.ts';
import { formatInspectHtml } from './inspect-html.ts';
import { formatInspectText } from './inspect-text.ts';
import { parseLevel } from './verify-command.ts';
import { warnAboutWeights } from './warnings.ts';

interface InspectFlags extends BoxFlags {
  readonly data?: string;
  readonly json?: boolean;
  readonly report?: string;
  readonly O: string;
  readonly dim?: string[];
}

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('dead and always-active units per activation layer, on data and proved over an input box')
    .argument('<model>', 'model file (.onnx, .json, .ir, .ts)')
    .option('--data <file>', 'samples to run (.npy, IDX as in MNIST, .json; .gz accepted)')
    .option('--scale <factor>', 'multiply the data by this, e.g. 1/255 for 8-bit pixels')
    .option('--input-range <lo,hi>', 'prove over every input value in [lo, hi]')
    .option('--input-box-from <file>', 'prove over each feature\'s min..max in this data file (scaled by --scale)')
    .option('--dim <symbol=size>', 'bound a symbolic dim at this size, e.g. --dim S=64 (repeatable; others at 1)', (text: string, list: string[]) => [...list, text], [] as string[])
    .option('-O <level>', 'inspect the model after optimization level 0 (as loaded), 1 or 2 (fused)', '0')
    .option('--json', 'print the report as JSON')
    .option('--report <file>', 'also write a self-contained HTML report')
    .addHelpText('after', [
      '',
      'Examples:',
      '  fusegraph inspect examples/fashion-mnist/mlp_relu.onnx --data examples/fashion-mnist/sample-images-idx3-ubyte.gz --scale 1/255',
      '  fusegraph inspect model.onnx --data test.npy --input-range 0,1 --report report.html',
    ].join('\n'))
    .action(async (model: string, flags: InspectFlags) => {
      const level = parseLevel(flags.O);
      const loaded = await loadModel(model);
      warnAboutWeights(loaded, model);
      const graph = optimize(loaded, { level }).graph;
      const data = dataFromFlag(graph, flags.data, flags);
      const box = boxFromFlags(graph, flags);
      if (data === undefined && box === undefined) throw new CompileError('inspect needs --data <file>, --input-range lo,hi or --input-box-from <file>');
      const report = inspectGraph(graph, {
        ...(data !== undefined ? { data: { values: data.values, sampleSize: data.sampleSize } } : {}),
        ...(box !== undefined ? { box } : {}),
        dims: Object.fromEntries((flags.dim ?? []).map(parseDimAssignment)),
      });
      const label = data === undefined ? undefined : `${data.samples} samples of ${flags.data ?? ''}`;
      if (flags.report !== undefined) writeFilesAtomically([{ path: flags.report, contents: formatInspectHtml(report, label) }]);
      process.stdout.write(flags.json === true ? `${JSON.stringify({ ...report, data: label ?? null })}\n` : formatInspectText(report, label));
    });
}
