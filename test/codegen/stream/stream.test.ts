// session.stream({ state }) on every target: a small recurrent-style model (h' = tanh(Wx·x +
// Wh·h), y = Wy·h') streamed for 20 chunks must equal the same computation by repeated run()
// calls that feed h' back by hand, bit for bit (the same kernels run either way), and the
// interpreter within the graph's tolerance. Misuse (unknown names, shapes, state in a chunk,
// another run in between) is refused with a message.

import { Project } from 'ts-morph';
import { afterAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../../ir/graph.ts';
import { interpret } from '../../../ir/interpret.ts';
import { GraphBuilder } from '../../../src/builder.ts';
import { compile, type TargetName } from '../../../src/compile.ts';
import { Random } from '../../../src/random.ts';
import { compareArrays, toleranceFor } from '../../../src/tolerance.ts';
import { gpuDevice } from '../../support/webgpu.ts';
import { importBundle } from '../js/load-bundle.ts';

type Tensors = Record<string, Float32Array>;

interface Stream {
  push(chunk: Tensors): Tensors | Promise<Tensors>;
  reset(): void;
}

interface Session {
  run(feeds: Tensors): Promise<Tensors>;
  stream(options: { state: Record<string, string>; batch?: number; initial?: Tensors }): Stream;
  dispose(): void;
}

const BATCH = 2;
const CHUNKS = 20;

function recurrentModel(): Graph {
  const random = new Random(11);
  const b = new GraphBuilder('recurrent');
  const x = b.input('x', ['N', 4]);
  const h = b.input('h', ['N', 8]);
  const wx = b.constant(random.uniformArray(32, -0.6, 0.6), [8, 4], 'wx');
  const wh = b.constant(random.uniformArray(64, -0.6, 0.6), [8, 8], 'wh');
  const bias = b.constant(random.uniformArray(8, -0.1, 0.1), [8], 'bias');
  const wy = b.constant(random.uniformArray(24, -1, 1), [3, 8], 'wy');
  const hn = b.tanh(b.add(b.linear(x, wx, bias, undefined, [], 'px'), b.linear(h, wh, undefined, undefined, [], 'ph'), 'pre'), 'hn');
  const y = b.linear(hn, wy, undefined, undefined, [], 'y');
  b.output(y, hn);
  return b.build();
}

const graph = recurrentModel();
const chunks = Array.from({ length: CHUNKS }, (_, i) => new Random(100 + i).uniformArray(BATCH * 4, -1, 1));

/** One session per target for both tests: WGSL pipelines take seconds to build on a software adapter. */
const sessions = new Map<TargetName, Promise<Session>>();
function open(target: TargetName): Promise<Session> {
  let session = sessions.get(target);
  if (session === undefined) {
    session = (async () => {
      const module = (await importBundle(compile(graph, { target }))) as unknown as { load(options?: object): Promise<Session> };
      if (target !== 'wgsl') return module.load();
      const { device } = await gpuDevice();
      return module.load({ device, maxBatch: 4 });
    })();
    sessions.set(target, session);
  }
  return session;
}

afterAll(async () => {
  for (const session of sessions.values()) (await session).dispose();
});

describe.each<TargetName>(['js', 'wasm', 'wgsl'])('stream on the %s bundle', (target) => {
  it(`equals ${CHUNKS} run() calls feeding the state back, and the interpreter`, async () => {
    const session = await open(target);
    {
      const initial = new Random(5).uniformArray(BATCH * 8, -0.5, 0.5);
      // By hand: run() with h fed back each time, and the interpreter alongside.
      let h: Float32Array = initial.slice();
      let reference: Float32Array = initial.slice();
      const expected: Tensors[] = [];
      const interpreted: Tensors[] = [];
      for (const x of chunks) {
        const out = await session.run({ x, h });
        expected.push(out);
        h = out['hn'] ?? new Float32Array();
        const ref = interpret(graph, { x, h: reference });
        interpreted.push(ref);
        reference = ref['hn'] ?? new Float32Array();
      }
      const stream = session.stream({ state: { hn: 'h' }, batch: BATCH, initial: { h: initial } });
      for (let pass = 0; pass < 2; pass++) {
        for (const [i, x] of chunks.entries()) {
          const out = await stream.push({ x });
          expect(out['y'], `chunk ${i} y`).toEqual(expected[i]?.['y']);
          expect(out['hn'], `chunk ${i} hn`).toEqual(expected[i]?.['hn']);
          const check = compareArrays(interpreted[i]?.['y'] ?? new Float32Array(), out['y'] ?? new Float32Array(), toleranceFor(graph));
          expect(check.ok, `chunk ${i}: ${JSON.stringify(check.mismatch)}`).toBe(true);
        }
        stream.reset(); // the second pass starts from the initial state again
      }
    }
  });

  it('refuses bad state maps and chunks, and a stream whose state another run overwrote', async () => {
    const session = await open(target);
    {
      expect(() => session.stream({ state: { nope: 'h' } })).toThrow(/state names output "nope"/);
      expect(() => session.stream({ state: { hn: 'x' } })).toThrow(/cannot feed "x" \[N,4\]: the shapes differ/);
      expect(() => session.stream({ state: {} })).toThrow(/maps no output/);
      const stream = session.stream({ state: { hn: 'h' }, batch: BATCH });
      await expect(Promise.resolve().then(() => stream.push({ x: chunks[0] ?? new Float32Array(), h: new Float32Array(16) }))).rejects.toThrow(/"h" is the stream's state/);
      await expect(Promise.resolve().then(() => stream.push({ x: new Float32Array(4) }))).rejects.toThrow(/samples|batch|has N = \d+, but/);
      const first = await stream.push({ x: chunks[0] ?? new Float32Array() });
      if (target !== 'js') {
        await session.run({ x: chunks[0] ?? new Float32Array(), h: new Float32Array(16) });
        await expect(Promise.resolve().then(() => stream.push({ x: chunks[1] ?? new Float32Array() }))).rejects.toThrow(/call reset\(\) first/);
      }
      stream.reset();
      expect((await stream.push({ x: chunks[0] ?? new Float32Array() }))['hn']).toEqual(first['hn']);
    }
  });
});

describe('stream with hostile names', () => {
  it.each<TargetName>(['js', 'wasm'])('feeds "__proto__" from an output called "constructor" on %s', async (target) => {
    const b = new GraphBuilder('hostile');
    const state = b.input('__proto__', [1, 2]);
    const x = b.input('x', [1, 2]);
    b.output(b.add(state, x, 'constructor'));
    const module = (await importBundle(compile(b.build(), { target }))) as unknown as { load(): Promise<Session> };
    const session = await module.load();
    const stream = session.stream({ state: { constructor: '__proto__' } });
    let sum: Float32Array = new Float32Array(2);
    for (let i = 1; i <= 3; i++) sum = (await stream.push({ x: Float32Array.of(i, -i) }))['constructor'] ?? new Float32Array();
    expect(Array.from(sum)).toEqual([6, -6]);
    session.dispose();
  });
});

/** Diagnostics per consumer of the bundles' .d.ts (strict mode, in memory, one project for all). */
function diagnostics(consumers: readonly (readonly [TargetName, string])[]): string[] {
  const project = new Project({
    useInMemoryFileSystem: true,
    compilerOptions: { strict: true, noEmit: true, target: 99, module: 199, moduleResolution: 99, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'] },
  });
  const files = consumers.map(([target, code], index) => {
    const bundle = compile(graph, { target });
    const dir = `/b${index}`;
    for (const file of bundle.files) {
      if (typeof file.contents === 'string' && file.name.includes('.d.')) project.createSourceFile(`${dir}/${file.name}`, file.contents);
    }
    project.createSourceFile(`${dir}/package.json`, '{ "type": "module" }');
    return project.createSourceFile(`${dir}/consumer.mts`, code.replace('ENTRY', bundle.entry));
  });
  return files.map((file) => project.getPreEmitDiagnostics().filter((d) => d.getSourceFile() === file).map((d) => {
    const text = d.getMessageText();
    return typeof text === 'string' ? text : text.getMessageText();
  }).join('\n'));
}

describe('stream types in the .d.ts', () => {
  it('type a correct stream (push synchronous on wasm, a promise on WGSL) and reject misuse', () => {
    const good = (push: string): string => `
      import { load } from './ENTRY';
      async function main(): Promise<Float32Array> {
        const session = await load();
        const stream = session.stream({ state: { hn: 'h' }, batch: 2, initial: { h: new Float32Array(16) } });
        const out = ${push};
        stream.reset();
        return out.y;
      }
      void main;
    `;
    const bad = `
      import { load } from './ENTRY';
      async function main(): Promise<void> {
        const session = await load();
        session.stream({ state: { hn: 'hh' } });
        const stream = session.stream({ state: { hn: 'h' } });
        stream.push({ x: new Float32Array(8), h: new Float32Array(16) });
      }
      void main;
    `;
    const [wasm, wgsl, js] = diagnostics([
      ['wasm', good('stream.push({ x: new Float32Array(8) })')],
      ['wgsl', good('await stream.push({ x: new Float32Array(8) })')],
      ['js', bad],
    ]);
    expect(wasm).toBe('');
    expect(wgsl).toBe('');
    expect(js).toMatch(/"hh"/);
    expect(js).toMatch(/'h' does not exist|Object literal may only specify known properties/);
  });
});
