// `fusegraph ir <model>`: prints a model's graph in the IR text format.

import type { Command } from 'commander';
import { printGraph } from '../../ir/print.ts';
import { loadModel } from '../load-model.ts';

export function registerIrCommand(program: Command): void {
  program
    .command('ir')
    .description('print a model as IR text (weights elided unless --full)')
    .argument('<model>', 'model file (.ts/.js module exporting a graph)')
    .option('--full', 'keep every weight, so the dump parses back into the same graph')
    .addHelpText('after', '\nExamples:\n  fusegraph ir examples/seed-mlp.ts\n  fusegraph ir examples/seed-mlp.ts --full > seed.ir')
    .action(async (model: string, options: { full?: boolean }) => {
      const graph = await loadModel(model);
      process.stdout.write(printGraph(graph, { weights: options.full === true ? 'full' : 'elided' }));
    });
}
