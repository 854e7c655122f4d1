// Threaded wasm runs never hang (issue 15): a worker whose share throws or traps, one that
// calls process.exit mid-run, one terminated between runs, and a trap on the calling thread
// each end the run with an Error naming what happened (or, where the caller took every chunk
// before the worker failed, complete it), and the session's next run starts a new pool and
// gives the single-thread bytes. Faults are injected by patching the worker's
// source in the bundle text (it is embedded as a string literal), or come from a bad id.

import { afterEach, describe, expect, it } from 'vitest';
import type { Worker } from 'node:worker_threads';
import type { Graph } from '../../../ir/graph.ts';
import { Random } from '../../../src/random.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { optimize } from '../../../src/passes/pipeline.ts';
import { embeddingClassifier } from '../../support/dtype-graphs.ts';
import type { BundleFiles } from '../js/load-bundle.ts';
import { naivePlan } from '../naive-plan.ts';
import { bundleFor, loadWasmBundle } from './wasm-bundle.ts';

interface Session {
  readonly threads: number;
  runSync(feeds: Record<string, Float32Array | Int32Array>): Record<string, Float32Array>;
  run(feeds: Record<string, Float32Array | Int32Array>): Promise<Record<string, Float32Array>>;
  dispose(): Promise<void>;
}

const open: Session[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((session) => session.dispose()));
});

/** The statement of the worker's loop that runs its share (as it appears in the bundle's string literal). */
const WORK_CALL = 'work(Atomics.load(words, 4), data.thread, data.threads, go);';

/** The bundle with `statement` run by each worker just before its share of a run. */
function patched(bundle: BundleFiles, statement: string): BundleFiles {
  const escaped = JSON.stringify(statement).slice(1, -1);
  return {
    ...bundle,
    files: bundle.files.map((file) => {
      if (file.name !== bundle.entry || typeof file.contents !== 'string') return file;
      if (!file.contents.includes(WORK_CALL)) throw new Error('the worker source has changed: update WORK_CALL');
      return { ...file, contents: file.contents.replace(WORK_CALL, `${escaped} ${WORK_CALL}`) };
    }),
  };
}

function mlp(): Graph {
  const random = new Random(3);
  const b = new GraphBuilder('fail_mlp');
  const x = b.input('x', ['N', 24]);
  const w = b.constant(random.uniformArray(64 * 24, -0.5, 0.5), [64, 24], 'w');
  b.output(b.op('linear', [x, w], {}, 'y'));
  return b.build();
}

async function load(bundle: BundleFiles): Promise<Session> {
  const session = (await loadWasmBundle(bundle, { threads: 2 })) as unknown as Session;
  open.push(session);
  expect(session.threads).toBe(2);
  return session;
}

const x = (batch: number): Float32Array => new Random(batch).uniformArray(batch * 24, -1, 1);

describe('a threaded run whose thread fails', () => {
  const graph = mlp();
  const bundle = bundleFor(graph, naivePlan(graph), { splitMinFlops: 0 });

  // Each fault fires in worker 1 on a run of 3000 samples only, after it took a chunk of the run
  // (words 8–9: the claim word's low half) when any was left: the run then cannot finish
  // without it and must end with the error; where the caller had already claimed every chunk,
  // the run completes with the right bytes. Either way the run after it (8 samples) works.
  const faults: readonly (readonly [string, string, RegExp])[] = [
    ['throws', 'if (Atomics.load(words, 4) === 3000) { Atomics.add(words, 8, 1); throw new Error("injected fault"); }', /worker thread 1 of 2 failed during the run: Error: injected fault/],
    ['traps (wasm)', 'if (Atomics.load(words, 4) === 3000) { Atomics.add(words, 8, 1); new WebAssembly.Instance(new WebAssembly.Module(Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 8, 1, 0, 10, 5, 1, 3, 0, 0, 11))); }', /worker thread 1 of 2 failed during the run: RuntimeError: unreachable/],
    ['calls process.exit', 'if (Atomics.load(words, 4) === 3000) { Atomics.add(words, 8, 1); process.exit(7); }', /worker thread 1 of 2 exited during the run \(exit code 7\)/],
  ];
  for (const [what, statement, message] of faults) {
    it(`ends the run with an error when a worker ${what}, and the next run starts a new pool`, async () => {
      const session = await load(patched(bundle, statement));
      const reference = session.runSync({ x: x(8) })['y'];
      expect((await session.run({ x: x(8) }))['y']).toEqual(reference);
      const outcome = await session.run({ x: x(3000) }).then((results) => results['y'], (error: unknown) => error);
      if (outcome instanceof Error) expect(outcome.message).toMatch(message);
      else expect(outcome).toEqual(session.runSync({ x: x(3000) })['y']);
      expect((await session.run({ x: x(8) }))['y']).toEqual(reference);
    });
  }

  it('traps inside a worker share of a kernel: a bad id on either thread gives the single-thread RangeError', async () => {
    const dtype = embeddingClassifier();
    const optimized = optimize(dtype);
    const session = await load(bundleFor(optimized.graph, optimized.plan, { splitMinFlops: 0 }));
    const ids = Int32Array.from([1, 2, 3, 0, 0, 10, -1, 4, 5, 0, 7, -11, 0, 0, 0]);
    const reference = session.runSync({ ids });
    // 15 ids: thread 0 checks positions 0..6, thread 1 (a worker) 7..14.
    for (const [at, id, shown] of [[8, 11, '[1, 3]'], [1, -12, '[0, 1]']] as const) {
      const bad = Int32Array.from(ids);
      bad[at] = id;
      const single = `fusegraph: id ${id} at position ${shown} of %ids is outside [-11, 11)`;
      expect(() => session.runSync({ ids: bad })).toThrow(single);
      await expect(session.run({ ids: bad })).rejects.toThrow(single);
      expect(await session.run({ ids })).toEqual(reference);
    }
  });

  it('restarts a pool whose worker was terminated between runs', async () => {
    const workers: Worker[] = [];
    const collect = (worker: Worker): void => void workers.push(worker);
    process.on('worker', collect);
    try {
      const session = await load(bundle);
      const reference = session.runSync({ x: x(8) })['y'];
      expect((await session.run({ x: x(8) }))['y']).toEqual(reference);
      expect(workers).toHaveLength(1);
      await workers[0]?.terminate();
      expect((await session.run({ x: x(8) }))['y']).toEqual(reference);
      expect(workers).toHaveLength(2);
    } finally {
      process.off('worker', collect);
    }
  });
});
