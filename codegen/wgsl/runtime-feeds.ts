// The WGSL bundle's feed and result handling, as fixed JavaScript the emitter includes: each
// feed is a typed array (checked as in every bundle) or a GPUBuffer of the same elements as
// f32 lanes (checked for usage and size, copied on the GPU, never read by the host); results
// are read back from the staging buffer, or copied into fresh GPUBuffers the caller owns.
// The usage flags it tests are runtime-load.ts's.

export const WGSL_FEEDS = `function elementsAt(extent, batch) {
  return extent[0] * batch + extent[1];
}

// Duck-typed (Node has no GPUBuffer global): what a GPUBuffer has and a typed array has not.
function isGpuBuffer(value) {
  return value !== null && typeof value === "object" && typeof value.usage === "number" && typeof value.size === "number" && typeof value.mapAsync === "function";
}

function feedValue(feeds, name) {
  return feeds !== null && typeof feeds === "object" && Object.hasOwn(feeds, name) ? feeds[name] : undefined;
}

function runOptionsOf(options) {
  if (options === undefined) return { keepOnGpu: false, batch: 0 };
  if (options === null || typeof options !== "object") throw new TypeError("fusegraph: run options must be an object such as { keepOnGpu: true }");
  const batch = options.batch === undefined ? 0 : options.batch;
  if (options.batch !== undefined && (!Number.isInteger(batch) || batch < 1)) throw new RangeError("fusegraph: run option batch must be a positive integer, got " + String(options.batch));
  return { keepOnGpu: options.keepOnGpu === true, batch };
}

function gpuFeedError(name, message) {
  return new RangeError("fusegraph: input " + JSON.stringify(name) + ": " + message);
}

/**
 * One run's feeds, checked, with its batch: { batch, arrays, buffers } where arrays[i] is the
 * f32 lanes of input i or null, and buffers[i] the GPUBuffer fed instead. The batch comes from
 * the typed arrays, else options.batch, else a GPUBuffer's exact size.
 */
function prepareFeeds(feeds, fed, options, fixedBatch) {
  let batch = 0;
  let batchFrom; // the input that set the batch, named when another disagrees
  const arrays = [];
  const buffers = [];
  for (const input of fed) {
    const value = feedValue(feeds, input.name);
    if (isGpuBuffer(value)) {
      if ((value.usage & USAGE_COPY_SRC) === 0) throw gpuFeedError(input.name, "a GPUBuffer feed needs COPY_SRC usage (the session copies it on the GPU), its usage is 0x" + value.usage.toString(16));
      if (value.mapState !== undefined && value.mapState !== "unmapped") throw gpuFeedError(input.name, "the GPUBuffer is " + value.mapState + "; unmap it before feeding it");
      arrays.push(null);
      buffers.push(value);
      continue;
    }
    const array = feedOf(feeds, input.name, input.sample, input.batched, input.dtype);
    if (input.batched) {
      batch = batchOf(input.name, array, input.sample, batch, batchFrom);
      batchFrom ??= input.name;
    }
    arrays.push(array);
    buffers.push(null);
  }
  if (options.batch !== 0) {
    if (batch !== 0 && batch !== options.batch) throw new RangeError("fusegraph: the feeds hold " + batch + " samples, run option batch says " + options.batch);
    batch = options.batch;
  }
  if (fixedBatch !== 0) {
    if (batch !== 0 && batch !== fixedBatch) throw new RangeError("fusegraph: the chunk holds " + batch + " samples; this stream's batch is " + fixedBatch);
    batch = fixedBatch;
  }
  fed.forEach((input, index) => {
    const buffer = buffers[index];
    if (buffer === null || !input.batched || batch !== 0) return;
    const samples = buffer.size / (input.sample * 4);
    if (!Number.isInteger(samples) || samples < 1) {
      throw gpuFeedError(input.name, "the GPUBuffer holds " + buffer.size + " bytes, not a whole number of samples of " + input.sample + " f32 values; pass run(feeds, { batch })");
    }
    batch = samples;
  });
  if (batch === 0) batch = 1;
  fed.forEach((input, index) => {
    const buffer = buffers[index];
    if (buffer === null) return;
    const bytes = (input.batched ? input.sample * batch : input.sample) * 4;
    if (buffer.size < bytes) {
      throw gpuFeedError(input.name, "the GPUBuffer holds " + buffer.size + " bytes; " + (input.batched ? "batch " + batch + " needs " : "it needs ") + bytes + " (" + bytes / 4 + " f32 values)");
    }
  });
  for (const [index, shown, strides, size] of ID_CHECKS) {
    const at = fed.indexOf(INPUTS[index]);
    // Ids in a GPUBuffer stay on the GPU unchecked (robust buffer access keeps reads in bounds).
    if (at >= 0 && arrays[at] !== null) checkIds(arrays[at], shown, strides, size);
  }
  return { batch, arrays, buffers };
}

function defineResult(results, name, value) {
  // defineProperty, not assignment: an output may be called "__proto__".
  Object.defineProperty(results, name, { value, enumerable: true, writable: true, configurable: true });
}

/** Bytes of every output of one run at this batch, one after another (the staging layout). */
function outputBytes(batch) {
  let bytes = 0;
  for (const output of OUTPUTS) bytes += elementsAt(output.size, batch) * 4;
  return bytes;
}

/** The outputs of one run from the mapped staging range starting at byte \`at\`: one copy each. */
function resultsFrom(mapped, at, batch) {
  const results = {};
  let offset = at;
  for (const output of OUTPUTS) {
    const count = elementsAt(output.size, batch);
    defineResult(results, output.name, new Float32Array(mapped, offset, count).slice());
    offset += count * 4;
  }
  return results;
}`;
