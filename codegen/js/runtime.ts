// The fixed parts of every JS bundle: weight decoding, argument checks and the async `load`
// facade. They contain no model text; the emitter fills in only compiler-made names and
// numbers around them.

import { BIND_DIMS } from '../bind-dims-source.ts';

/** Turns little-endian f32 bytes into a Float32Array on any host (copies only if needed). */
export const DECODE_WEIGHTS = `function floatsOf(bytes) {
  const count = bytes.byteLength / 4;
  const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  if (littleEndian) {
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    return new Float32Array(aligned.buffer, aligned.byteOffset, count);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const floats = new Float32Array(count);
  for (let i = 0; i < count; i++) floats[i] = view.getFloat32(i * 4, true);
  return floats;
}

function bytesOfBase64(text) {
  // Native decoders first (Node's Buffer, Uint8Array.fromBase64 in newer engines): the atob
  // loop below costs milliseconds of cold start on half a megabyte.
  if (typeof Buffer === "function") {
    const buffer = Buffer.from(text, "base64");
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}`;

/** Checks the feed object's keys against the inputs (every bundle). */
const CHECK_FEED_NAMES = `function checkFeedNames(feeds, names) {
  if (feeds === null || typeof feeds !== "object") throw new TypeError("fusegraph: run(feeds) needs an object of Float32Arrays");
  for (const name of Object.keys(feeds)) {
    if (!names.includes(name)) throw new TypeError("fusegraph: unknown input " + JSON.stringify(name) + " (inputs: " + names.map((n) => JSON.stringify(n)).join(", ") + ")");
  }
}`;

/** Reads and checks one feed; returns its batch (0 for an unbatched input). */
export const FEED_CHECK = `function feedOf(feeds, name, sample, batched) {
  const data = feeds !== null && typeof feeds === "object" && Object.hasOwn(feeds, name) ? feeds[name] : undefined;
  if (!(data instanceof Float32Array)) {
    throw new TypeError("fusegraph: input " + JSON.stringify(name) + " must be a Float32Array, got " + (data === undefined ? "nothing" : typeof data));
  }
  if (batched ? data.length === 0 || data.length % sample !== 0 : data.length !== sample) {
    throw new RangeError("fusegraph: input " + JSON.stringify(name) + " needs " + (batched ? "a whole, positive number of samples of " + sample + " values" : sample + " values") + ", got " + data.length);
  }
  return data;
}

function batchOf(name, data, sample, known) {
  const batch = data.length / sample;
  if (known !== 0 && known !== batch) {
    throw new RangeError("fusegraph: input " + JSON.stringify(name) + " holds " + batch + " samples, another input holds " + known);
  }
  return batch;
}

${CHECK_FEED_NAMES}`;

/**
 * The JS bundle's feed handling: a type check per feed, then bindDims (codegen/bind-dims-source.ts)
 * reads every symbol off the lengths.
 */
export const SYMBOL_FEED_CHECK = `function feedData(feeds, name) {
  const data = feeds !== null && typeof feeds === "object" && Object.hasOwn(feeds, name) ? feeds[name] : undefined;
  if (!(data instanceof Float32Array)) {
    throw new TypeError("fusegraph: input " + JSON.stringify(name) + " must be a Float32Array, got " + (data === undefined ? "nothing" : typeof data));
  }
  return data;
}

${BIND_DIMS}

${CHECK_FEED_NAMES}`;

/** Fetches external weights next to the module: fs for file: URLs (Node), fetch otherwise. */
export const FETCH_WEIGHTS = `async function fetchWeights(options) {
  if (options.weights !== undefined) {
    const given = options.weights;
    return given instanceof ArrayBuffer ? new Uint8Array(given) : new Uint8Array(given.buffer, given.byteOffset, given.byteLength);
  }
  const url = options.weightsUrl !== undefined ? new URL(options.weightsUrl, import.meta.url) : new URL(WEIGHTS_FILE, import.meta.url);
  if (url.protocol === "file:" && typeof process === "object" && process.versions != null && process.versions.node != null) {
    const fsModule = "node:fs/promises";
    const fs = await import(/* @vite-ignore */ fsModule);
    return new Uint8Array(await fs.readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error("fusegraph: cannot load weights from " + url.href + ": HTTP " + response.status);
  return new Uint8Array(await response.arrayBuffer());
}`;

/**
 * The target-independent session facade every fusegraph bundle offers; a bundle with
 * external weights first fetches them (`installWeights` and `fetchWeights` are its own).
 */
function loadSource(firstLine: string): string {
  return `export async function load(options = {}) {
${firstLine}  let open = true;
  return {
    async run(feeds, dims) {
      if (!open) throw new Error("fusegraph: this session was disposed");
      return run(feeds, dims);
    },
    dispose() {
      open = false;
    },
  };
}`;
}

export const LOAD_EMBEDDED = loadSource('');
export const LOAD_EXTERNAL = loadSource('  if (weights === null) installWeights(await fetchWeights(options));\n');
