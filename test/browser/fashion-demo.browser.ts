// The Fashion-MNIST demo page (examples/fashion-demo) built with its own Vite config, served
// from 127.0.0.1 and used in headless chromium: picking test images shows each bundle's
// probabilities, which must equal the reference interpreter's; drawing classifies too; the
// page is photographed (FUSEGRAPH_DEMO_SCREENSHOT=path keeps the picture, for the README).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { interpret } from '../../ir/interpret.ts';
import { loadModel } from '../../src/load-model.ts';
import { launchChromium, type Browser } from './chromium.ts';
import { folderFiles, serveFiles, type StaticServer } from './static-server.ts';
import type { Page } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '../..');
const MODELS = join(ROOT, 'examples/fashion-mnist');
const PICKED = [1, 2, 3, 4, 5];

interface DemoState { readonly last: { source: string; results: Record<string, Record<string, number[]>> } | null; readonly count: number; readonly busy: boolean }

function softmax(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

function sampleImage(index: number): Float32Array {
  const bytes = gunzipSync(readFileSync(join(MODELS, 'sample-images-idx3-ubyte.gz')));
  return Float32Array.from(bytes.subarray(16 + index * 784, 16 + (index + 1) * 784), (v) => v / 255);
}

const topThree = (p: readonly number[]): number[] => p.map((v, i) => [i, v] as const).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([i]) => i);

describe('browser: the Fashion-MNIST demo page', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'fusegraph-demo-'));
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let graphs: Record<string, Graph>;
  const logs: string[] = [];

  /** The page's state once it has shown the results for `source` and has nothing more queued. */
  async function shown(source: string): Promise<DemoState> {
    await page.waitForFunction((wanted) => {
      const demo = (globalThis as unknown as { __demo?: DemoState }).__demo;
      return demo?.last?.source === wanted && !demo.busy;
    }, source, { timeout: 60_000 });
    return page.evaluate(() => (globalThis as unknown as { __demo: DemoState }).__demo);
  }

  beforeAll(async () => {
    // The demo's config imports fusegraph/vite, the package's compiled plugin (npm ci builds it).
    if (!existsSync(join(ROOT, 'dist/src/vite/plugin.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
    graphs = { mlp: await loadModel(join(MODELS, 'mlp_relu.onnx')), cnn: await loadModel(join(MODELS, 'cnn.onnx')) };
    await build({ configFile: join(ROOT, 'examples/fashion-demo/vite.config.js'), logLevel: 'silent', build: { outDir } });
    server = await serveFiles(folderFiles(outDir));
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1160, height: 800 });
    page.on('console', (message) => logs.push(message.text()));
    page.on('pageerror', (error) => logs.push(error.message));
    await page.goto(`${server.origin}/fashion-demo/index.html`);
    await shown('test image 0').catch((error: unknown) => {
      throw new Error(`the demo did not classify its first image: ${logs.join('\n')}`, { cause: error });
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('shows, for picked test images, the interpreter\'s probabilities in every bundle (WGSL through WebGPU)', async () => {
    for (const index of PICKED) {
      await page.click(`#samples canvas[data-index="${index}"]`);
      const state = await shown(`test image ${index}`);
      for (const [model, graph] of Object.entries(graphs)) {
        const expected = softmax(Object.values(interpret(graph, { x: sampleImage(index) }))[0] ?? new Float32Array());
        for (const target of ['js', 'wasm', 'wgsl']) {
          const actual = state.last?.results[model]?.[target];
          expect(actual, `${model} on ${target} gave no result for image ${index}: ${logs.join('\n')}`).toBeDefined();
          const worst = Math.max(...expected.map((p, i) => Math.abs(p - (actual?.[i] ?? NaN))));
          expect(worst, `${model} on ${target}, image ${index}`).toBeLessThan(1e-4);
          expect(topThree(actual ?? [])).toEqual(topThree(expected));
        }
        const bars = await page.$$eval(`.target[data-model="${model}"][data-target="wasm"] .bar`, (bars) => bars.map((bar) => Number(bar.getAttribute('data-class'))));
        expect(bars).toEqual(topThree(expected));
      }
    }
    for (const model of Object.keys(graphs)) {
      const times = await page.$$eval(`.target[data-model="${model}"] .time`, (spans) => spans.map((span) => span.textContent ?? ''));
      expect(times).toHaveLength(3);
      expect(times.every((text) => /(µs|ms) \/ inference/.test(text))).toBe(true);
    }
  }, 120_000);

  it('classifies a drawing with both models', async () => {
    const before = (await shown('test image 5')).count;
    const box = await page.locator('#pad').boundingBox();
    if (box === null) throw new Error('no drawing pad');
    await page.mouse.move(box.x + 90, box.y + 60);
    await page.mouse.down();
    for (let y = 60; y <= 230; y += 10) await page.mouse.move(box.x + 90, box.y + y);
    await page.mouse.up();
    const state = await shown('drawing');
    expect(state.count).toBeGreaterThan(before);
    expect(Object.keys(state.last?.results ?? {})).toEqual(['mlp', 'cnn']);
    // The picture for the README: a test image picked, all three bundles answering.
    await page.click('#samples canvas[data-index="1"]');
    await shown('test image 1');
    const shot = process.env['FUSEGRAPH_DEMO_SCREENSHOT'] ?? join(outDir, 'demo.png');
    await page.screenshot({ path: shot });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  }, 60_000);
});
