// The fixed parts of every JS bundle: weight decoding, argument checks and the async `load`
// facade. They contain no model text; the emitter fills in only compiler-made names and
// numbers around them.

import { NO_STREAM_ERROR } from '../stream-runtime.ts';
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

/**
 * Reads and checks one feed and returns it as f32 lanes: an f32 input must be a
 * Float32Array (used as is); an i32 input an Int32Array or a BigInt64Array whose values lie
 * within ±2^24, a bool input a Uint8Array of 0 and 1 (copied to f32, see ir/feeds.ts, whose
 * messages these are). lookupError is the id check's message (lookup kernels, checkIds).
 */
const TYPED_LANES = `const FEED_KINDS = { f32: "a Float32Array", i32: "an Int32Array or a BigInt64Array", bool: "a Uint8Array of 0 and 1" };

function lanesOf(name, data, dtype) {
  const ok = dtype === "f32" ? data instanceof Float32Array
    : dtype === "i32" ? data instanceof Int32Array || data instanceof BigInt64Array : data instanceof Uint8Array;
  if (!ok) {
    const got = data === undefined ? "nothing" : data === null ? "null" : data.constructor !== undefined ? data.constructor.name : typeof data;
    throw new TypeError("fusegraph: input " + JSON.stringify(name) + " is " + dtype + ": expected " + FEED_KINDS[dtype] + ", got " + got);
  }
  if (dtype === "f32") return data;
  const lanes = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const raw = data[i];
    const value = typeof raw === "bigint" ? (raw > 9007199254740992n || raw < -9007199254740992n ? Infinity : Number(raw)) : raw;
    if (dtype === "bool" ? value !== 0 && value !== 1 : Math.abs(value) > 16777216) {
      throw new RangeError("fusegraph: input " + JSON.stringify(name) + ": value " + String(raw) + " at index " + i + (dtype === "bool" ? " must be 0 or 1" : " is outside the supported i32 range ±16777216"));
    }
    lanes[i] = value;
  }
  return lanes;
}

function lookupError(shown, id, k, strides, size) {
  const position = strides.map((s, a) => (a === 0 ? Math.floor(k / s) : Math.floor(k / s) % (strides[a - 1] / s)));
  throw new RangeError("fusegraph: id " + String(id) + " at position [" + position.join(", ") + "] of " + shown + " is outside [" + -size + ", " + size + ")");
}`;

/** Reads and checks one feed (its dtype's typed array, its length); returns it as f32 lanes. */
/** The host check of run-time ids (a lookup's ids are checked before the GPU reads them). */
export const CHECK_IDS = `function checkIds(ids, shown, strides, size) {
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k];
    if (!(id >= -size && id < size && id === Math.trunc(id))) lookupError(shown, id, k, strides, size);
  }
}`;

export const FEED_CHECK = `${TYPED_LANES}

function feedOf(feeds, name, sample, batched, dtype = "f32") {
  const data = lanesOf(name, feeds !== null && typeof feeds === "object" && Object.hasOwn(feeds, name) ? feeds[name] : undefined, dtype);
  if (batched ? data.length === 0 || data.length % sample !== 0 : data.length !== sample) {
    throw new RangeError("fusegraph: input " + JSON.stringify(name) + " needs " + (batched ? "a whole, positive number of samples of " + sample + " values" : sample + " values") + ", got " + data.length);
  }
  return data;
}

${CHECK_IDS}

function batchOf(name, data, sample, known, first) {
  const batch = data.length / sample;
  if (known !== 0 && known !== batch) {
    throw new RangeError("fusegraph: input " + JSON.stringify(name) + " holds " + batch + " samples, but input " + JSON.stringify(first) + " holds " + known);
  }
  return batch;
}

${CHECK_FEED_NAMES}`;

/**
 * The JS bundle's feed handling: a type check per feed, then bindDims (codegen/bind-dims-source.ts)
 * reads every symbol off the lengths.
 */
export const SYMBOL_FEED_CHECK = `${TYPED_LANES}

function feedData(feeds, name, dtype = "f32") {
  return lanesOf(name, feeds !== null && typeof feeds === "object" && Object.hasOwn(feeds, name) ? feeds[name] : undefined, dtype);
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
 * Where no output has an input's shape (`stream` false), stream() only refuses.
 */
export function jsLoadSource(external: boolean, stream: boolean): string {
  const firstLine = external ? '  if (weights === null) installWeights(await fetchWeights(options));\n' : '';
  const streamMethod = stream ? STREAM_METHOD : `    stream() {
      if (!open) throw new Error("fusegraph: this session was disposed");
      ${NO_STREAM_ERROR}
    },`;
  return `export async function load(options = {}) {
${firstLine}  let open = true;
  return {
    async run(feeds, dims) {
      if (!open) throw new Error("fusegraph: this session was disposed");
      return run(feeds, dims);
    },
${streamMethod}
    dispose() {
      open = false;
    },
  };
}`;
}

const STREAM_METHOD = `    stream(streamOptions) {
      if (!open) throw new Error("fusegraph: this session was disposed");
      return arrayStream(streamOptions, run, () => {
        if (!open) throw new Error("fusegraph: this session was disposed");
      });
    },`;
