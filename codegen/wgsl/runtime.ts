// The fixed host code of every WGSL bundle: `load()` creates the device (unless given one),
// the buffers, the pipelines (asynchronously, once) and uploads the weights once; the
// session's `run()` writes the inputs, encodes every dispatch in one command buffer and reads
// the outputs back through one reused staging buffer. It contains no model text; the emitter
// defines the tables it reads (SHADERS, DISPATCH, INPUTS, OUTPUTS, DATA_SIZE, …) around it.
// Buffer usage flags are written as numbers so the bundle needs no WebGPU globals (Node).
// `stream({ state })` keeps the state on the GPU: after each chunk's dispatches the state
// outputs are copied to their inputs' regions of `data` through a small state buffer (a
// buffer cannot be copied onto itself), in the same command buffer.

export const WGSL_RUNTIME = `const USAGE_MAP_READ = 1;
const USAGE_COPY_SRC = 4;
const USAGE_COPY_DST = 8;
const USAGE_UNIFORM = 64;
const USAGE_STORAGE = 128;
const SHADER_STAGE_COMPUTE = 4;
const MAP_MODE_READ = 1;

function elementsAt(extent, batch) {
  return extent[0] * batch + extent[1];
}

async function requestDevice() {
  const gpu = typeof navigator === "object" && navigator !== null ? navigator.gpu : undefined;
  if (gpu === undefined || gpu === null) {
    throw new Error("fusegraph: WebGPU is not available here (no navigator.gpu); pass load({ device })");
  }
  const adapter = (await gpu.requestAdapter()) ?? (await gpu.requestAdapter({ featureLevel: "compatibility" }));
  if (adapter === null) throw new Error("fusegraph: no WebGPU adapter is available");
  return adapter.requestDevice();
}

function checkMaxBatch(device, maxBatch) {
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > MAX_BATCH_LIMIT) {
    throw new RangeError("fusegraph: maxBatch must be an integer from 1 to " + MAX_BATCH_LIMIT + ", got " + maxBatch);
  }
  const bytes = elementsAt(DATA_SIZE, maxBatch) * 4;
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  if (bytes > limit) {
    throw new RangeError("fusegraph: maxBatch " + maxBatch + " needs a " + bytes + "-byte buffer; this device binds at most " + limit);
  }
}

function buffer(device, label, bytes, usage) {
  // Bindings need a non-zero size; round up to a whole vec4 so every size is valid.
  return device.createBuffer({ label, size: Math.max(16, Math.ceil(bytes / 16) * 16), usage });
}

function resultsOf(floats, batch) {
  const results = {};
  let offset = 0;
  OUTPUTS.forEach((output) => {
    const count = elementsAt(output.size, batch);
    // defineProperty, not assignment: an output may be called "__proto__".
    Object.defineProperty(results, output.name, { value: floats.slice(offset, offset + count), enumerable: true, writable: true, configurable: true });
    offset += count;
  });
  return results;
}

export async function load(options = {}) {
  const owned = options.device === undefined;
  const device = owned ? await requestDevice() : options.device;
  const maxBatch = options.maxBatch ?? Math.min(DEFAULT_MAX_BATCH, MAX_BATCH_LIMIT);
  checkMaxBatch(device, maxBatch);
  const bytes = await weightBytes(options);
  const constFloats = CONST_CHUNKS.reduce((sum, size) => sum + size, 0);
  if (bytes.byteLength !== constFloats * 4) {
    throw new Error("fusegraph: expected " + constFloats * 4 + " bytes of weights, got " + bytes.byteLength);
  }
  device.pushErrorScope("validation");
  let start = 0;
  const chunks = CONST_CHUNKS.map((size, index) => {
    const chunk = device.createBuffer({ label: "fusegraph weights " + index, size: Math.max(16, Math.ceil(size / 4) * 16), usage: USAGE_STORAGE, mappedAtCreation: true });
    new Uint8Array(chunk.getMappedRange()).set(bytes.subarray(start * 4, (start + size) * 4));
    chunk.unmap();
    start += size;
    return chunk;
  });
  const empty = buffer(device, "fusegraph no weights", 16, USAGE_STORAGE);
  const data = buffer(device, "fusegraph data", elementsAt(DATA_SIZE, maxBatch) * 4, USAGE_STORAGE | USAGE_COPY_DST | USAGE_COPY_SRC);
  const params = buffer(device, "fusegraph params", 16, USAGE_UNIFORM | USAGE_COPY_DST);
  const stagingBytes = OUTPUTS.reduce((sum, output) => sum + elementsAt(output.size, maxBatch) * 4, 0);
  const staging = buffer(device, "fusegraph staging", stagingBytes, USAGE_MAP_READ | USAGE_COPY_DST);
  const bindGroupLayout = device.createBindGroupLayout({
    entries: [
      { binding: 0, visibility: SHADER_STAGE_COMPUTE, buffer: { type: "uniform" } },
      { binding: 1, visibility: SHADER_STAGE_COMPUTE, buffer: { type: "read-only-storage" } },
      { binding: 2, visibility: SHADER_STAGE_COMPUTE, buffer: { type: "storage" } },
    ],
  });
  const layout = device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] });
  // One bind group per kernel: the same params and data, its own window of the weights.
  const bindGroups = DISPATCH.map((dispatch) => {
    const window = dispatch[2];
    const consts = window === null
      ? { buffer: empty }
      : { buffer: chunks[window[0]], offset: window[1] * 4, size: Math.max(4, window[2] * 4) };
    return device.createBindGroup({
      layout: bindGroupLayout,
      entries: [
        { binding: 0, resource: { buffer: params } },
        { binding: 1, resource: consts },
        { binding: 2, resource: { buffer: data } },
      ],
    });
  });
  const pipelines = await Promise.all(SHADERS.map((code, index) => device.createComputePipelineAsync({
    label: "fusegraph kernel " + index,
    layout,
    compute: { module: device.createShaderModule({ label: "fusegraph kernel " + index, code }), entryPoint: "main" },
  })));
  const error = await device.popErrorScope();
  if (error !== null) throw new Error("fusegraph: WebGPU rejected the bundle: " + error.message);
  const maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
  const groups = (axis, batch) => Math.min(maxGroups, Math.ceil((axis[0] * batch + axis[1]) / axis[2]));
  const batchWords = new Uint32Array(4);

  // Which stream's state the input regions hold (null after a plain run overwrote them).
  let owner = null;

  // streaming: { plan, state (GPUBuffer) } when called by a stream's push, else undefined.
  async function runOnce(feeds, streaming) {
    const fed = streaming === undefined ? INPUTS : INPUTS.filter((input) => streaming.plan.others.includes(input.name));
    if (streaming === undefined) checkFeedNames(feeds, INPUTS.map((input) => input.name));
    let batch = 0;
    const arrays = fed.map((input) => {
      const array = feedOf(feeds, input.name, input.sample, input.batched, input.dtype);
      if (input.batched) batch = batchOf(input.name, array, input.sample, batch, fed.find((i) => i.batched)?.name);
      return array;
    });
    if (streaming !== undefined) {
      if (batch !== 0 && batch !== streaming.plan.batch) throw new RangeError("fusegraph: the chunk holds " + batch + " samples; this stream's batch is " + streaming.plan.batch);
      batch = streaming.plan.batch;
    }
    for (const [index, shown, strides, size] of ID_CHECKS) {
      const at = fed.indexOf(INPUTS[index]);
      if (at >= 0) checkIds(arrays[at], shown, strides, size);
    }
    if (batch === 0) batch = 1;
    if (batch > maxBatch) throw new RangeError("fusegraph: batch " + batch + " exceeds the maxBatch " + maxBatch + " given to load()");
    batchWords[0] = batch;
    device.queue.writeBuffer(params, 0, batchWords);
    fed.forEach((input, index) => device.queue.writeBuffer(data, elementsAt(input.offset, batch) * 4, arrays[index]));
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    DISPATCH.forEach((dispatch, index) => {
      const x = groups(dispatch[0], batch);
      const y = groups(dispatch[1], batch);
      if (x === 0 || y === 0) return;
      pass.setPipeline(pipelines[index]);
      pass.setBindGroup(0, bindGroups[index]);
      pass.dispatchWorkgroups(x, y);
    });
    pass.end();
    if (streaming !== undefined) {
      let at = 0;
      for (const p of streaming.plan.pairs) {
        encoder.copyBufferToBuffer(data, elementsAt(OUTPUTS[p.output].offset, batch) * 4, streaming.state, at * 4, p.size * 4);
        encoder.copyBufferToBuffer(streaming.state, at * 4, data, elementsAt(INPUTS[p.input].offset, batch) * 4, p.size * 4);
        at += p.size;
      }
    }
    let offset = 0;
    OUTPUTS.forEach((output) => {
      const count = elementsAt(output.size, batch) * 4;
      if (count > 0) encoder.copyBufferToBuffer(data, elementsAt(output.offset, batch) * 4, staging, offset, count);
      offset += count;
    });
    device.queue.submit([encoder.finish()]);
    if (offset === 0) return resultsOf(new Float32Array(0), batch);
    await staging.mapAsync(MAP_MODE_READ, 0, offset);
    const floats = new Float32Array(staging.getMappedRange(0, offset).slice(0));
    staging.unmap();
    return resultsOf(floats, batch);
  }

  let open = true;
  // Runs share the staging buffer, so they take turns.
  let turn = Promise.resolve();
  function queued(work) {
    if (!open) return Promise.reject(new Error("fusegraph: this session was disposed"));
    const result = turn.then(work);
    turn = result.then(() => undefined, () => undefined);
    return result;
  }
  const stateBuffers = [];

  function stream(streamOptions) {
    if (!open) throw new Error("fusegraph: this session was disposed");
    const plan = streamPlan(streamOptions, metadata);
    if (plan.batch > maxBatch) throw new RangeError("fusegraph: stream batch " + plan.batch + " exceeds the maxBatch " + maxBatch + " given to load()");
    const total = plan.pairs.reduce((sum, p) => sum + p.size, 0);
    const state = buffer(device, "fusegraph stream state", total * 4, USAGE_COPY_SRC | USAGE_COPY_DST);
    stateBuffers.push(state);
    const token = {};
    const streaming = { plan, state };
    function reset() {
      if (!open) throw new Error("fusegraph: this session was disposed");
      // Queued like a run, so a reset never lands in the middle of a chunk.
      turn = turn.then(() => {
        for (const p of plan.pairs) {
          const values = p.initial !== undefined ? p.initial : new Float32Array(p.size);
          device.queue.writeBuffer(data, elementsAt(INPUTS[p.input].offset, plan.batch) * 4, values);
        }
        owner = token;
      }).then(() => undefined, () => undefined);
    }
    reset();
    return {
      push(chunk) {
        return queued(() => {
          if (owner !== token) throw new Error("fusegraph: another run or stream used this session since this stream's last chunk; call reset() first");
          checkChunk(chunk, plan);
          return runOnce(chunk, streaming);
        });
      },
      reset,
    };
  }

  return {
    run(feeds) {
      return queued(() => {
        owner = null;
        return runOnce(feeds);
      });
    },
    stream,
    dispose() {
      if (!open) return;
      open = false;
      turn.then(() => {
        for (const resource of [...chunks, empty, data, params, staging, ...stateBuffers]) resource.destroy();
        if (owned) device.destroy();
      });
    },
  };
}`;

/** Where the weights come from: the embedded base64 text. */
export const EMBEDDED_WEIGHTS = `async function weightBytes(options) {
  return widenWeights(bytesOfBase64(WEIGHTS_BASE64));
}`;

/** …or the external file (given, or fetched next to the module by fetchWeights). */
export const EXTERNAL_WEIGHTS = `async function weightBytes(options) {
  return widenWeights(await fetchWeights(options));
}`;
