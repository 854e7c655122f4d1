// Voice activity detection over a WAV file with Silero VAD v5 (from @ricky0123/vad-web),
// compiled by fusegraph and run chunk by chunk with `session.stream({ state })`: 512 new
// samples at 16 kHz (32 ms) plus 64 of context per call, the LSTM state kept by the bundle.
// Prints the speech segments, the largest difference from onnxruntime-node on every chunk,
// and the median time per 32 ms chunk of each. Without a file it speaks a test sentence with
// espeak-ng (`apt-get install espeak-ng`).
//
//   npx tsx examples/silero-vad/stream.ts [speech.wav] [--target js|wasm|wgsl]

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { compile, type TargetName } from '../../src/compile.ts';
import { importOnnx } from '../../src/frontends/onnx/import.ts';
import { gpuDevice } from '../../test/support/webgpu.ts';
import { readWavMono16k } from './wav.ts';

const RATE = 16_000;
const CHUNK = 512;
const CONTEXT = 64;
const THRESHOLD = 0.5;

interface Stream { push(chunk: Record<string, Float32Array>): Promise<Record<string, Float32Array>> }
interface Session { stream(options: { state: Record<string, string> }): Stream; dispose(): void }
interface Bundle { load(options?: object): Promise<Session> }

function sileroBytes(): Uint8Array {
  const require = createRequire(import.meta.url);
  return readFileSync(join(dirname(require.resolve('@ricky0123/vad-web/package.json')), 'dist', 'silero_vad_v5.onnx'));
}

/** A WAV of speech with pauses, spoken by espeak-ng (SSML breaks). */
function spokenWav(dir: string): string {
  const path = join(dir, 'speech.wav');
  const text = '<speak>Hello there. <break time="1200ms"/> This is a test of voice activity detection. <break time="900ms"/> One, two, three.</speak>';
  execFileSync('espeak-ng', ['-m', '-s', '150', '-w', path, text]);
  return path;
}

async function loadBundle(bytes: Uint8Array, target: TargetName, dir: string): Promise<Session> {
  const graph = importOnnx(bytes, { inputValues: { sr: [RATE] }, inputShapes: { input: [1, CHUNK + CONTEXT], state: [2, 1, 128] } });
  const bundle = compile(graph, { target, name: `silero_vad_v5_${target}` });
  for (const file of bundle.files) writeFileSync(join(dir, file.name), file.contents);
  const module = (await import(pathToFileURL(join(dir, bundle.entry)).href)) as Bundle;
  // WebGPU in Node: the tests' adapter picker (SwiftShader's Vulkan, or Dawn's OpenGL ES on Mesa).
  const options = target === 'wgsl' ? { device: (await gpuDevice()).device } : undefined;
  return module.load(options);
}

/** Each chunk's 576 samples: the previous 64 (zeros at the start) and 512 new ones. */
function chunksOf(audio: Float32Array): Float32Array[] {
  const chunks: Float32Array[] = [];
  for (let start = 0; start + CHUNK <= audio.length; start += CHUNK) {
    const chunk = new Float32Array(CONTEXT + CHUNK);
    chunk.set(audio.subarray(Math.max(0, start - CONTEXT), start), CONTEXT - Math.min(CONTEXT, start));
    chunk.set(audio.subarray(start, start + CHUNK), CONTEXT);
    chunks.push(chunk);
  }
  return chunks;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** Speech segments where the probability crosses THRESHOLD, in seconds. */
function segments(probabilities: readonly number[]): [number, number][] {
  const found: [number, number][] = [];
  let start: number | undefined;
  probabilities.forEach((p, i) => {
    if (p >= THRESHOLD && start === undefined) start = i;
    if (p < THRESHOLD && start !== undefined) { found.push([start, i]); start = undefined; }
  });
  if (start !== undefined) found.push([start, probabilities.length]);
  return found.map(([a, b]) => [(a * CHUNK) / RATE, (b * CHUNK) / RATE]);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const targetAt = args.indexOf('--target');
  const target = (targetAt >= 0 ? args[targetAt + 1] : 'wasm') as TargetName;
  const file = args.find((a, i) => !a.startsWith('--') && (targetAt < 0 || i !== targetAt + 1));
  const dir = mkdtempSync(join(tmpdir(), 'fusegraph-vad-'));
  const wav = file ?? spokenWav(dir);
  const audio = readWavMono16k(readFileSync(wav));
  const chunks = chunksOf(audio);
  const bytes = sileroBytes();

  const session = await loadBundle(bytes, target, dir);
  const stream = session.stream({ state: { stateN: 'state' } });
  const ours: number[] = [];
  const ourTimes: number[] = [];
  for (const chunk of chunks) {
    const started = performance.now();
    const out = await stream.push({ input: chunk });
    ourTimes.push(performance.now() - started);
    ours.push(out['output']?.[0] ?? NaN);
  }
  session.dispose();

  const ortSession = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
  const sr = new ort.Tensor('int64', BigInt64Array.of(BigInt(RATE)), []);
  const theirs: number[] = [];
  const ortTimes: number[] = [];
  for (const chunk of chunks) {
    const started = performance.now();
    const out = await ortSession.run({ input: new ort.Tensor('float32', chunk, [1, CHUNK + CONTEXT]), state, sr });
    ortTimes.push(performance.now() - started);
    theirs.push((out['output']?.data as Float32Array)[0] ?? NaN);
    const next = out['stateN'];
    if (next === undefined) throw new Error('onnxruntime returned no stateN');
    state = next;
  }
  await ortSession.release();

  const maxDiff = Math.max(...ours.map((p, i) => Math.abs(p - (theirs[i] ?? NaN))));
  console.log(`${wav}: ${(audio.length / RATE).toFixed(2)} s, ${chunks.length} chunks of 32 ms, fusegraph ${target}`);
  for (const [a, b] of segments(ours)) console.log(`  speech ${a.toFixed(2)} s – ${b.toFixed(2)} s`);
  console.log(`onnxruntime-node finds ${segments(theirs).length} segments; max |p_fusegraph − p_ort| over all chunks: ${maxDiff.toExponential(2)}`);
  console.log(`median per chunk: fusegraph ${target} ${(median(ourTimes) * 1000).toFixed(0)} µs, onnxruntime-node ${(median(ortTimes) * 1000).toFixed(0)} µs`);
}

await main();
