// Temporary folders for tests and benchmarks, so that runs leave nothing in the temp dir:
// a test's folders go after its file (test/support/remove-bundles.ts, a setup file, calls
// removeTempDirs), a benchmark's when its process exits (`scratchDir`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
let removedOnExit = false;

/** A new folder `<tmp>/<prefix>XXXXXX`, removed after the test file that made it. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A new folder for a benchmark script, removed when its process exits. */
export function scratchDir(prefix: string): string {
  if (!removedOnExit) {
    removedOnExit = true;
    process.on('exit', removeTempDirs);
  }
  return tempDir(prefix);
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
