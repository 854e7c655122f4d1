// The Vite plugin end to end in a real browser: the tiny app (test/vite/tiny-app.ts) built
// with `vite build`, its dist/ served from 127.0.0.1 and opened in headless chromium; every
// model the page imported (ONNX, JSON, IR, TypeScript) must equal the interpreter.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fusegraph from '../../src/vite/plugin.ts';
import { compareArrays } from '../../src/tolerance.ts';
import { writeTinyApp, type AppModel } from '../vite/tiny-app.ts';
import { launchChromium, type Browser } from './chromium.ts';
import { folderFiles, serveFiles, type StaticServer } from './static-server.ts';

describe('browser: an app built with fusegraph/vite', () => {
  let app: { dir: string; models: AppModel[] } | undefined;
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  let results: Record<string, number[]> = {};

  beforeAll(async () => {
    app = await writeTinyApp();
    const outDir = join(app.dir, 'dist');
    await build({ root: app.dir, configFile: false, logLevel: 'silent', plugins: [fusegraph()], build: { outDir, emptyOutDir: true } });
    server = await serveFiles(folderFiles(outDir));
    browser = await launchChromium();
    const page = await browser.context.newPage();
    const logs: string[] = [];
    page.on('console', (message) => logs.push(message.text()));
    page.on('pageerror', (error) => logs.push(error.message));
    await page.goto(`${server.origin}/index.html`);
    try {
      await page.waitForFunction(() => document.title === 'done', null, { timeout: 60_000 });
    } catch (error) {
      throw new Error(`the page did not finish: ${logs.join('\n')}`, { cause: error });
    }
    results = await page.evaluate(() => (globalThis as unknown as { __fusegraph: { results: Record<string, number[]> } }).__fusegraph.results);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (app !== undefined) rmSync(app.dir, { recursive: true, force: true });
  });

  it('runs every imported model like the interpreter', () => {
    expect(Object.keys(results).sort()).toEqual(['ir', 'json', 'onnx', 'ts']);
    for (const model of app?.models ?? []) {
      const tolerance = model.key === 'ir' ? { abs: 2e-2, rel: 2e-2 } : { abs: 1e-5, rel: 1e-4 }; // ir: f16 weights
      expect(compareArrays(model.expected, Float32Array.from(results[model.key] ?? []), tolerance).ok, model.key).toBe(true);
    }
  });
});
