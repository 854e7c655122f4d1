// A tiny web app that imports models through the Vite plugin, in every format: an ONNX file
// (default target, wasm), a JSON model with a safetensors sidecar (?target=js), IR text
// (?target=wasm&dtype=f16) and a TypeScript model (?fusegraph). Its page runs each on a fixed
// input and leaves the results in globalThis.__fusegraph for the tests (Node and chromium).

import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Graph } from '../../ir/graph.ts';
import { interpret } from '../../ir/interpret.ts';
import { printGraph } from '../../ir/print.ts';
import { writeJsonModel } from '../../src/frontends/json-model/write.ts';
import { loadModel } from '../../src/load-model.ts';
import { linear, relu, sequential, toGraph } from '../../src/nn.ts';
import { tempDir } from '../support/temp-dir.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURE = join(ROOT, 'test/fixtures/pytorch/matmul_add.onnx');

/** The page's fixed input for every model: [3, 20]. */
export const INPUT = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i));

export interface AppModel {
  /** The key the page reports under. */
  readonly key: string;
  readonly importPath: string;
  readonly target: 'js' | 'wasm' | 'wgsl';
  /** The interpreter's result on INPUT. */
  readonly expected: Float32Array;
}

const tsModel = (root: string): string => `import { linear, relu, sequential, toGraph } from ${JSON.stringify(join(root, 'src/nn.ts'))};
export default toGraph(sequential(linear(20, 8), relu(), linear(8, 5)), { name: 'ts_model', inputShape: ['N', 20], outputName: 'y', seed: 2 });
`;

function pageSource(models: readonly AppModel[]): string {
  const lines = models.map((m, i) => `import * as m${i} from ${JSON.stringify(m.importPath)};`);
  lines.push(
    `import first from ${JSON.stringify(models[0]?.importPath ?? '')};`,
    `const x = new Float32Array(${JSON.stringify(Array.from(INPUT))});`,
    'const results = {};',
    ...models.map((m, i) => `{ const session = await m${i}.load(); results[${JSON.stringify(m.key)}] = Array.from(Object.values(await session.run({ x }))[0]); session.dispose(); }`),
    'globalThis.__fusegraph = { results, defaultName: first.metadata.name, hasRun: typeof m1.run === "function" };',
    'if (typeof document !== "undefined") document.title = "done";',
  );
  return `${lines.join('\n')}\n`;
}

function expectedOf(graph: Graph): Float32Array {
  return interpret(graph, { x: INPUT })[graph.outputs[0] ?? ''] ?? new Float32Array();
}

/** Writes the app into a fresh folder; returns it and what the page should report. */
export async function writeTinyApp(): Promise<{ dir: string; models: AppModel[] }> {
  const dir = tempDir('fusegraph-vite-');
  mkdirSync(join(dir, 'models'));
  copyFileSync(FIXTURE, join(dir, 'models/classifier.onnx'));
  const onnx = await loadModel(FIXTURE);
  const json = writeJsonModel(onnx, { kind: 'safetensors', file: 'weights.safetensors' });
  writeFileSync(join(dir, 'models/net.json'), json.json);
  writeFileSync(join(dir, 'models/weights.safetensors'), json.sidecar ?? new Uint8Array());
  writeFileSync(join(dir, 'models/net.ir'), printGraph(onnx, { weights: 'full' }));
  writeFileSync(join(dir, 'models/small.ts'), tsModel(ROOT));
  const small = toGraph(sequential(linear(20, 8), relu(), linear(8, 5)), { name: 'ts_model', inputShape: ['N', 20], outputName: 'y', seed: 2 });
  const models: AppModel[] = [
    { key: 'onnx', importPath: './models/classifier.onnx', target: 'wasm', expected: expectedOf(onnx) },
    { key: 'json', importPath: './models/net.json?target=js', target: 'js', expected: expectedOf(onnx) },
    { key: 'ir', importPath: './models/net.ir?target=wasm&dtype=f16', target: 'wasm', expected: expectedOf(onnx) },
    { key: 'ts', importPath: './models/small.ts?fusegraph', target: 'wasm', expected: expectedOf(small) },
  ];
  writeFileSync(join(dir, 'main.js'), pageSource(models));
  writeFileSync(join(dir, 'index.html'), '<!doctype html>\n<meta charset="utf-8">\n<title>fusegraph vite app</title>\n<script type="module" src="./main.js"></script>\n');
  return { dir, models };
}
