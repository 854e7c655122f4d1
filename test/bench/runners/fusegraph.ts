// Runner: the fusegraph JS bundle, imported as a plain ES module.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { timeCalls, type CallStats } from '../protocol.ts';
import { readInput, readJob, report, writeOutput } from './runner-io.ts';

interface Bundle { run(feeds: Record<string, Float32Array>): Record<string, Float32Array> }

const job = readJob();
const bundle = (await import(pathToFileURL(join(job.dir, `${job.model}.mjs`)).href)) as Bundle;
const stats: CallStats[] = [];
for (const batch of job.batches) {
  const x = readInput(job, batch);
  const logits = bundle.run({ x })['logits'];
  if (logits === undefined) throw new Error('the bundle returned no logits');
  writeOutput(job, batch, logits);
  stats.push(await timeCalls(batch, () => bundle.run({ x }), job.budgetMs));
}
report({ runner: job.runner, model: job.model, version: 'this build', stats });
