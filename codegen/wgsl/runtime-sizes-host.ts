// The host code of a WGSL bundle with several symbols (run-time sizes): like runtime.ts's,
// but each run binds the symbols from the feeds (bindDims, with `dims` for what the lengths
// cannot tell apart), evaluates the sizes (evalSizes) into the uniform after the batch word,
// and sizes every count, offset and dispatch with them. `load({ maxSizes })` bounds each
// symbol and sizes the buffers for the bound once; without it the data and staging buffers
// grow on demand (a run that needs more replaces them, and the bind groups, before it
// starts). A stream's state goes through the result arrays. No model text: the emitter
// defines the tables (SIZE_SLOTS, INPUTS, DISPATCH, …); requestDevice, buffer and retire
// are runtime-device.ts's (these bundles have no shader variants: their tables are empty);
// the weights upload, bind groups and usage flags runtime-load.ts's.

export const WGSL_RUNTIME_SIZES_HOST = `/** [scale, fixed] or [scale, fixed, slot]: the size for this call. */
function sizeAt(extent, slots) {
  return extent.length > 2 ? extent[0] * slots[extent[2]] + extent[1] : extent[1];
}

function checkMaxSizes(maxSizes) {
  if (maxSizes === undefined) return null;
  if (maxSizes === null || typeof maxSizes !== "object") throw new TypeError("fusegraph: maxSizes must be an object of symbol values");
  const values = metadata.symbols.map((symbol) => {
    const value = maxSizes[symbol];
    if (!Number.isInteger(value) || value < 1) throw new RangeError("fusegraph: maxSizes." + symbol + " must be a positive integer, got " + String(value));
    return value;
  });
  for (const key of Object.keys(maxSizes)) {
    if (!metadata.symbols.includes(key)) throw new TypeError("fusegraph: unknown symbol " + JSON.stringify(key) + " in maxSizes (symbols: " + metadata.symbols.join(", ") + ")");
  }
  return values;
}

export async function load(options = {}) {
  const owned = options.device === undefined;
  const device = owned ? await requestDevice() : options.device;
  // maxBatch is the bound of a model's one symbol (N in [S, N, E] layouts); several need maxSizes.
  if (options.maxBatch !== undefined && (metadata.symbols.length !== 1 || options.maxSizes !== undefined)) {
    throw new TypeError("fusegraph: this model has several symbols (" + metadata.symbols.join(", ") + "): bound them with load({ maxSizes }) instead of maxBatch");
  }
  const bounds = checkMaxSizes(options.maxBatch !== undefined ? { [metadata.symbols[0]]: options.maxBatch } : options.maxSizes);
  const bytes = await weightBytes(options);
  checkWeightBytes(bytes);
  device.pushErrorScope("validation");
  const chunks = weightChunks(device, bytes);
  const empty = buffer(device, "fusegraph no weights", 16, USAGE_STORAGE);
  const paramWords = new Uint32Array(4 + Math.ceil(SIZE_SLOTS.length / 4) * 4);
  const params = buffer(device, "fusegraph params", paramWords.byteLength, USAGE_UNIFORM | USAGE_COPY_DST);
  const bindGroupLayout = kernelBindGroupLayout(device);
  // No variants here: shaderModules makes each kernel's portable module.
  const { modules } = await shaderModules(device);
  const pipelines = await kernelPipelines(device, bindGroupLayout, modules);
  await checkErrorScope(device);
  const maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
  const bindingLimit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  // A dispatch axis is [scale, fixed, per] or [scale, fixed, per, slot].
  const groups = (axis, slots) => Math.min(maxGroups, Math.ceil((axis.length > 3 ? axis[0] * slots[axis[3]] + axis[1] : axis[1]) / axis[2]));

  // The data and staging buffers and the bind groups over them, replaced when a run needs more.
  let data = null;
  let staging = null;
  let bindGroups = [];
  let capacity = { data: 0, staging: 0 };
  function prepare(dataBytes, stagingBytes) {
    if (dataBytes > bindingLimit) {
      throw new RangeError("fusegraph: these sizes need a " + dataBytes + "-byte buffer; this device binds at most " + bindingLimit);
    }
    if (data !== null && dataBytes <= capacity.data && stagingBytes <= capacity.staging) return;
    if (data !== null) retire(device, data);
    if (staging !== null) retire(device, staging);
    capacity = { data: Math.max(dataBytes, capacity.data), staging: Math.max(stagingBytes, capacity.staging) };
    data = buffer(device, "fusegraph data", capacity.data, USAGE_STORAGE | USAGE_COPY_DST | USAGE_COPY_SRC);
    staging = buffer(device, "fusegraph staging", capacity.staging, USAGE_MAP_READ | USAGE_COPY_DST);
    bindGroups = DISPATCH.map((dispatch) => kernelBindGroup(device, bindGroupLayout, params, weightWindow(dispatch, chunks, empty), data));
  }
  const needs = (slots) => [sizeAt(DATA_SIZE, slots) * 4, OUTPUTS.reduce((sum, output) => sum + sizeAt(output.size, slots) * 4, 0)];
  if (bounds !== null) prepare(...needs(evalSizes(SIZE_SLOTS, bounds)));

  async function runOnce(feeds, dims) {
    checkFeedNames(feeds, INPUTS.map((input) => input.name));
    const arrays = INPUTS.map((input) => feedData(feeds, input.name, input.dtype));
    const values = bindDims(INPUTS.map((input) => input.name), INPUT_SHAPES, arrays, metadata.symbols, dims);
    if (bounds !== null) {
      metadata.symbols.forEach((symbol, i) => {
        if (values[i] > bounds[i]) throw new RangeError("fusegraph: " + symbol + " = " + values[i] + " exceeds the maxSizes." + symbol + " " + bounds[i] + " given to load()");
      });
    }
    const slots = evalSizes(SIZE_SLOTS, values);
    for (const [index, shown, strides, size] of ID_CHECKS) checkIds(arrays[index], shown, strides.map((s) => sizeAt(s, slots)), size);
    prepare(...needs(slots));
    paramWords.fill(0);
    paramWords.set(slots, 4);
    device.queue.writeBuffer(params, 0, paramWords);
    INPUTS.forEach((input, index) => device.queue.writeBuffer(data, sizeAt(input.offset, slots) * 4, arrays[index]));
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    DISPATCH.forEach((dispatch, index) => {
      const x = groups(dispatch[0], slots);
      const y = groups(dispatch[1], slots);
      if (x === 0 || y === 0) return;
      pass.setPipeline(pipelines[index]);
      pass.setBindGroup(0, bindGroups[index]);
      pass.dispatchWorkgroups(x, y);
    });
    pass.end();
    const counts = OUTPUTS.map((output) => sizeAt(output.size, slots));
    let offset = 0;
    OUTPUTS.forEach((output, index) => {
      const count = counts[index] * 4;
      if (count > 0) encoder.copyBufferToBuffer(data, sizeAt(output.offset, slots) * 4, staging, offset, count);
      offset += count;
    });
    device.queue.submit([encoder.finish()]);
    const floats = offset === 0 ? new Float32Array(0) : await (async () => {
      await staging.mapAsync(MAP_MODE_READ, 0, offset);
      const read = new Float32Array(staging.getMappedRange(0, offset).slice(0));
      staging.unmap();
      return read;
    })();
    const results = {};
    let at = 0;
    OUTPUTS.forEach((output, index) => {
      // defineProperty, not assignment: an output may be called "__proto__".
      Object.defineProperty(results, output.name, { value: floats.slice(at, at + counts[index]), enumerable: true, writable: true, configurable: true });
      at += counts[index];
    });
    return results;
  }

  let open = true;
  // Runs share the buffers, so they take turns.
  let turn = Promise.resolve();
  function runQueued(feeds, dims) {
    if (!open) return Promise.reject(new Error("fusegraph: this session was disposed"));
    const result = turn.then(() => runOnce(feeds, dims));
    turn = result.then(() => undefined, () => undefined);
    return result;
  }
  return {
    run: runQueued,
    // The state travels through the result arrays, fed back as the next chunk's inputs.
    stream(streamOptions) {
      if (!open) throw new Error("fusegraph: this session was disposed");
      const plan = streamPlan(streamOptions, metadata);
      const feeds = Object.create(null);
      let state = Promise.resolve();
      const reset = () => {
        state = state.then(() => {
          for (const p of plan.pairs) feeds[p.inName] = p.initial !== undefined ? p.initial.slice() : new Float32Array(p.size);
        });
      };
      reset();
      return {
        push(chunk) {
          checkChunk(chunk, plan);
          const given = plan.others.map((name) => (Object.hasOwn(chunk, name) ? chunk[name] : undefined));
          const result = state.then(async () => {
            plan.others.forEach((name, i) => { feeds[name] = given[i]; });
            const results = await runQueued(feeds, plan.dims);
            for (const p of plan.pairs) feeds[p.inName] = results[p.outName];
            return results;
          });
          state = result.then(() => undefined, () => undefined);
          return result;
        },
        reset,
      };
    },
    dispose() {
      if (!open) return;
      open = false;
      turn.then(() => {
        for (const resource of [...chunks, empty, params, data, staging]) if (resource !== null) resource.destroy();
        if (owned) device.destroy();
      });
    },
  };
}`;
