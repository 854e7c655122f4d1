#!/usr/bin/env node
// The `fusegraph` command (the package's bin, compiled to dist/src/bin/fusegraph.js).
// `--version` answers from package.json before anything else loads; every other call
// imports the command line (src/cli.ts).

import { packageVersion } from '../package-version.ts';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${packageVersion()}\n`);
} else {
  const { main } = await import('../cli.ts');
  process.exitCode = await main(args);
}
