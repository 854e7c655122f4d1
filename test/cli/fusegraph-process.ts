// Runs the fusegraph CLI as a user does, in a child process, from the repository root.

import { spawnSync } from 'node:child_process';

export function fusegraph(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['src/bin/fusegraph.mjs', ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
