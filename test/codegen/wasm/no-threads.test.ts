// Wasm bundles compiled without threads (`wasm: { threads: false }`, or automatically when no
// kernel ever splits): no thread pool, no worker source, no `work` export in the module; runs
// stay correct on the calling thread and a load asking for threads says why it got one.

import { afterEach, describe, expect, it } from 'vitest';
import seedMlp from '../../../examples/seed-mlp.ts';
import { compile } from '../../../src/compile.ts';
import type { CompiledBundle } from '../../../src/compile.ts';
import { Random } from '../../../src/random.ts';
import { embeddedModules, expectAgrees, loadWasmBundle, type WasmSession } from './wasm-bundle.ts';
import { linear, relu, sequential, toGraph } from '../../../src/nn.ts';

interface ThreadedSession extends WasmSession {
  readonly threads: number;
  readonly threadsReason: string;
}

const open: WasmSession[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map(async (session) => session.dispose()));
});

function sourceOf(bundle: CompiledBundle): string {
  const source = bundle.files.find((file) => file.name === bundle.entry)?.contents;
  if (typeof source !== 'string') throw new Error('no entry module');
  return source;
}

function exportsOf(source: string): string[] {
  return embeddedModules(source).flatMap((bytes) => WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name));
}

async function loadWith(bundle: CompiledBundle, threads: number): Promise<ThreadedSession> {
  const session = (await loadWasmBundle(bundle, { threads })) as ThreadedSession;
  open.push(session);
  return session;
}

describe('wasm bundles without threads', () => {
  it('threads: false leaves out the pool and `work`, runs correctly, and says why at load', async () => {
    const threaded = compile(seedMlp, { target: 'wasm', weights: 'external' });
    const single = compile(seedMlp, { target: 'wasm', weights: 'external', wasm: { threads: false } });
    const [withThreads, without] = [sourceOf(threaded), sourceOf(single)];
    expect(exportsOf(withThreads)).toContain('work');
    expect(exportsOf(without)).not.toContain('work');
    expect(without).not.toContain('WORKER_SOURCE');
    expect(without).not.toContain('Atomics');
    expect(without).not.toContain('threadPlan');
    // The pool's JavaScript and the module's scheduler: 16 KB of the seed MLP's 29.6 KB.
    expect(without.length).toBeLessThan(withThreads.length - 14_000);
    const session = await loadWith(single, 2);
    expect([session.threads, session.threadsReason]).toEqual([1, 'compiled without threads']);
    expect((await loadWith(single, 1)).threadsReason).toBe('one thread was asked for');
    await expect(loadWasmBundle(single, { threads: 0 })).rejects.toThrow(/threads must be a positive integer/);
    const x = new Random(3).uniformArray(32 * 784, 0, 1);
    const viaRun = await session.run({ x });
    expectAgrees(seedMlp, { x }, viaRun);
    expect(session.runSync({ x })).toEqual(viaRun);
  });

  it('leaves out the threads runtime when no kernel of the program ever splits', async () => {
    // A fixed batch of 5: no kernel reaches the split threshold at any batch.
    const small = toGraph(sequential(linear(8, 4), relu(), linear(4, 2)), { name: 'small', inputShape: [5, 8], seed: 2 });
    const bundle = compile(small, { target: 'wasm', weights: 'embed' });
    const source = sourceOf(bundle);
    expect(exportsOf(source)).not.toContain('work');
    expect(source).not.toContain('WORKER_SOURCE');
    const session = await loadWith(bundle, 2);
    expect(session.threads).toBe(1);
    expect(session.threadsReason).toMatch(/^compiled without threads: no kernel of this graph is large enough/);
    const x = new Random(4).uniformArray(5 * 8, -1, 1);
    expectAgrees(small, { x }, await session.run({ x }));
  });
});
