// The fixed JavaScript of every wasm bundle's `load`: pick the relaxed-SIMD module when the
// engine validates it (else the plain SIMD one), instantiate it with no imports, copy the
// weight image into linear memory, and return a session whose `runSync` grows memory only
// for a larger batch, copies the feeds in and the results out, and allocates nothing else.
// `stream({ state })` keeps the state in linear memory: after each chunk the state outputs
// are copied to their inputs' regions inside the module's memory (copyWithin), never
// through JavaScript arrays.
// Placeholders `/*FEEDS*/` and `/*RESULTS*/` are filled by emit-bundle.ts with compiler-made
// code only. With several symbols (SIZE_SLOTS not null) the feeds statements bind the symbols,
// evaluate the run-time sizes and set `need`; `dims` gives the values lengths cannot tell
// apart; a stream's state then goes through JavaScript arrays.

export const WASM_LOAD = `export async function load(options = {}) {
  let code = bytesOfBase64(SIMD_MODULE_BASE64);
  let relaxedSimd = false;
  if (RELAXED_MODULE_BASE64 !== null && options.relaxedSimd !== false) {
    const relaxed = bytesOfBase64(RELAXED_MODULE_BASE64);
    if (WebAssembly.validate(relaxed)) {
      code = relaxed;
      relaxedSimd = true;
    }
  }
  const { instance } = await WebAssembly.instantiate(code, {});
  const memory = instance.exports.memory;
  const kernels = instance.exports.run;
  const image = widenWeights(WEIGHTS_BASE64 !== null ? bytesOfBase64(WEIGHTS_BASE64) : await fetchWeights(options));
  if (image.byteLength !== IMAGE_BYTES) throw new Error("fusegraph: expected " + IMAGE_BYTES + " bytes of weights, got " + image.byteLength);
  new Uint8Array(memory.buffer).set(image, 0);
  let heap = new Float32Array(memory.buffer);
  let open = true;
  // Which stream's state the input regions hold (null after a plain run overwrote them).
  let owner = null;
  function runSync(feeds, dims) {
    if (!open) throw new Error("fusegraph: this session was disposed");
    owner = null;
    checkFeedNames(feeds, INPUT_NAMES);
    let batch = 0;
    let need = 0;
    /*FEEDS*/
    if (batch === 0) batch = 1;
    if (need === 0) need = MEMORY_PER_SAMPLE * batch + MEMORY_FIXED;
    if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    if (heap.buffer !== memory.buffer) heap = new Float32Array(memory.buffer);
    /*RESULTS*/
  }
  function stream(streamOptions) {
    if (!open) throw new Error("fusegraph: this session was disposed");
    if (SIZE_SLOTS !== null) return arrayStream(streamOptions, runSync);
    const plan = streamPlan(streamOptions, metadata);
    const batch = plan.batch;
    const token = {};
    const at = (address) => (address[0] * batch + address[1]) >>> 2;
    // Addresses depend on the batch only, so they are computed once for the stream.
    const fed = INPUT_LAYOUT.filter((input) => plan.others.includes(input.name)).map((input) => ({ ...input, start: at(input.address) }));
    const read = OUTPUT_LAYOUT.map((output) => {
      const start = at(output.address);
      return { name: output.name, start, end: start + output.size[0] * batch + output.size[1] };
    });
    const copies = plan.pairs.map((p) => ({ to: at(INPUT_LAYOUT[p.input].address), from: read[p.output].start, end: read[p.output].end }));
    function prepare() {
      const need = MEMORY_PER_SAMPLE * batch + MEMORY_FIXED;
      if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
      if (heap.buffer !== memory.buffer) heap = new Float32Array(memory.buffer);
    }
    function reset() {
      if (!open) throw new Error("fusegraph: this session was disposed");
      prepare();
      for (const p of plan.pairs) {
        const start = at(INPUT_LAYOUT[p.input].address);
        if (p.initial !== undefined) heap.set(p.initial, start);
        else heap.fill(0, start, start + p.size);
      }
      owner = token;
    }
    reset();
    return {
      push(chunk) {
        if (!open) throw new Error("fusegraph: this session was disposed");
        if (owner !== token) throw new Error("fusegraph: another run or stream used this session since this stream's last chunk; call reset() first");
        checkChunk(chunk, plan);
        prepare();
        for (const input of fed) {
          const data = feedOf(chunk, input.name, input.sample, input.batched);
          if (input.batched && data.length !== input.sample * batch) {
            throw new RangeError("fusegraph: input " + JSON.stringify(input.name) + " holds " + data.length / input.sample + " samples; this stream's batch is " + batch);
          }
          heap.set(data, input.start);
        }
        kernels(batch);
        const results = {};
        for (const output of read) {
          const value = heap.slice(output.start, output.end);
          // defineProperty only where assignment would set the prototype instead.
          if (output.name === "__proto__") Object.defineProperty(results, output.name, { value, enumerable: true, writable: true, configurable: true });
          else results[output.name] = value;
        }
        for (const copy of copies) heap.copyWithin(copy.to, copy.from, copy.end);
        return results;
      },
      reset,
    };
  }
  return {
    relaxedSimd,
    runSync,
    stream,
    async run(feeds, dims) {
      return runSync(feeds, dims);
    },
    dispose() {
      open = false;
    },
  };
}`;


/**
 * stream() of a bundle with several symbols (run-time sizes), emitted only there: the state
 * travels through the result arrays, fed back as the next chunk's inputs, as in the JS bundle
 * (memory addresses change with the sizes).
 */
export const WASM_ARRAY_STREAM = `function arrayStream(streamOptions, runSync) {
  const plan = streamPlan(streamOptions, metadata);
  const feeds = Object.create(null);
  const reset = () => {
    for (const p of plan.pairs) feeds[p.inName] = p.initial !== undefined ? p.initial.slice() : new Float32Array(p.size);
  };
  reset();
  return {
    push(chunk) {
      checkChunk(chunk, plan);
      for (const name of plan.others) feeds[name] = Object.hasOwn(chunk, name) ? chunk[name] : undefined;
      const results = runSync(feeds, plan.dims);
      for (const p of plan.pairs) feeds[p.inName] = results[p.outName];
      return results;
    },
    reset,
  };
}`;
