// fusegraph/vite: a tiny app importing models in every format is built with Vite (weights
// emitted as assets, the built page run in Node here and in chromium by the browser test),
// served by the dev server (recompiled when the model file changes), and a model outside
// the project root is refused.

import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fusegraph from '../../src/vite/plugin.ts';
import { writeJsonModel } from '../../src/frontends/json-model/write.ts';
import { loadModel } from '../../src/load-model.ts';
import { compareArrays } from '../../src/tolerance.ts';
import { ROOT, writeTinyApp, type AppModel } from './tiny-app.ts';

const TSC = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
let app: { dir: string; models: AppModel[] };

beforeAll(async () => {
  app = await writeTinyApp();
});
afterAll(() => rmSync(app.dir, { recursive: true, force: true }));

describe('fusegraph/vite', () => {
  it('builds an app: one weights asset per model, the page\'s results equal the interpreter\'s', async () => {
    const outDir = join(app.dir, 'dist');
    await build({ root: app.dir, configFile: false, logLevel: 'silent', plugins: [fusegraph()], base: './', build: { outDir, emptyOutDir: true, modulePreload: { polyfill: false } } });
    const assets = readdirSync(join(outDir, 'assets'));
    expect(assets.filter((f) => f.endsWith('.bin')).length).toBe(app.models.length);
    const entry = /src="\.?\/(assets\/index-[^"]+\.js)"/.exec(readFileSync(join(outDir, 'index.html'), 'utf8'))?.[1];
    expect(entry).toBeDefined();
    const code = readFileSync(join(outDir, entry ?? ''), 'utf8');
    expect(code).not.toContain('WEIGHTS_BASE64="');
    // The built page runs in Node too: its weights URLs are file: URLs next to the chunk.
    await import(/* @vite-ignore */ pathToFileURL(join(outDir, entry ?? '')).href);
    const report = (globalThis as { __fusegraph?: { results: Record<string, number[]>; defaultName: string; hasRun: boolean } }).__fusegraph;
    expect(report?.hasRun).toBe(true);
    for (const model of app.models) {
      const actual = Float32Array.from(report?.results[model.key] ?? []);
      const tolerance = model.key === 'ir' ? { abs: 2e-2, rel: 2e-2 } : { abs: 1e-5, rel: 1e-4 }; // ir: f16 weights
      expect(compareArrays(model.expected, actual, tolerance).ok, model.key).toBe(true);
    }
  }, 120_000);

  it('writes typed declarations beside .onnx models with { dts: true }, which type-check an app', async () => {
    await build({ root: app.dir, configFile: false, logLevel: 'silent', plugins: [fusegraph({ dts: true })], build: { outDir: join(app.dir, 'dist-dts'), emptyOutDir: true } });
    const declarations = readFileSync(join(app.dir, 'models/classifier.d.onnx.ts'), 'utf8');
    expect(declarations).toContain('readonly "x": Float32Array;');
    expect(declarations).toContain('export default bundle;');
    const tsconfig = { compilerOptions: { strict: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler', allowArbitraryExtensions: true, noEmit: true, types: [] }, files: ['app.ts'] };
    writeFileSync(join(app.dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const typecheck = (body: string): string => {
      writeFileSync(join(app.dir, 'app.ts'), `import classifier, { load } from './models/classifier.onnx';\n${body}\nexport {};\n`);
      return spawnSync(process.execPath, [TSC, '-p', app.dir], { encoding: 'utf8' }).stdout;
    };
    expect(typecheck('const session = await load();\nconst { y } = await session.run({ x: new Float32Array(20) });\nexport const n: number = y.length + classifier.metadata.outputs[0].shape[1];')).toBe('');
    expect(typecheck('const session = await classifier.load();\nawait session.run({ z: new Float32Array(20) });')).toMatch(/'z' does not exist in type 'Feeds'/);
  }, 120_000);

  it('refuses a model outside the project root', async () => {
    const outside = join(app.dir, '..', `fusegraph-outside-${process.pid}.onnx`);
    copyFileSync(join(ROOT, 'test/fixtures/pytorch/matmul_add.onnx'), outside);
    const sub = join(app.dir, 'sub');
    writeFileSync(join(app.dir, 'escape.js'), `import m from ${JSON.stringify(`../${outside.split('/').pop() ?? ''}`)};\nconsole.log(m);\n`);
    try {
      await expect(build({
        root: app.dir, configFile: false, logLevel: 'silent', plugins: [fusegraph()],
        build: { outDir: sub, emptyOutDir: true, rollupOptions: { input: join(app.dir, 'escape.js') } },
      })).rejects.toThrow(/compiles only models inside the project root/);
    } finally {
      rmSync(outside, { force: true });
    }
  }, 60_000);

  describe('dev server', () => {
    let server: ViteDevServer;
    beforeAll(async () => {
      server = await createServer({ root: app.dir, configFile: false, logLevel: 'silent', plugins: [fusegraph()], server: { port: 0, host: '127.0.0.1' } });
      await server.listen();
    });
    afterAll(async () => server.close());

    const origin = (): string => server.resolvedUrls?.local[0]?.replace(/\/$/, '') ?? '';

    /** The compiled module for an import of main.js, as the browser would fetch it. */
    async function wrapperOf(index: number): Promise<string> {
      const main = await (await fetch(`${origin()}/main.js`)).text();
      const url = new RegExp(`import \\* as m${index} from "([^"]+)"`).exec(main)?.[1] ?? 'missing';
      return (await fetch(`${origin()}${url}`)).text();
    }

    it('serves the compiled module and its weights, and recompiles when the model changes', async () => {
      const first = await wrapperOf(1);
      expect(first).toContain('export default { metadata, load, run }');
      const weightsUrl = /const weightsUrl = "([^"]+)"/.exec(first)?.[1] ?? '';
      const weights = await fetch(`${origin()}${weightsUrl}`);
      expect(weights.status).toBe(200);
      expect((await weights.arrayBuffer()).byteLength).toBeGreaterThan(0);
      const bundleUrl = /from "([^"]+)"/.exec(first)?.[1] ?? '';
      const bundle = await (await fetch(`${origin()}${bundleUrl}`)).text();
      expect(bundle, `${bundleUrl}\n${first}`).toContain('export function run(feeds, dims)');
      // Another model under the same name (two outputs, its own sidecar): the next request compiles it.
      const other = writeJsonModel(await loadModel(join(ROOT, 'test/fixtures/pytorch/residual.onnx')), { kind: 'safetensors', file: 'other.safetensors' });
      writeFileSync(join(app.dir, 'models/other.safetensors'), other.sidecar ?? new Uint8Array());
      writeFileSync(join(app.dir, 'models/net.json'), other.json);
      let second = first;
      for (let i = 0; i < 50 && second === first; i++) {
        await new Promise((done) => setTimeout(done, 100));
        second = await wrapperOf(1);
      }
      expect(second).not.toBe(first);
      const changed = await (await fetch(`${origin()}${/from "([^"]+)"/.exec(second)?.[1] ?? ''}`)).text();
      expect(changed).toContain('"name": "y1"');
      expect(bundle).not.toContain('"name": "y1"');
      // New weights in the sidecar alone (the JSON unchanged): recompiled too.
      const sidecar = readFileSync(join(app.dir, 'models/other.safetensors'));
      sidecar[sidecar.length - 1] = (sidecar[sidecar.length - 1] ?? 0) ^ 0x40;
      writeFileSync(join(app.dir, 'models/other.safetensors'), sidecar);
      let third = second;
      for (let i = 0; i < 50 && third === second; i++) {
        await new Promise((done) => setTimeout(done, 100));
        third = await wrapperOf(1);
      }
      expect(third).not.toBe(second);
    }, 60_000);
  });
});
