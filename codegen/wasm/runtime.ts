// The fixed JavaScript of every wasm bundle's `load`: pick the relaxed-SIMD module when the
// engine validates it (else the plain SIMD one), decide the thread count (thread-pool-runtime.ts),
// make the memory the module imports (shared when threaded: the module's limits byte is set to
// match), instantiate, copy the weight image into linear memory, and return a session whose
// `runSync` runs on the calling thread and whose `run` runs on the worker pool, which its first
// call starts (so loads and runSync-only sessions never pay for workers);
// both grow memory only for a larger batch, copy the feeds in and the results out, and
// allocate nothing else.
// `stream({ state })` keeps the state in linear memory: after each chunk the state outputs
// are copied to their inputs' regions inside the module's memory (copyWithin), never
// through JavaScript arrays.
// Placeholders `/*FEEDS*/`, `/*COPY*/`, `/*LOOKUPS*/` and `/*RESULTS*/` are filled by
// emit-bundle.ts with compiler-made code only. With several symbols (SIZE_SLOTS not null) the
// feeds statements bind the symbols, evaluate the run-time sizes (`slots`, read by the copy,
// lookup and results statements) and set `need`; `dims` gives the values lengths cannot tell
// apart; a stream's state then goes through JavaScript arrays. Such bundles split only their
// affine kernels between threads (program.ts); the sizes table lives in the shared memory,
// written before a run, so the workers' kernels read the same sizes.

import { NO_STREAM_ERROR } from '../stream-runtime.ts';

const LOAD_SOURCE = `export async function load(options = {}) {
  let code = bytesOfBase64(SIMD_MODULE_BASE64);
  let relaxedSimd = false;
  if (RELAXED_MODULE_BASE64 !== null && options.relaxedSimd !== false) {
    const relaxed = bytesOfBase64(RELAXED_MODULE_BASE64);
    if (WebAssembly.validate(relaxed)) {
      code = relaxed;
      relaxedSimd = true;
    }
  }
/*THREADED*/
  let plan = await threadPlan(options.threads);
  const memoryFor = (threads) => {
    const shared = threads > 1;
    const bytes = needFor(1, threads);
    return new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536), maximum: MEMORY_MAX_PAGES, shared });
  };
  let memory;
  try {
    memory = memoryFor(plan.threads);
  } catch (error) {
    if (plan.threads === 1) throw error;
    plan = { threads: 1, reason: "a shared memory could not be made (" + String(error) + ")" };
    memory = memoryFor(1);
  }
  const threads = plan.threads;
  // The module imports its memory unshared; a shared memory needs the import marked shared.
  code[MEMORY_FLAGS_AT] = threads > 1 ? 0x03 : 0x01;
/*SINGLE*/
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new RangeError("fusegraph: threads must be a positive integer, got " + String(options.threads));
  }
  const threads = 1;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(needFor(1, 1) / 65536), maximum: MEMORY_MAX_PAGES });
/*END*/
  const module = await WebAssembly.compile(code);
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const kernels = instance.exports.run;
/*THREADED*/
  const work = instance.exports.work;
/*END*/
  const image = widenWeights(WEIGHTS_BASE64 !== null ? bytesOfBase64(WEIGHTS_BASE64) : await fetchWeights(options));
  if (image.byteLength !== IMAGE_BYTES) throw new Error("fusegraph: expected " + IMAGE_BYTES + " bytes of weights, got " + image.byteLength);
  new Uint8Array(memory.buffer).set(image, 0);
/*THREADED*/
  // The worker pool, started once by the first run() (runSync never needs it); why it could
  // not start, if it could not (runs then stay on the calling thread).
  let pool = null;
  let starting = null;
  let failed = null;
  // A threaded run in flight (browser pools run while the caller awaits), and the queue of runs.
  let busy = false;
  let queue = Promise.resolve();
/*END*/
  let heap = new Float32Array(memory.buffer);
  let open = true;
  // Which stream's state the input regions hold (null after a plain run overwrote them).
  let owner = null;
  // Several symbols: this call's run-time sizes.
  let slots = null;
  function usable() {
    if (!open) throw new Error("fusegraph: this session was disposed");
/*THREADED*/
    if (busy) throw new Error("fusegraph: a threaded run of this session is in progress; await it first");
/*END*/
  }
  function prepare(batch, bytes = 0) {
    const need = needFor(batch, threads, bytes);
    if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    if (heap.buffer !== memory.buffer) heap = new Float32Array(memory.buffer);
  }
  function writeFeeds(feeds, dims) {
    checkFeedNames(feeds, INPUT_NAMES);
    let batch = 0;
    let need = 0;
    /*FEEDS*/
    if (batch === 0) batch = 1;
    prepare(batch, need);
    /*COPY*/
    return batch;
  }
  function readResults(batch) {
    /*RESULTS*/
  }
  // kernels(batch), turning a lookup kernel's trap into its error.
  function call(batch) {
    try {
      kernels(batch);
    } catch (error) {
      checkLookups();
      throw error;
    }
  }
  // Throws a lookup kernel's RangeError where one trapped on a bad id (its record, lookup-kernel.ts).
  function checkLookups() {
    /*LOOKUPS*/
  }
  function runSync(feeds, dims) {
    usable();
    owner = null;
    const batch = writeFeeds(feeds, dims);
    call(batch);
    return readResults(batch);
  }
/*THREADED*/
  // Ends a pool a thread of which failed or ended, so that the next run starts a new one.
  async function endPool() {
    const ended = pool;
    pool = null;
    starting = null;
    if (ended !== null) await ended.stop();
  }
  async function runThreaded(feeds, dims) {
    usable();
    owner = null;
    const batch = writeFeeds(feeds, dims);
    // Below every kernel's split batch, threads would only wait at barriers: run here alone.
    if (batch < SPLIT_FROM_BATCH) {
      call(batch);
      return readResults(batch);
    }
    busy = true;
    try {
      // A worker that ended since the last run (e.g. terminated) leaves a pool that cannot run.
      if (pool !== null && pool.broken()) await endPool();
      if (pool === null && failed === null) {
        starting ??= startPool(plan, module, memory);
        try {
          pool = await starting;
        } catch (error) {
          failed = "the worker pool could not start (" + String(error) + ")";
        }
      }
      if (pool === null) {
        call(batch);
      } else {
        try {
          await pool.run(work, batch);
        } catch (error) {
          // A thread failed: no run waits forever (threads.ts, thread-pool-runtime.ts). The pool
          // is ended and the next run starts a new one; a bad lookup id gives its own error.
          const failure = await pool.failure(error);
          await endPool();
          if (open) checkLookups();
          throw failure;
        }
      }
    } finally {
      busy = false;
    }
    if (!open) throw new Error("fusegraph: this session was disposed during the run");
    return readResults(batch);
  }
/*END*/
/*NOSTREAM*/
  function stream() {
    usable();
    /*NOSTREAM_ERROR*/
  }
/*STREAM*/
  function stream(streamOptions) {
    usable();
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
    function reset() {
      usable();
      prepare(batch);
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
        usable();
        if (owner !== token) throw new Error("fusegraph: another run or stream used this session since this stream's last chunk; call reset() first");
        checkChunk(chunk, plan);
        prepare(batch);
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
/*END*/
  return {
    relaxedSimd,
/*THREADED*/
    get threads() {
      return failed === null ? threads : 1;
    },
    get threadsReason() {
      return failed ?? plan.reason;
    },
    runSync,
    stream,
    run(feeds, dims) {
      if (threads === 1) return new Promise((resolve) => resolve(runSync(feeds, dims)));
      // One threaded run at a time: a run starts when the one before it has ended.
      const result = queue.then(() => runThreaded(feeds, dims));
      queue = result.then(() => undefined, () => undefined);
      return result;
    },
    dispose() {
      open = false;
      if (starting === null) return Promise.resolve();
      return starting.then((started) => started.stop(), () => undefined);
    },
/*SINGLE*/
    threads,
    threadsReason: options.threads === 1 ? "one thread was asked for" : THREADS_UNAVAILABLE,
    runSync,
    stream,
    run(feeds, dims) {
      return new Promise((resolve) => resolve(runSync(feeds, dims)));
    },
    dispose() {
      open = false;
      return Promise.resolve();
    },
/*END*/
  };
}

/** Bytes a call needs: the layout's (or the run-time sizes' bytes), and threads 1, 2, …'s scratch past it. */
function needFor(batch, threads, bytes = 0) {
  const scratch = threads > 1 ? 16 + (threads - 1) * SCRATCH_STRIDE : 0;
  return (bytes !== 0 ? bytes : MEMORY_PER_SAMPLE * batch + MEMORY_FIXED) + scratch;
}`;

/**
 * `load` of a bundle with a thread pool (`threaded`) or without one, and with a working
 * stream() or one that only refuses (`stream`: some output has an input's shape): keeps the
 * lines of the sections that apply (from a `/*THREADED*\/`, `/*SINGLE*\/`, `/*STREAM*\/` or
 * `/*NOSTREAM*\/` line to the next marker line) and every line outside them, dropping the markers.
 */
export function wasmLoadSource(threaded: boolean, stream: boolean): string {
  const keep: Readonly<Record<string, boolean>> = { THREADED: threaded, SINGLE: !threaded, STREAM: stream, NOSTREAM: !stream, END: true };
  const kept: string[] = [];
  let section = true;
  for (const line of LOAD_SOURCE.split('\n')) {
    const marker = /^\/\*(THREADED|SINGLE|STREAM|NOSTREAM|END)\*\/$/.exec(line)?.[1];
    if (marker !== undefined) section = keep[marker] === true;
    else if (section) kept.push(line.trim() === '/*NOSTREAM_ERROR*/' ? `    ${NO_STREAM_ERROR}` : line);
  }
  return kept.join('\n');
}


/** stream() of a bundle with several symbols (run-time sizes), emitted only there. */
export { ARRAY_STREAM as WASM_ARRAY_STREAM } from '../array-stream.ts';
