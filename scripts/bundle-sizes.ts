// Where the bytes of a bundle are: compiles the seed MLP (js, wasm, wasm + relaxed) and the
// LeNet fixture (js, wasm) with external weights and attributes every character of the entry
// module to a section (runtime texts found verbatim, base64 modules, metadata, header, the rest).
// `npx tsx scripts/bundle-sizes.ts` prints the table (bytes, UTF-8).

import seedMlp from '../examples/seed-mlp.ts';
import { loadModel } from '../src/load-model.ts';
import { compile, type CompileOptions } from '../src/compile.ts';
import type { Graph } from '../ir/graph.ts';
import * as jsRuntime from '../codegen/js/runtime.ts';
import * as wasmRuntime from '../codegen/wasm/runtime.ts';
import * as pool from '../codegen/wasm/thread-pool-runtime.ts';
import { STREAM_PLAN } from '../codegen/stream-runtime.ts';
import { SIZES_SOURCE } from '../codegen/runtime-sizes.ts';
import { BIND_DIMS } from '../codegen/bind-dims-source.ts';

/** Verbatim runtime texts by section; a text with placeholder lines is searched piece by piece. */
const TEXTS: [string, string][] = [
  ['thread pool (incl. worker source)', pool.THREAD_POOL],
  ['wasm load()', wasmRuntime.wasmLoadSource(true, true)],
  ['wasm load()', wasmRuntime.wasmLoadSource(false, true)],
  ['wasm load()', wasmRuntime.wasmLoadSource(true, false)],
  ['wasm load()', wasmRuntime.wasmLoadSource(false, false)],
  ['wasm array stream', wasmRuntime.WASM_ARRAY_STREAM],
  ['js load()', jsRuntime.jsLoadSource(true, true)],
  ['js load()', jsRuntime.jsLoadSource(true, false)],
  ['feed checks', jsRuntime.FEED_CHECK],
  ['feed checks', jsRuntime.SYMBOL_FEED_CHECK],
  ['weights decode/fetch', jsRuntime.DECODE_WEIGHTS],
  ['weights decode/fetch', jsRuntime.FETCH_WEIGHTS],
  ['stream plan', STREAM_PLAN],
  ['run-time sizes / bindDims', SIZES_SOURCE],
  ['run-time sizes / bindDims', BIND_DIMS],
];

function sections(text: string): Map<string, number> {
  const owner = new Array<string | undefined>(text.length).fill(undefined);
  const mark = (from: number, to: number, label: string): void => {
    for (let i = from; i < to; i++) owner[i] ??= label;
  };
  // Placeholder lines split a text, and so do blank lines (unused-helpers.ts drops whole functions).
  const pieceSplit = /^\s*\/\*[A-Z]+\*\/\s*$|\n\n/m;
  for (const [label, source] of TEXTS) {
    if (source === '') continue;
    for (const piece of source.split(pieceSplit)) {
      if (piece.trim().length < 40) continue;
      const at = text.indexOf(piece);
      if (at >= 0) mark(at, at + piece.length, label);
    }
  }
  const workerAt = text.indexOf('const WORKER_SOURCE = ');
  if (workerAt >= 0) {
    const end = text.indexOf('\n', workerAt);
    for (let i = workerAt; i < end; i++) owner[i] = 'worker source (in thread pool)';
  }
  for (const match of text.matchAll(/^const (\w+_BASE64) = "[^"]*";$/gm)) mark(match.index, match.index + match[0].length, `base64 ${match[1]}`);
  const meta = /^export const metadata = [\s\S]*?^}\);$/m.exec(text);
  if (meta !== null) mark(meta.index, meta.index + meta[0].length, 'metadata');
  const header = /^(\/\/.*\n)+/.exec(text);
  if (header !== null) mark(0, header[0].length, 'header + IR comment');
  const totals = new Map<string, number>();
  for (let i = 0; i < text.length; i++) {
    const label = owner[i] ?? 'generated (kernels, layout, fill-ins)';
    totals.set(label, (totals.get(label) ?? 0) + Buffer.byteLength(text[i] ?? ''));
  }
  return totals;
}

async function main(): Promise<void> {
  const lenet = await loadModel(new URL('../test/fixtures/pytorch-cnn/lenet.onnx', import.meta.url).pathname);
  const cases: [string, Graph, CompileOptions][] = [
    ['seed MLP js', seedMlp, { target: 'js', weights: 'external' }],
    ['seed MLP wasm', seedMlp, { target: 'wasm', weights: 'external' }],
    ['seed MLP wasm relaxed', seedMlp, { target: 'wasm', weights: 'external', wasm: { relaxed: true } }],
    ['LeNet js', lenet, { target: 'js', weights: 'external' }],
    ['LeNet wasm', lenet, { target: 'wasm', weights: 'external' }],
  ];
  {
    cases.push(['seed MLP wasm no threads', seedMlp, { target: 'wasm', weights: 'external', wasm: { threads: false } }]);
    cases.push(['LeNet wasm no threads', lenet, { target: 'wasm', weights: 'external', wasm: { threads: false } }]);
  }
  for (const [title, graph, options] of cases) {
    const bundle = compile(graph, options);
    const entry = bundle.files.find((f) => f.name === bundle.entry);
    const text = typeof entry?.contents === 'string' ? entry.contents : '';
    console.log(`\n${title}: ${Buffer.byteLength(text)} bytes`);
    for (const [label, bytes] of [...sections(text)].sort((a, b) => b[1] - a[1])) console.log(`  ${String(bytes).padStart(7)}  ${label}`);
  }
}

await main();
