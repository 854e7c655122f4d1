// The published package as a user meets it: `npm pack` (running the build), an offline
// install of the tarball into a fresh project, the `fusegraph` command from there, the API
// from plain .mjs, and a TypeScript consumer type-checked with default strict settings under
// both `bundler` and `node16` module resolution.

import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAndInstall, ROOT, type InstalledPackage } from './installed-package.ts';

const MODEL = join(ROOT, 'test/fixtures/pytorch/matmul_add.onnx');
const TSC = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');

let installed: InstalledPackage;

function inProject(command: string, args: string[]): { status: number | null; stdout: string; stderr: string; ms: number } {
  const start = performance.now();
  const result = spawnSync(command, args, { cwd: installed.project, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, ms: performance.now() - start };
}

const CONSUMER_MJS = `
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompileError, GraphBuilder, TARGET_NAMES, compile, interpret, loadModel, loadModelFromBytes, nn, optimize } from 'fusegraph';
import fusegraphVite from 'fusegraph/vite';

const model = process.argv[2];
const graph = await loadModel(model);
const same = loadModelFromBytes(readFileSync(model), 'onnx');
const report = { targets: TARGET_NAMES, nodes: graph.nodes.length, sameFromBytes: same.nodes.length === graph.nodes.length, optimized: optimize(graph).graph.nodes.length };
const x = Float32Array.from({ length: 3 * 20 }, (_, i) => Math.sin(i));
const expected = interpret(graph, { x })[graph.outputs[0]];
for (const target of ['js', 'wasm']) {
  const bundle = compile(graph, { target });
  const dir = mkdtempSync(join(tmpdir(), 'fusegraph-consumer-'));
  for (const file of bundle.files) writeFileSync(join(dir, file.name), file.contents);
  const module = await import(pathToFileURL(join(dir, bundle.entry)).href);
  const session = await module.load();
  const actual = (await session.run({ x }))[graph.outputs[0]];
  report[target] = Math.max(...expected.map((v, i) => Math.abs(v - actual[i])));
  rmSync(dir, { recursive: true, force: true });
}
const built = nn.toGraph(nn.sequential(nn.linear(4, 3), nn.relu()), { name: 'tiny', inputShape: ['N', 4] });
report.builtOutputs = built.outputs.length;
const b = new GraphBuilder('g');
b.output(b.relu(b.input('x', [2])));
report.builderNodes = b.build().nodes.length;
const plugin = fusegraphVite({ target: 'js' });
report.vitePlugin = plugin.name + ':' + typeof plugin.load;
try { loadModelFromBytes(new Uint8Array([1, 2, 3]), 'onnx'); } catch (error) { report.compileError = error instanceof CompileError; }
console.log(JSON.stringify(report));
`;

const CONSUMER_TS = `
import { compile, CompileError, loadModel, nn, type CompiledBundle, type Graph, type TargetName } from 'fusegraph';

export async function build(path: string, target: TargetName): Promise<readonly string[]> {
  const graph: Graph = await loadModel(path);
  const bundle: CompiledBundle = compile(graph, { target, level: 'O2' });
  return bundle.files.map((file) => file.name);
}
export const tiny: Graph = nn.toGraph(nn.sequential(nn.linear(4, 3), nn.relu()), { name: 'tiny', inputShape: ['N', 4] });
export const isCompileError = (error: unknown): boolean => error instanceof CompileError && error.detail.length > 0;
`;

/** A web app's module importing models through the Vite plugin, typed by fusegraph/client. */
const CLIENT_TS = `/// <reference types="fusegraph/client" />
import classifier from './classifier.onnx';
import { run } from './net.json?target=js';

export async function classify(x: Float32Array): Promise<Float32Array | undefined> {
  const session = await classifier.load();
  const inputName: string = classifier.metadata.inputs[0]?.name ?? 'x';
  const results = await session.run({ [inputName]: x });
  session.dispose();
  return results[classifier.metadata.outputs[0]?.name ?? 'y'] ?? run({ x })['y'];
}
`;

const TSCONFIGS = {
  bundler: { compilerOptions: { strict: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler', noEmit: true } },
  node16: { compilerOptions: { strict: true, target: 'es2022', module: 'node16', moduleResolution: 'node16', noEmit: true } },
};

describe('the npm package', () => {
  beforeAll(() => {
    installed = packAndInstall();
  }, 180_000);
  afterAll(() => {
    if (installed !== undefined) rmSync(installed.dir, { recursive: true, force: true });
  });

  it('ships the compiled code and its types, and no tests, fixtures, sources or CI files', () => {
    const files = installed.files;
    for (const path of ['package.json', 'README.md', 'client.d.ts', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/bin/fusegraph.js', 'dist/src/vite/plugin.js', 'dist/src/vite/plugin.d.ts', 'dist/src/frontends/onnx/onnx.proto']) {
      expect(files).toContain(path);
    }
    expect(files.filter((path) => !path.startsWith('dist/') && !['package.json', 'README.md', 'client.d.ts'].includes(path))).toEqual([]);
    expect(files.filter((path) => /\.ts$/.test(path) && !/\.d\.ts$/.test(path))).toEqual([]);
    expect(files.filter((path) => /(^|\/)(test|fixtures|\.ci)\//.test(path))).toEqual([]);
    expect(installed.tarballBytes).toBeLessThan(1_000_000);
  });

  it('installs a fusegraph command (--version, --help) that compiles a model', () => {
    const bin = join(installed.project, 'node_modules/.bin/fusegraph');
    const version = inProject(bin, ['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(version.status).toBe(0);
    const help = inProject(bin, ['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('compile');
    const compiled = inProject(bin, ['compile', MODEL, '--target', 'js', '-o', 'out']);
    expect(compiled.stderr).toBe('');
    expect(compiled.status).toBe(0);
    expect(existsSync(join(installed.project, 'out'))).toBe(true);
  });

  it('says a .ts model needs tsx when tsx is not installed', () => {
    cpSync(join(ROOT, 'examples/seed-mlp.ts'), join(installed.project, 'model.ts'));
    const result = inProject(join(installed.project, 'node_modules/.bin/fusegraph'), ['ir', 'model.ts']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/needs the tsx package/);
  });

  it('serves the API to plain .mjs: load (path and bytes), optimize, compile, run, interpret, build', () => {
    writeFileSync(join(installed.project, 'consumer.mjs'), CONSUMER_MJS);
    const output = execFileSync(process.execPath, ['consumer.mjs', MODEL], { cwd: installed.project, encoding: 'utf8' });
    const report = JSON.parse(output) as Record<string, unknown>;
    expect(report).toMatchObject({ sameFromBytes: true, builtOutputs: 1, builderNodes: 1, compileError: true, vitePlugin: 'fusegraph:function' });
    expect(report['targets']).toEqual(expect.arrayContaining(['js', 'wasm', 'wgsl']));
    expect(report['js']).toBeLessThan(1e-4);
    expect(report['wasm']).toBeLessThan(1e-4);
  });

  for (const [resolution, tsconfig] of Object.entries(TSCONFIGS)) {
    it(`type-checks a strict TypeScript consumer (moduleResolution ${resolution})`, () => {
      const dir = join(installed.project, `ts-${resolution}`);
      execFileSync('mkdir', ['-p', dir]);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `ts-${resolution}`, private: true, type: 'module' }));
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
      writeFileSync(join(dir, 'index.ts'), CONSUMER_TS);
      writeFileSync(join(dir, 'client.ts'), CLIENT_TS);
      const ok = spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8' });
      expect(ok.stdout + ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      // The check is real: a type error in the consumer is reported.
      writeFileSync(join(dir, 'index.ts'), `${CONSUMER_TS}\nexport const wrong: number = compile;\n`);
      const bad = spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8' });
      expect(bad.stdout).toMatch(/TS2322/);
    });
  }
});
