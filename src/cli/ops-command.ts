// `fusegraph ops`: the ONNX ops the importer reads and the IR's own ops, so an error about an
// unsupported op can point here instead of printing the whole list on one line.

import type { Command } from 'commander';
import { OPS } from '../../ir/ops/index.ts';
import { MAX_OPSET, MIN_OPSET, SUPPORTED_ONNX_OPS } from '../frontends/onnx/import.ts';

function wrapped(words: readonly string[], width = 88): string[] {
  const lines: string[] = [];
  let line = ' ';
  for (const word of words) {
    if (line.length + word.length + 2 > width) {
      lines.push(line);
      line = ' ';
    }
    line += ` ${word}`;
  }
  if (line.trim() !== '') lines.push(line);
  return lines;
}

export function registerOpsCommand(program: Command): void {
  program
    .command('ops')
    .description('list the supported ONNX ops and the IR\'s ops')
    .action(() => {
      const out = [
        `ONNX ops (ai.onnx opsets ${MIN_OPSET} to ${MAX_OPSET}; the README's "Model formats" says which attributes):`,
        ...wrapped(SUPPORTED_ONNX_OPS),
        'IR ops:',
        ...wrapped(Object.keys(OPS).sort()),
      ];
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
