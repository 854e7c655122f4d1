// The `inspect --report` page in headless chromium: it renders from itself alone (every
// request the page would make is counted and refused), its summary counts match the JSON
// report, and each layer's unit strip marks exactly the dead units.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectGraph } from '../../src/analysis/inspect.ts';
import { readDataSet } from '../../src/cli/data-file.ts';
import { formatInspectHtml } from '../../src/cli/inspect-html.ts';
import { loadModel } from '../../src/load-model.ts';
import '../../src/frontends/index.ts';
import { launchChromium, type Browser } from './chromium.ts';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser.close();
});

describe('inspect HTML report', () => {
  for (const model of ['mlp_relu', 'mlp_leaky_relu']) {
    it(`${model}: renders offline and shows the JSON's counts`, async () => {
      const graph = await loadModel(`examples/fashion-mnist/${model}.onnx`);
      const data = readDataSet('examples/fashion-mnist/sample-images-idx3-ubyte.gz', graph, 1 / 255);
      const report = inspectGraph(graph, { data: { values: data.values, sampleSize: data.sampleSize }, box: { box: { lo: 0, hi: 1 }, description: '[0,1]^784' } });
      const html = formatInspectHtml(report, '1000 test images');
      expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
      const page = await browser.context.newPage();
      const requests: string[] = [];
      await page.route('**/*', async (route) => { requests.push(route.request().url()); await route.abort(); });
      await page.setContent(html, { waitUntil: 'load' });
      const layer = report.layers[0];
      const row = page.locator('#summary tbody tr').first();
      const field = async (name: string): Promise<string> => (await row.locator(`td[data-field="${name}"]`).textContent()) ?? '';
      expect(await field('units')).toBe(String(layer?.units));
      expect(await field('dead')).toBe(String(layer?.observed?.dead.length));
      expect(await field('always-active')).toBe(String(layer?.observed?.alwaysActive.length));
      expect(await field('proved-dead')).toBe(String(layer?.proved?.dead.length));
      expect(await field('dead-macs')).toBe(String(layer?.observed?.deadMacsPerSample));
      expect(await page.locator('svg.histogram').count()).toBe(1);
      expect(await page.locator('svg.units rect.dead').count()).toBe(layer?.observed?.dead.length);
      expect(await page.locator('svg.units rect.live').count()).toBe(128 - (layer?.observed?.dead.length ?? 0));
      const box = await page.locator('svg.histogram').boundingBox();
      expect(box?.width).toBeGreaterThan(100);
      expect(requests).toEqual([]);
      await page.close();
    });
  }
});
