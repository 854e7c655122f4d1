// The fixed host code of every WGSL bundle: `load()` creates the device (unless given one),
// picks each kernel's shader by the device's features (shader-f16 variants first, then
// subgroups, each falling back to the portable shader if the device rejects it), creates the
// buffers and pipelines once and uploads the weights once. Each batch size gets its own
// uniform and bind groups, made on first use and cached, so a run allocates no GPU object
// beyond the command buffer WebGPU requires (and the result buffers keepOnGpu returns).
// `runBatch` encodes several runs into one submission: the first run's array feeds are
// written straight into `data`, later ones through a reused upload buffer copied in order;
// GPUBuffer feeds are copied on the GPU. Every run's outputs go to one reused staging buffer
// (one map per submission) or to fresh GPUBuffers the caller owns (keepOnGpu).
// `stream({ state })` keeps the state on the GPU: after each chunk's dispatches the state
// outputs are copied to their inputs' regions of `data` through a small state buffer (a
// buffer cannot be copied onto itself), in the same command buffer.
// It contains no model text; the emitter defines the tables it reads (SHADERS, DISPATCH, …).
// The pieces it shares with runtime-sizes-host.ts (weights upload, bind groups, usage flags) are
// runtime-load.ts's.

export const WGSL_RUNTIME = `/** Batch sizes whose uniform and bind groups stay cached (the oldest goes first). */
const CACHED_BATCHES = 32;

export async function load(options = {}) {
  const owned = options.device === undefined;
  const device = owned ? await requestDevice() : options.device;
  const maxBatch = options.maxBatch ?? Math.min(DEFAULT_MAX_BATCH, MAX_BATCH_LIMIT);
  checkMaxBatch(device, maxBatch);
  const bytes = await weightBytes(options);
  checkWeightBytes(bytes);
  device.pushErrorScope("validation");
  const chunks = weightChunks(device, bytes);
  const empty = buffer(device, "fusegraph no weights", 16, USAGE_STORAGE);
  const data = buffer(device, "fusegraph data", elementsAt(DATA_SIZE, maxBatch) * 4, USAGE_STORAGE | USAGE_COPY_DST | USAGE_COPY_SRC);
  const bindGroupLayout = kernelBindGroupLayout(device);
  const weightWindows = DISPATCH.map((dispatch) => weightWindow(dispatch, chunks, empty));
  const { modules, features } = await shaderModules(device);
  const pipelines = await kernelPipelines(device, bindGroupLayout, modules);
  await checkErrorScope(device);
  const maxGroups = device.limits.maxComputeWorkgroupsPerDimension;
  const groups = (axis, batch) => Math.min(maxGroups, Math.ceil((axis[0] * batch + axis[1]) / axis[2]));

  // Per batch size: a uniform holding it, one bind group per kernel (the same params and data,
  // the kernel's own window of the weights) and the workgroup counts.
  const perBatch = new Map();
  function prepared(batch) {
    const known = perBatch.get(batch);
    if (known !== undefined) return known;
    if (perBatch.size >= CACHED_BATCHES) {
      const [oldest, entry] = perBatch.entries().next().value;
      perBatch.delete(oldest);
      retire(device, entry.params);
    }
    const params = device.createBuffer({ label: "fusegraph params " + batch, size: 16, usage: USAGE_UNIFORM, mappedAtCreation: true });
    new Uint32Array(params.getMappedRange())[0] = batch;
    params.unmap();
    const bindGroups = weightWindows.map((consts) => kernelBindGroup(device, bindGroupLayout, params, consts, data));
    const counts = new Uint32Array(DISPATCH.length * 2);
    DISPATCH.forEach((dispatch, index) => {
      counts[2 * index] = groups(dispatch[0], batch);
      counts[2 * index + 1] = groups(dispatch[1], batch);
    });
    const entry = { params, bindGroups, counts };
    perBatch.set(batch, entry);
    return entry;
  }

  // Session-owned buffers that grow when a runBatch needs more (and are reused after).
  let staging = buffer(device, "fusegraph staging", outputBytes(maxBatch), USAGE_MAP_READ | USAGE_COPY_DST);
  let upload = null;
  function stagingFor(bytes) {
    if (staging.size < bytes) {
      retire(device, staging);
      staging = buffer(device, "fusegraph staging", Math.max(bytes, staging.size * 2), USAGE_MAP_READ | USAGE_COPY_DST);
    }
    return staging;
  }
  function uploadFor(bytes) {
    if (upload === null || upload.size < bytes) {
      if (upload !== null) retire(device, upload);
      upload = buffer(device, "fusegraph upload", Math.max(bytes, upload === null ? 0 : upload.size * 2), USAGE_COPY_SRC | USAGE_COPY_DST);
    }
    return upload;
  }

  /** Copies one run's feeds into data: written directly when first, else via the upload buffer. */
  function encodeFeeds(encoder, fed, run, first, uploadAt) {
    let at = uploadAt;
    fed.forEach((input, index) => {
      const offset = elementsAt(input.offset, run.batch) * 4;
      const array = run.arrays[index];
      const bytes = (input.batched ? input.sample * run.batch : input.sample) * 4;
      if (array === null) {
        if (bytes > 0) encoder.copyBufferToBuffer(run.buffers[index], 0, data, offset, bytes);
      } else if (first) {
        device.queue.writeBuffer(data, offset, array);
      } else if (bytes > 0) {
        device.queue.writeBuffer(upload, at, array);
        encoder.copyBufferToBuffer(upload, at, data, offset, bytes);
        at += bytes;
      }
    });
    return at;
  }

  function encodeKernels(encoder, batch) {
    const { bindGroups, counts } = prepared(batch);
    const pass = encoder.beginComputePass();
    for (let index = 0; index < DISPATCH.length; index++) {
      const x = counts[2 * index];
      const y = counts[2 * index + 1];
      if (x === 0 || y === 0) continue;
      pass.setPipeline(pipelines[index]);
      pass.setBindGroup(0, bindGroups[index]);
      pass.dispatchWorkgroups(x, y);
    }
    pass.end();
  }

  function encodeState(encoder, streaming, batch) {
    let at = 0;
    for (const p of streaming.plan.pairs) {
      encoder.copyBufferToBuffer(data, elementsAt(OUTPUTS[p.output].offset, batch) * 4, streaming.state, at * 4, p.size * 4);
      encoder.copyBufferToBuffer(streaming.state, at * 4, data, elementsAt(INPUTS[p.input].offset, batch) * 4, p.size * 4);
      at += p.size;
    }
  }

  /** Fresh buffers holding one run's outputs (STORAGE | COPY_SRC | COPY_DST): the caller owns them. */
  function encodeGpuResults(encoder, batch) {
    const results = {};
    for (const output of OUTPUTS) {
      const bytes = elementsAt(output.size, batch) * 4;
      const result = device.createBuffer({ label: "fusegraph result", size: bytes, usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST });
      if (bytes > 0) encoder.copyBufferToBuffer(data, elementsAt(output.offset, batch) * 4, result, 0, bytes);
      defineResult(results, output.name, result);
    }
    return results;
  }

  /**
   * Encodes and submits the runs (prepared feeds) in one command buffer. Returns { results, release }:
   * results resolves to each run's results (arrays read back, or GPUBuffers with keepOnGpu);
   * the next run may start once release resolves (after the read-back, which holds the staging
   * buffer; at once for keepOnGpu, since the queue orders the GPU work).
   */
  function submitRuns(fed, runs, keepOnGpu, streaming) {
    let uploadBytes = 0;
    for (let r = 1; r < runs.length; r++) {
      fed.forEach((input, index) => {
        if (runs[r].arrays[index] !== null) uploadBytes += (input.batched ? input.sample * runs[r].batch : input.sample) * 4;
      });
    }
    if (uploadBytes > 0) uploadFor(uploadBytes);
    let readBytes = 0;
    if (!keepOnGpu) for (const run of runs) readBytes += outputBytes(run.batch);
    const target = readBytes > 0 ? stagingFor(readBytes) : null;
    // A GPUBuffer the host cannot vet (destroyed, from another device) fails validation at
    // submit: catch that in a scope (only then: a scope costs a promise) and reject the run.
    const vetted = !runs.some((run) => run.buffers.some((b) => b !== null));
    if (!vetted) device.pushErrorScope("validation");
    const encoder = device.createCommandEncoder();
    const gpuResults = [];
    let uploadAt = 0;
    let readAt = 0;
    runs.forEach((run, r) => {
      uploadAt = encodeFeeds(encoder, fed, run, r === 0, uploadAt);
      encodeKernels(encoder, run.batch);
      if (streaming !== undefined) encodeState(encoder, streaming, run.batch);
      if (keepOnGpu) {
        gpuResults.push(encodeGpuResults(encoder, run.batch));
        return;
      }
      for (const output of OUTPUTS) {
        const bytes = elementsAt(output.size, run.batch) * 4;
        if (bytes > 0) encoder.copyBufferToBuffer(data, elementsAt(output.offset, run.batch) * 4, target, readAt, bytes);
        readAt += bytes;
      }
    });
    device.queue.submit([encoder.finish()]);
    const checked = vetted ? null : device.popErrorScope().then((error) => {
      if (error === null) return;
      for (const results of gpuResults) for (const name of Object.keys(results)) results[name].destroy();
      throw new Error("fusegraph: WebGPU rejected the run (is a GPUBuffer feed destroyed, or from another device?): " + error.message);
    });
    if (keepOnGpu) return { results: checked === null ? Promise.resolve(gpuResults) : checked.then(() => gpuResults), release: undefined };
    const results = readResults(runs, target, readBytes, checked);
    return { results, release: results };
  }

  async function readResults(runs, target, readBytes, checked) {
    if (checked !== null) await checked;
    if (readBytes > 0) await target.mapAsync(MAP_MODE_READ, 0, readBytes);
    const mapped = readBytes > 0 ? target.getMappedRange(0, readBytes) : new ArrayBuffer(0);
    const results = [];
    let at = 0;
    for (const run of runs) {
      results.push(resultsFrom(mapped, at, run.batch));
      at += outputBytes(run.batch);
    }
    if (readBytes > 0) target.unmap();
    return results;
  }

  function checkBatch(batch) {
    if (batch > maxBatch) throw new RangeError("fusegraph: batch " + batch + " exceeds the maxBatch " + maxBatch + " given to load()");
  }

  const inputNames = INPUTS.map((input) => input.name);
  function prepareRun(feeds, runOptions) {
    checkFeedNames(feeds, inputNames);
    const run = prepareFeeds(feeds, INPUTS, runOptions, 0);
    checkBatch(run.batch);
    return run;
  }

  let open = true;
  // Runs share data and the staging buffer, so they take turns: \`work\` checks and submits
  // (throwing synchronously on bad feeds) and returns submitRuns' { results, release }.
  let turn = Promise.resolve();
  function queued(work) {
    if (!open) return Promise.reject(new Error("fusegraph: this session was disposed"));
    const started = turn.then(work);
    turn = started.then((submitted) => submitted.release, () => undefined).then(() => undefined, () => undefined);
    return started.then((submitted) => submitted.results);
  }
  function first(submitted) {
    return { results: submitted.results.then((list) => list[0]), release: submitted.release };
  }
  // Which stream's state the input regions hold (null after a plain run overwrote them).
  let owner = null;
  const stateBuffers = [];

  function stream(streamOptions) {
    if (!open) throw new Error("fusegraph: this session was disposed");
    const plan = streamPlan(streamOptions, metadata);
    checkBatch(plan.batch);
    const total = plan.pairs.reduce((sum, p) => sum + p.size, 0);
    const state = buffer(device, "fusegraph stream state", total * 4, USAGE_COPY_SRC | USAGE_COPY_DST);
    stateBuffers.push(state);
    const token = {};
    const streaming = { plan, state };
    const fed = INPUTS.filter((input) => plan.others.includes(input.name));
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
          const run = prepareFeeds(chunk, fed, runOptionsOf(undefined), plan.batch);
          return first(submitRuns(fed, [run], false, streaming));
        });
      },
      reset,
    };
  }

  return {
    features,
    run(feeds, runOptions) {
      return queued(() => {
        const settings = runOptionsOf(runOptions);
        const run = prepareRun(feeds, settings);
        owner = null;
        return first(submitRuns(INPUTS, [run], settings.keepOnGpu));
      });
    },
    runBatch(feedsList, runOptions) {
      return queued(() => {
        if (!Array.isArray(feedsList) || feedsList.length === 0) throw new TypeError("fusegraph: runBatch needs a non-empty array of feeds objects");
        const settings = runOptionsOf(runOptions);
        if (settings.batch !== 0) throw new TypeError("fusegraph: runBatch takes no batch option (each feeds object binds its own)");
        // Every run is checked before anything is written, so a bad one leaves data untouched.
        const runs = feedsList.map((feeds) => prepareRun(feeds, settings));
        owner = null;
        return submitRuns(INPUTS, runs, settings.keepOnGpu);
      });
    },
    stream,
    dispose() {
      if (!open) return;
      open = false;
      turn.then(() => {
        const params = [...perBatch.values()].map((entry) => entry.params);
        const resources = [...chunks, empty, data, staging, ...params, ...stateBuffers];
        if (upload !== null) resources.push(upload);
        for (const resource of resources) resource.destroy();
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
