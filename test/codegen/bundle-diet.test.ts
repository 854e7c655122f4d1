// What a bundle leaves out when it cannot need it: runtime helpers nothing calls
// (codegen/unused-helpers.ts), and the stream runtime where no output has an input's shape
// (stream() then refuses, naming why). The bundles still load and run.

import { describe, expect, it } from 'vitest';
import seedMlp from '../../examples/seed-mlp.ts';
import { dropUnusedHelpers } from '../../codegen/unused-helpers.ts';
import { compile, type TargetName } from '../../src/compile.ts';
import { Random } from '../../src/random.ts';
import { importBundle } from './js/load-bundle.ts';

interface Session {
  run(feeds: Record<string, Float32Array>): Promise<Record<string, Float32Array>>;
  stream(options: object): unknown;
  dispose(): unknown;
}

describe('dropUnusedHelpers', () => {
  it('drops top-level functions nothing else names, with their comments, until none is left', () => {
    const source = [
      '// the entry',
      'export function run() {',
      '  return used();',
      '}',
      '',
      '/** Called by run. */',
      'function used() {',
      '  return 1;',
      '}',
      '',
      '// Only the unused one calls it.',
      'function helperOfDead() {',
      '  return 2;',
      '}',
      '',
      'async function dead() {',
      '  return helperOfDead() + dead.length;',
      '}',
      '',
      'const KEPT = "named in a string: stays";',
      'function named() {',
      '}',
      '// named',
    ].join('\n');
    const kept = dropUnusedHelpers(source);
    expect(kept).toContain('function used()');
    expect(kept).toContain('/** Called by run. */');
    expect(kept).not.toContain('dead');
    expect(kept).not.toContain('helperOfDead');
    expect(kept).not.toContain('Only the unused one');
    expect(kept).toContain('function named()');
    expect(kept).not.toContain('\n\n\n');
  });
});

describe('bundles without a possible stream', () => {
  it.each<TargetName>(['js', 'wasm'])('the seed MLP on %s: no stream runtime, stream() refuses, run works', async (target) => {
    const bundle = compile(seedMlp, { target, weights: 'embed' });
    const source = bundle.files.find((file) => file.name === bundle.entry)?.contents;
    if (typeof source !== 'string') throw new Error('no entry module');
    for (const absent of ['streamPlan', 'checkChunk', 'INPUT_LAYOUT', 'floatsOf(bytes) {\n', 'checkIds']) {
      if (absent === 'floatsOf(bytes) {\n' && target === 'js') continue;
      expect(source).not.toContain(absent);
    }
    const session = (await (await importBundle(bundle)).load()) as unknown as Session;
    expect(() => session.stream({ state: { logits: 'x' } })).toThrow(/needs an output of the same shape as an input .* this model has none/);
    const x = new Random(9).uniformArray(2 * 784, 0, 1);
    expect((await session.run({ x }))['logits']?.length).toBe(20);
    await session.dispose();
  });
});
