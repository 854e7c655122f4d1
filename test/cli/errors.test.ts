// Exit codes and error lines of the CLI, in child processes: bad input is exit 2 with one
// line `fusegraph: error: <file>: <node> (<op>): <expected, found>`; --debug adds the stack.

import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { floatTensor, intAttribute, intsAttribute, node, onnxModel, stringAttribute, weights } from '../frontends/onnx-model.ts';
import { fusegraph } from './fusegraph-process.ts';
import { tempDir } from '../support/temp-dir.ts';

const dir = tempDir('fusegraph-errors-');

function modelFile(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const gemm = (nodeName: string, w: ReturnType<typeof weights>): Uint8Array => onnxModel({
  inputs: [['x', ['N', 4]]], outputs: [['y', ['N', 2]]], initializers: [w],
  nodes: [{ ...node('Gemm', ['x', w.name ?? 'w'], 'y', [intAttribute('transB', 1)]), name: nodeName }],
});

describe('CLI errors', () => {
  it('a shape error is one line naming file, node, op, expected and found; exit 2', () => {
    const file = modelFile('bad.onnx', gemm('fc', weights('fc.weight', [2, 5], 1)));
    const { status, stdout, stderr } = fusegraph('ir', file);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`fusegraph: error: ${file}: %fc (Gemm): weight f32[2,5] needs input f32[*,5], got f32[N,4]\n`);
  });

  it('an id outside the embedding table is one line naming the ids and the position; exit 2', () => {
    const model = 'test/fixtures/pytorch-seq/embedding_classifier.onnx';
    const ids = JSON.stringify([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [1, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]);
    const { status, stderr } = fusegraph('run', model, '--input', modelFile('ids.json', new TextEncoder().encode(ids)));
    expect(status).toBe(2);
    expect(stderr).toBe('fusegraph: error: %"/embed/Gather_output_0" (gather): id 60 at position [1, 1] of %ids is outside [-50, 50)\n');
  });

  it('--debug adds the stack', () => {
    const file = modelFile('bad2.onnx', gemm('fc', weights('fc.weight', [2, 5], 1)));
    const { status, stderr } = fusegraph('--debug', 'ir', file);
    expect(status).toBe(2);
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toContain('%fc (Gemm): weight f32[2,5]');
    expect(lines.length).toBeGreaterThan(2);
    expect(stderr).toMatch(/\n\s+at /);
  });

  it('a truncated file, a missing file and an unknown format are exit 2, one line each', () => {
    const truncated = modelFile('cut.onnx', gemm('fc', weights('fc.weight', [2, 4], 1)).subarray(0, 40));
    for (const args of [['ir', truncated], ['run', join(dir, 'none.onnx'), '--input', 'x.json'], ['verify', join(dir, 'model.xyz')]]) {
      const { status, stderr } = fusegraph(...args);
      expect(status, args.join(' ')).toBe(2);
      expect(stderr.trimEnd().split('\n'), stderr).toHaveLength(1);
      expect(stderr).toMatch(/^fusegraph: error: /);
    }
  });

  it('usage errors (unknown option, bad target, bad sample count) are exit 2', () => {
    const file = modelFile('ok.onnx', gemm('fc', weights('fc.weight', [2, 4], 1)));
    expect(fusegraph('ir', file, '--bogus').status).toBe(2);
    expect(fusegraph('verify', file, '--target', 'cuda').stderr).toBe("fusegraph: error: unknown target 'cuda' (expected one of js, wgsl, wasm)\n");
    expect(fusegraph('verify', file, '--samples', '-1').status).toBe(2);
  });

  it('a hostile node name stays on one, escaped, line', () => {
    const file = modelFile('hostile.onnx', gemm('fc\n"; rm -rf /', weights('fc.weight', [2, 5], 1)));
    const { status, stderr } = fusegraph('ir', file);
    expect(status).toBe(2);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain('%"fc\\n\\"; rm -rf /" (Gemm)');
  });

  it('NaN and infinite weights compile with a warning naming the tensor', () => {
    const file = modelFile('nan.onnx', gemm('fc', floatTensor('fc.weight', [2, 4], Float32Array.of(1, NaN, 0, 0, Infinity, 0, 0, 1))));
    writeFileSync(join(dir, 'x.json'), JSON.stringify([[1, 2, 3, 4]]));
    const { status, stdout, stderr } = fusegraph('run', file, '--input', join(dir, 'x.json'));
    expect(status).toBe(0);
    expect(stderr).toBe(`fusegraph: warning: ${file}: %fc.weight holds 1 NaN and 1 infinite of 8 values\n`);
    expect(stdout).toContain('y: f32[1,2]');
    const compiled = fusegraph('compile', file, '-o', join(dir, 'dist'));
    expect(compiled.status).toBe(0);
    expect(compiled.stderr).toBe(`fusegraph: warning: ${file}: %fc.weight holds 1 NaN and 1 infinite of 8 values\n`);
  });

  it('a bad CNN layer (conflicting auto_pad and pads) is exit 2, one line, and compile writes nothing', () => {
    const file = modelFile('bad-conv.onnx', onnxModel({
      inputs: [['x', ['N', 1, 5, 5]]], outputs: [['y', ['N', 1, 5, 5]]], initializers: [weights('w', [1, 1, 3, 3], 1)],
      nodes: [{ ...node('Conv', ['x', 'w'], 'y', [stringAttribute('auto_pad', 'SAME_UPPER'), intsAttribute('pads', [0, 0, 0, 0])]), name: 'conv1' }],
    }));
    const out = join(dir, 'bad-conv-dist');
    const { status, stdout, stderr } = fusegraph('compile', file, '-o', out);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`fusegraph: error: ${file}: %conv1 (Conv): auto_pad SAME_UPPER implies pads [1,1,1,1], which conflicts with the pads attribute [0,0,0,0]; give one or the other\n`);
    expect(existsSync(out)).toBe(false);
  });
});
