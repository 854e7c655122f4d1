// The fusegraph command line: parses arguments and calls into the compiler; no logic of
// its own. Exit codes: 0 success, 1 verification failure, 2 bad input or usage.

import { Command, CommanderError } from 'commander';
import { CompileError } from '../ir/errors.ts';
import { registerCompileCommand } from './cli/compile-command.ts';
import { registerInspectCommand } from './cli/inspect-command.ts';
import { registerIrCommand } from './cli/ir-command.ts';
import { registerBenchCommand } from './cli/bench-command.ts';
import { registerRunCommand } from './cli/run-command.ts';
import { VerificationFailure } from './cli/verification-failure.ts';
import { registerVerifyCommand } from './cli/verify-command.ts';
import './frontends/index.ts';

export const EXIT_OK = 0;
export const EXIT_VERIFY_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

function buildProgram(): Command {
  const program = new Command('fusegraph')
    .description('Compile small neural-network graphs into standalone inference bundles.')
    .option('--debug', 'show stack traces of errors')
    .exitOverride()
    .showHelpAfterError()
    .addHelpText('after', [
      '',
      'Models: .onnx, .json (fusegraph\'s JSON model format), .ir, or a .ts/.js module exporting a graph.',
      'Exit codes: 0 success, 1 verification failure, 2 bad input or usage.',
      '',
      'Examples:',
      '  fusegraph ir model.onnx -O2 --format dot',
      '  fusegraph compile model.onnx --target js -o dist',
      '  fusegraph run dist/model.mjs --input batch.npy',
      '  fusegraph verify model.onnx --target js --samples 20',
      '  fusegraph bench model.onnx --target js --batch 1,32,256',
      '  fusegraph inspect model.onnx --data test.npy --input-range 0,1 --report report.html',
    ].join('\n'));
  registerIrCommand(program);
  registerCompileCommand(program);
  registerRunCommand(program);
  registerVerifyCommand(program);
  registerBenchCommand(program);
  registerInspectCommand(program);
  return program;
}

/** One line per error; the stack only with --debug. */
function report(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
  if (error instanceof VerificationFailure) {
    process.stderr.write(`fusegraph: verification failed: ${error.message}\n`);
    return EXIT_VERIFY_FAILED;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`fusegraph: error: ${message.split('\n')[0] ?? ''}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  if (!(error instanceof CompileError) && !debug) process.stderr.write('fusegraph: (an internal error; run with --debug for the stack)\n');
  return EXIT_BAD_INPUT;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    return report(error, argv.includes('--debug'));
  }
}

process.exitCode = await main(process.argv.slice(2));
