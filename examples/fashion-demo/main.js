// The demo page: Fashion-MNIST models compiled by the fusegraph Vite plugin to three bundles
// each (JS, WebAssembly SIMD, WebGPU), run on what the visitor draws or picks, with their top
// three classes and time per inference. window.__demo exposes the last results for tests.

import * as mlpJs from '../fashion-mnist/mlp_relu.onnx?target=js';
import * as mlpWasm from '../fashion-mnist/mlp_relu.onnx?target=wasm';
import * as mlpWgsl from '../fashion-mnist/mlp_relu.onnx?target=wgsl';
import * as cnnJs from '../fashion-mnist/cnn.onnx?target=js';
import * as cnnWasm from '../fashion-mnist/cnn.onnx?target=wasm';
import * as cnnWgsl from '../fashion-mnist/cnn.onnx?target=wgsl';
import imagesUrl from '../fashion-mnist/sample-images-idx3-ubyte.gz?url';
import labelsUrl from '../fashion-mnist/sample-labels-idx1-ubyte.gz?url';

const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const SIDE = 28;
const SAMPLES_SHOWN = 36;
/** Each bundle is timed over repeated runs for at least this long (timers are coarse in browsers). */
const TIMING_MS = 40;
const TARGETS = { js: 'JavaScript', wasm: 'WebAssembly SIMD', wgsl: 'WebGPU (WGSL)' };

/**
 * The models, each with its bundle per target. Every model takes 784 pixels / 255 per sample
 * (the MLP as [N,784], a CNN as [N,1,28,28]: the same values) and returns 10 logits.
 * A model without bundles shows a placeholder row.
 */
const MODELS = [
  { id: 'mlp', title: 'MLP 784→128→10 (ReLU), 84% test accuracy', bundles: { js: mlpJs, wasm: mlpWasm, wgsl: mlpWgsl } },
  { id: 'cnn', title: 'CNN (2 conv layers), 88.6% test accuracy', bundles: { js: cnnJs, wasm: cnnWasm, wgsl: cnnWgsl } },
];

const pad = document.querySelector('#pad');
const padContext = pad.getContext('2d', { willReadFrequently: true });
const demo = { last: null, count: 0, busy: false, sessions: {} };
window.__demo = demo;

/** A gzipped IDX file (uint8 data after a header of 4 + 4·dims bytes) as its data bytes. */
async function readIdx(url) {
  const response = await fetch(url);
  const bytes = new Uint8Array(await new Response(response.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  const dims = bytes[3];
  return bytes.subarray(4 + 4 * dims);
}

function softmax(logits) {
  const max = Math.max(...logits);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

/** Mean time of one run, over as many runs as fit in TIMING_MS (at least three). */
async function timePerInference(session, feeds) {
  const start = performance.now();
  let runs = 0;
  let elapsed = 0;
  while (runs < 3 || elapsed < TIMING_MS) {
    await session.run(feeds);
    runs += 1;
    elapsed = performance.now() - start;
  }
  return elapsed / runs;
}

function formatTime(ms) {
  return ms < 1 ? `${(ms * 1000).toFixed(0)} µs / inference` : `${ms.toFixed(2)} ms / inference`;
}

function panel(model, target) {
  return document.querySelector(`.target[data-model="${model}"][data-target="${target}"]`);
}

/** One row of cards per model, one card per target. */
function renderPanels() {
  const rows = document.querySelector('#models');
  for (const model of MODELS) {
    const cards = Object.entries(TARGETS).map(([target, title]) => `
      <article class="card target${model.bundles === null ? ' unavailable' : ''}" data-model="${model.id}" data-target="${target}">
        <h3>${title} <span class="time"></span></h3>
        <div class="status">${model.bundles === null ? model.note : 'loading…'}</div><div class="bars"></div>
      </article>`).join('');
    rows.insertAdjacentHTML('beforeend', `<h2>${model.title}</h2><div class="targets">${cards}</div>`);
  }
}

function showTop3(model, target, probabilities, ms) {
  const card = panel(model, target);
  const top = probabilities.map((p, i) => [i, p]).sort((a, b) => b[1] - a[1]).slice(0, 3);
  card.querySelector('.time').textContent = formatTime(ms);
  card.querySelector('.status').textContent = '';
  card.querySelector('.bars').innerHTML = top.map(([i, p]) => `
    <div class="bar" data-class="${i}"><span>${CLASSES[i]}</span><span class="track"><span class="fill" style="width:${(p * 100).toFixed(1)}%"></span></span><span class="p">${(p * 100).toFixed(1)}%</span></div>`).join('');
}

async function loadSessions() {
  for (const model of MODELS) {
    if (model.bundles === null) continue;
    demo.sessions[model.id] = {};
    for (const [target, bundle] of Object.entries(model.bundles)) {
      const card = panel(model.id, target);
      if (target === 'wgsl' && !('gpu' in navigator)) {
        card.classList.add('unavailable');
        card.querySelector('.status').textContent = 'unavailable: this browser has no WebGPU';
        continue;
      }
      try {
        demo.sessions[model.id][target] = await bundle.load();
        card.querySelector('.status').textContent = 'ready';
      } catch (error) {
        card.classList.add('unavailable');
        card.querySelector('.status').textContent = `unavailable: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
  }
}

/** Runs every loaded bundle on one image (784 values in [0, 1]) and shows the results. */
async function runAll(pixels, source) {
  const x = Float32Array.from(pixels);
  const results = {};
  for (const [model, sessions] of Object.entries(demo.sessions)) {
    results[model] = {};
    for (const [target, session] of Object.entries(sessions)) {
      const logits = Object.values(await session.run({ x }))[0];
      results[model][target] = softmax(logits);
      showTop3(model, target, results[model][target], await timePerInference(session, { x }));
    }
  }
  demo.count += 1;
  demo.last = { source, results };
  document.body.dataset.classified = String(demo.count);
}

// One classification at a time; while one runs, only the newest request waits (a stroke
// asks many times a second).
let running = null;
let queued = null;
function classify(pixels, source) {
  if (running !== null) {
    queued = { pixels, source };
    return running;
  }
  demo.busy = true;
  running = (async () => {
    let next = { pixels, source };
    while (next !== null) {
      await runAll(next.pixels, next.source);
      next = queued;
      queued = null;
    }
    running = null;
    demo.busy = false;
  })();
  return running;
}

/** The pad, averaged down to 28×28, as values in [0, 1]. */
function padPixels() {
  const small = document.createElement('canvas');
  small.width = SIDE;
  small.height = SIDE;
  const context = small.getContext('2d', { willReadFrequently: true });
  context.imageSmoothingQuality = 'high';
  context.drawImage(pad, 0, 0, SIDE, SIDE);
  const { data } = context.getImageData(0, 0, SIDE, SIDE);
  return Float32Array.from({ length: SIDE * SIDE }, (_, i) => data[i * 4] / 255);
}

function imageCanvas(pixels) {
  const canvas = document.createElement('canvas');
  canvas.width = SIDE;
  canvas.height = SIDE;
  const context = canvas.getContext('2d');
  const image = context.createImageData(SIDE, SIDE);
  pixels.forEach((v, i) => {
    image.data.set([v, v, v, 255], i * 4);
  });
  context.putImageData(image, 0, 0);
  return canvas;
}

function clearPad() {
  padContext.fillStyle = '#000';
  padContext.fillRect(0, 0, pad.width, pad.height);
}

function setUpDrawing() {
  let drawing = false;
  let pending = false;
  const point = (event) => {
    const box = pad.getBoundingClientRect();
    return [((event.clientX - box.left) * pad.width) / box.width, ((event.clientY - box.top) * pad.height) / box.height];
  };
  const stroke = (event) => {
    const [x, y] = point(event);
    padContext.fillStyle = '#fff';
    padContext.shadowColor = '#fff';
    padContext.shadowBlur = 8;
    padContext.beginPath();
    padContext.arc(x, y, 11, 0, 2 * Math.PI);
    padContext.fill();
    if (!pending) {
      pending = true;
      requestAnimationFrame(async () => {
        pending = false;
        await classify(padPixels(), 'drawing');
      });
    }
  };
  pad.addEventListener('pointerdown', (event) => {
    drawing = true;
    document.querySelector('#truth').textContent = '';
    document.querySelectorAll('#samples canvas').forEach((c) => c.classList.remove('picked'));
    pad.setPointerCapture(event.pointerId);
    stroke(event);
  });
  pad.addEventListener('pointermove', (event) => drawing && stroke(event));
  pad.addEventListener('pointerup', () => { drawing = false; });
  document.querySelector('#clear').addEventListener('click', clearPad);
}

async function setUpSamples() {
  const [images, labels] = await Promise.all([readIdx(imagesUrl), readIdx(labelsUrl)]);
  const strip = document.querySelector('#samples');
  for (let index = 0; index < SAMPLES_SHOWN; index++) {
    const pixels = images.subarray(index * SIDE * SIDE, (index + 1) * SIDE * SIDE);
    const thumb = imageCanvas(pixels);
    thumb.title = `test image ${index}: ${CLASSES[labels[index]]}`;
    thumb.dataset.index = String(index);
    thumb.addEventListener('click', async () => {
      document.querySelectorAll('#samples canvas').forEach((c) => c.classList.toggle('picked', c === thumb));
      padContext.imageSmoothingEnabled = false;
      padContext.drawImage(imageCanvas(pixels), 0, 0, pad.width, pad.height);
      document.querySelector('#truth').textContent = `label: ${CLASSES[labels[index]]}`;
      await classify(Float32Array.from(pixels, (v) => v / 255), `test image ${index}`);
    });
    strip.append(thumb);
  }
}

renderPanels();
clearPad();
setUpDrawing();
await Promise.all([loadSessions(), setUpSamples()]);
document.body.dataset.ready = 'true';
document.querySelector('#samples canvas')?.click();
