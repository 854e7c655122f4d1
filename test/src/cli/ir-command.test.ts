// `fusegraph ir` as a user runs it, in a child process: the seed model's dump, the --full
// form parsed back into the same graph, .ir files as input, and a parse error's exit code.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interpret } from '../../../ir/interpret.ts';
import type { OpName } from '../../../ir/ops/index.ts';
import { parseGraph } from '../../../ir/parse.ts';
import { verifyGraph } from '../../../ir/verify.ts';
import activations, { ACTIVATION_EXAMPLES } from '../../../examples/activations.ts';
import seedMlp from '../../../examples/seed-mlp.ts';
import { graphDifference } from '../../ir/graph-equal.ts';
import { tempDir } from '../../support/temp-dir.ts';

function fusegraph(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['src/bin/fusegraph.mjs', ...args], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('fusegraph ir', () => {
  it('loads a .ts model that sits outside an ES-module package (compiled as CommonJS)', () => {
    const dir = tempDir('fusegraph-model-');
    const nn = join(process.cwd(), 'src/nn.ts');
    writeFileSync(join(dir, 'tiny.ts'), [
      `import { linear, relu, sequential, toGraph } from ${JSON.stringify(nn)};`,
      "export default toGraph(sequential(linear(4, 3), relu()), { name: 'tiny', inputShape: ['N', 4] });",
    ].join('\n'));
    const { status, stdout, stderr } = fusegraph('ir', join(dir, 'tiny.ts'));
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout.split('\n')[0]).toBe('graph tiny(%x: f32[N,4]) -> f32[N,3] {');
    writeFileSync(join(dir, 'not-a-graph.ts'), 'export default 5;\n');
    const bad = fusegraph('ir', join(dir, 'not-a-graph.ts'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('must export a graph as its default export');
  });

  it('prints the seed model with weights elided', () => {
    const { status, stdout, stderr } = fusegraph('ir', 'examples/seed-mlp.ts');
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('graph seed_mlp(%x: f32[N,784]) -> f32[N,10] {');
    expect(stdout).toContain('%0.weight = const {value = elided<min = ');
    expect(stdout).toContain(': f32[128,784]');
    expect(stdout).toContain('return %logits');
  });

  it('--full parses back into the very graph the module exports, and .ir files print the same', () => {
    const full = fusegraph('ir', 'examples/seed-mlp.ts', '--full');
    expect(full.status).toBe(0);
    expect(graphDifference(parseGraph(full.stdout), seedMlp)).toBeUndefined();
    const dir = tempDir('fusegraph-ir-');
    const file = join(dir, 'seed.ir');
    writeFileSync(file, full.stdout);
    const again = fusegraph('ir', file, '--full');
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(full.stdout);
  });

  it('reports a bad .ir file at file:line:column with exit code 2', () => {
    const dir = tempDir('fusegraph-ir-');
    const file = join(dir, 'bad.ir');
    writeFileSync(file, 'graph g(%x: f32[N,2]) -> f32[N,2] {\n  %y = relu(%z) : f32[N,2]\n  return %y\n}\n');
    const { status, stderr, stdout } = fusegraph('ir', file);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`fusegraph: error: ${file}:2:13: %z is not defined (values must be defined before use)\n`);
  });

  it('prints the activation examples (the default export is the softmax head)', () => {
    const { status, stdout } = fusegraph('ir', 'examples/activations.ts', '--full');
    expect(status).toBe(0);
    expect(graphDifference(parseGraph(stdout), activations)).toBeUndefined();
  });
});

describe('examples/activations.ts', () => {
  it('holds one verified model per activation family, each runnable', () => {
    const ops = new Set<OpName>(Object.values(ACTIVATION_EXAMPLES).flatMap((g) => g.nodes.map((n) => n.op)));
    const families: OpName[] = ['leaky_relu', 'prelu', 'elu', 'sigmoid', 'tanh', 'softmax'];
    for (const op of families) expect(ops.has(op), op).toBe(true);
    for (const graph of Object.values(ACTIVATION_EXAMPLES)) {
      expect(verifyGraph(graph)).toEqual([]);
      const input = graph.inputs[0];
      const size = (input?.type.shape[1] as number) * 3;
      const out = interpret(graph, { [input?.name ?? 'x']: new Float32Array(size).fill(0.5) });
      for (const data of Object.values(out)) expect(Array.from(data).every(Number.isFinite)).toBe(true);
    }
  });
});
