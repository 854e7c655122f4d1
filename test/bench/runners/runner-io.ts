// Shared plumbing of the runner processes: read the job, read inputs, write outputs (for the
// driver's agreement check), print the report as one JSON line.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunnerJob, RunnerReport } from '../protocol.ts';

export function readJob(): RunnerJob {
  const path = process.argv[2];
  if (path === undefined) throw new Error('usage: runner <job.json>');
  return JSON.parse(readFileSync(path, 'utf8')) as RunnerJob;
}

export function readInput(job: RunnerJob, batch: number): Float32Array {
  const bytes = readFileSync(join(job.dir, `x_${batch}.bin`));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export function writeOutput(job: RunnerJob, batch: number, data: Float32Array): void {
  writeFileSync(join(job.dir, `out_${job.runner}_${job.model}_${batch}.bin`), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

export function report(value: RunnerReport): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function packageVersion(name: string): string {
  const path = join(process.cwd(), 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
}
