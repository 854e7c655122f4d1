// The driver's side of child.ts: runs one measurement in a fresh Node process (the runner's
// flags included) and reads back its JSON line; plus the `--flag a,b` list parsing the
// drivers share.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Measurement } from './child.ts';
import { RUNNER_FLAGS, type RunnerName } from './runners.ts';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/** One measurement, or the reason it failed (the child's last words). */
export function measureInChild(runner: RunnerName, model: string, batch: number, reference?: string, timeoutMs = 600_000): Measurement | string {
  const args = [...(RUNNER_FLAGS[runner] ?? []), '--import', 'tsx', CHILD, runner, model, String(batch), ...(reference !== undefined ? [reference] : [])];
  try {
    const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26, timeout: timeoutMs });
    const line = out.trim().split('\n').pop() ?? '';
    return JSON.parse(line) as Measurement;
  } catch (error) {
    return failureCause(error);
  }
}

/** The line of a failed child's stderr that names the cause (`CompileError: …`), not its stack. */
export function failureCause(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = typeof stderr === 'string' && stderr.trim() !== '' ? stderr : error instanceof Error ? error.message : String(error);
  const cause = text.split('\n').find((line) => /^[A-Za-z]*Error\b/.test(line.trim())) ?? text.trim().split('\n').pop() ?? '';
  return cause.trim().slice(0, 300);
}

/** `--name a,b,c` parsed with `parse`, or `all` when the flag is absent. */
export function listArg<T extends string | number>(argv: readonly string[], name: string, all: readonly T[], parse: (text: string) => T): readonly T[] {
  const at = argv.indexOf(name);
  const text = at >= 0 ? argv[at + 1] : undefined;
  return text === undefined ? all : text.split(',').map(parse);
}
