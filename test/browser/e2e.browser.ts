// End to end in a real browser: the seed MLP, a classifier (gelu, tanh, softmax) and LeNet-5
// (conv, max pool) compiled to WGSL and to JS, served from 127.0.0.1, run in headless Debian
// chromium (WebGPU through its own adapter), and compared with the reference interpreter.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import seedMlp from '../../examples/seed-mlp.ts';
import type { Graph } from '../../ir/graph.ts';
import { interpret } from '../../ir/interpret.ts';
import { staticSize } from '../../ir/types.ts';
import { compile } from '../../src/compile.ts';
import { gelu, linear, sequential, softmax, tanh, toGraph } from '../../src/nn.ts';
import { Random } from '../../src/random.ts';
import { compareArrays, toleranceFor } from '../../src/tolerance.ts';
import { validationDevice } from '../support/webgpu.ts';
import { checkShaders, prepared } from '../wgsl/run-wgsl.ts';
import { lenet } from '../support/lenet-ir.ts';
import { launchChromium, type Browser } from './chromium.ts';
import { PAGE_HTML, type PageModel, type PageReport } from './page.ts';
import { serveFiles, type StaticServer } from './static-server.ts';

const BATCH = 32;

const classifier = toGraph(sequential(linear(784, 64), gelu(), linear(64, 32), tanh(), linear(32, 10), softmax()), {
  name: 'classifier',
  inputShape: ['N', 784],
  outputName: 'probabilities',
  seed: 3,
});

type Target = 'js' | 'wgsl';

interface Case {
  readonly graph: Graph;
  readonly feeds: Record<string, Float32Array>;
  readonly targets: readonly Target[];
}

const MODELS: readonly { graph: Graph; targets: readonly Target[] }[] = [
  { graph: seedMlp, targets: ['js', 'wgsl'] },
  { graph: classifier, targets: ['js', 'wgsl'] },
  { graph: lenet(), targets: ['js', 'wgsl'] },
];

const CASES: readonly Case[] = MODELS.map(({ graph, targets }, index) => ({
  graph,
  targets,
  feeds: Object.fromEntries(graph.inputs.map((input) => [input.name, new Random(11 + index).uniformArray(BATCH * staticSize(input.type.shape), -1, 1)])),
}));

function bytesOf(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Every file the page may fetch, by URL path. */
function siteFiles(): Map<string, string | Uint8Array> {
  const files = new Map<string, string | Uint8Array>([['/index.html', PAGE_HTML]]);
  const models: PageModel[] = CASES.map(({ graph, feeds, targets }, index) => {
    const id = `m${index}`;
    const bundles: Partial<Record<Target, string>> = {};
    for (const target of targets) {
      const bundle = compile(graph, { target });
      for (const file of bundle.files) files.set(`/${id}/${target}/${file.name}`, file.contents);
      bundles[target] = `/${id}/${target}/${bundle.entry}`;
    }
    const inputs = graph.inputs.map((input, i) => {
      const file = `/${id}/input${i}.bin`;
      files.set(file, bytesOf(feeds[input.name] ?? new Float32Array()));
      return { name: input.name, file };
    });
    return { id, bundles, batch: BATCH, inputs };
  });
  files.set('/models.json', JSON.stringify(models));
  return files;
}

describe('browser: WGSL and JS bundles in headless chromium', () => {
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  let report: PageReport | undefined;

  beforeAll(async () => {
    server = await serveFiles(siteFiles());
    browser = await launchChromium();
    const page = await browser.context.newPage();
    const logs: string[] = [];
    page.on('console', (message) => logs.push(message.text()));
    page.on('pageerror', (error) => logs.push(error.message));
    await page.goto(`${server.origin}/index.html`);
    await page.waitForFunction(() => (globalThis as { __fusegraph?: unknown }).__fusegraph !== undefined, null, { timeout: 120_000 });
    report = await page.evaluate(() => (globalThis as unknown as { __fusegraph: PageReport }).__fusegraph);
    if (report.error !== undefined) throw new Error(`the page failed: ${report.error}\n${logs.join('\n')}`);
  });

  it('generates shaders that Tint compiles cleanly', async () => {
    const device = await validationDevice();
    for (const { graph } of CASES) {
      const target = prepared(graph, 'O2');
      await checkShaders(device, target.graph, target.plan);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('has a WebGPU adapter', () => {
    expect(report?.adapter, 'navigator.gpu gave no adapter (is --enable-unsafe-webgpu honoured?)').toBeTruthy();
    console.log(`chromium WebGPU adapter: ${report?.adapter ?? 'none'}`);
  });

  CASES.forEach(({ graph, feeds, targets }, index) => {
    for (const target of targets) {
      it(`${graph.name}: the ${target} bundle equals the interpreter on a batch of ${BATCH}`, () => {
        const expected = interpret(graph, feeds);
        const results = report?.models[index]?.results[target];
        expect(results, 'no results from the page').toBeDefined();
        for (const name of graph.outputs) {
          const actual = Float32Array.from(results?.[name] ?? []);
          const comparison = compareArrays(expected[name] ?? new Float32Array(), actual, toleranceFor(graph));
          expect(comparison.ok, `${name}: ${JSON.stringify(comparison)}`).toBe(true);
        }
      });
    }
  });
});
