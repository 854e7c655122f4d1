// Writing result files so that a failure never leaves a partial one: every file is written
// under a temporary name beside its destination, and renamed only when all are complete.

import { renameSync, rmSync, writeFileSync } from 'node:fs';

export function writeFilesAtomically(files: readonly { readonly path: string; readonly contents: string | Uint8Array }[]): void {
  const staged: { temp: string; path: string }[] = [];
  try {
    for (const file of files) {
      const temp = `${file.path}.${process.pid}.tmp`;
      staged.push({ temp, path: file.path });
      writeFileSync(temp, file.contents);
    }
    for (const { temp, path } of staged) renameSync(temp, path);
  } catch (error) {
    for (const { temp } of staged) rmSync(temp, { force: true });
    throw error;
  }
}
