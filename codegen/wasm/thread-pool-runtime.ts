// The JavaScript of a wasm bundle's thread pool, included as text: how many threads a load
// gets (and why), and the workers, created once (by the session's first threaded run; a load
// or runSync alone never pays for them), each instantiating the same module
// on the same shared memory and waiting on the control words for the next run. In Node the
// caller is thread 0 and blocks in the run (as runSync does); in a browser the caller must not
// block, so every computing thread is a worker and the caller awaits thread 0's word (with
// Atomics.waitAsync where the engine has it, else thread 0's message).
// Control words (i32 index from CONTROL_ADDRESS): 0, 1 the barrier (threads.ts); 2 the run's
// generation; 3 stop; 4 the run's batch; 5 the generation of the last run thread 0 finished.

/** The worker's whole source: runs in Node (`new Worker(source, { eval: true })`) and in a browser (a Blob URL). */
const WORKER_SOURCE = `"use strict";
function serve(data, post) {
  const instance = new WebAssembly.Instance(data.module, { env: { memory: data.memory } });
  const words = new Int32Array(data.memory.buffer, data.control, 8);
  const work = instance.exports.work;
  // Read before saying ready: the first run may start the moment the caller hears it.
  let seen = Atomics.load(words, 2);
  post("ready");
  for (;;) {
    let go = Atomics.load(words, 2);
    // Calls often follow each other closely: spin a little before sleeping.
    for (let spin = 0; go === seen && spin < 20000; spin++) go = Atomics.load(words, 2);
    while (go === seen) {
      Atomics.wait(words, 2, seen);
      go = Atomics.load(words, 2);
    }
    seen = go;
    if (Atomics.load(words, 3) !== 0) return;
    work(Atomics.load(words, 4), data.thread, data.threads);
    if (data.report !== null) {
      Atomics.store(words, 5, go);
      Atomics.notify(words, 5);
      if (data.report === "message") post("done");
    }
  }
}
if (typeof WorkerGlobalScope !== "undefined") {
  self.onmessage = (event) => {
    self.onmessage = null;
    serve(event.data, (message) => self.postMessage(message));
  };
} else {
  const { workerData, parentPort } = require("node:worker_threads");
  serve(workerData, (message) => parentPort.postMessage(message));
}
`;

export const THREAD_POOL = `const WORKER_SOURCE = ${JSON.stringify(WORKER_SOURCE)};

/** The default thread count is the machine's parallelism, at most this many. */
const DEFAULT_MAX_THREADS = 8;

function isNode() {
  return typeof process === "object" && process !== null && process.versions != null && typeof process.versions.node === "string";
}

/** How many threads this load gets, why, and in Node the worker_threads module. */
async function threadPlan(requested) {
  if (requested !== undefined && (!Number.isInteger(requested) || requested < 1)) {
    throw new RangeError("fusegraph: threads must be a positive integer, got " + String(requested));
  }
  if (requested === 1) return { threads: 1, reason: "one thread was asked for" };
  if (THREADS_UNAVAILABLE !== null) return { threads: 1, reason: THREADS_UNAVAILABLE };
  if (typeof SharedArrayBuffer !== "function" || typeof Atomics !== "object") {
    return { threads: 1, reason: "SharedArrayBuffer is unavailable here (a web page must be cross-origin isolated to have it)" };
  }
  let available;
  let host = null;
  if (isNode()) {
    const threadsModule = "node:worker_threads";
    const osModule = "node:os";
    host = await import(/* @vite-ignore */ threadsModule);
    const os = await import(/* @vite-ignore */ osModule);
    available = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  } else {
    if (typeof Worker !== "function" || typeof Blob !== "function" || typeof URL.createObjectURL !== "function") {
      return { threads: 1, reason: "this environment cannot start workers" };
    }
    available = typeof navigator === "object" && navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : 1;
  }
  const threads = requested ?? Math.min(DEFAULT_MAX_THREADS, available);
  if (threads === 1) return { threads: 1, reason: "the machine offers one thread" };
  const reason = requested !== undefined
    ? requested + " threads were asked for"
    : "the machine's available parallelism (" + available + "), at most " + DEFAULT_MAX_THREADS;
  return { threads, reason, host };
}

/** A Node pool: threads 1.. as workers, the caller as thread 0 (Node lets it block). */
async function startNodePool(plan, module, memory, words) {
  const workers = [];
  try {
    for (let thread = 1; thread < plan.threads; thread++) {
      const workerData = { module, memory, control: CONTROL_ADDRESS, thread, threads: plan.threads, report: null };
      workers.push(new plan.host.Worker(WORKER_SOURCE, { eval: true, workerData }));
    }
    await Promise.all(workers.map((worker) => new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    })));
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  }
  // A forgotten session must not keep the process alive.
  for (const worker of workers) worker.unref();
  return {
    run(work, batch) {
      Atomics.store(words, 4, batch);
      Atomics.add(words, 2, 1);
      Atomics.notify(words, 2);
      work(batch, 0, plan.threads);
    },
    async stop() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}

/** A browser pool: every thread a worker (the page's thread must not block); thread 0 says when a run is done. */
async function startBrowserPool(plan, module, memory, words) {
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const workers = [];
  let done = null;
  // Thread 0 says a run is done in a control word the caller awaits with Atomics.waitAsync, or,
  // where the engine lacks it, in a message as well.
  const waitAsync = typeof Atomics.waitAsync === "function";
  try {
    for (let thread = 0; thread < plan.threads; thread++) {
      const worker = new Worker(url);
      workers.push(worker);
      const report = thread !== 0 ? null : waitAsync ? "word" : "message";
      worker.postMessage({ module, memory, control: CONTROL_ADDRESS, thread, threads: plan.threads, report });
    }
    await Promise.all(workers.map((worker) => new Promise((resolve, reject) => {
      worker.onmessage = resolve;
      worker.onerror = reject;
    })));
  } catch (error) {
    for (const worker of workers) worker.terminate();
    throw error;
  } finally {
    URL.revokeObjectURL(url);
  }
  workers[0].onmessage = () => {
    const resolve = done;
    done = null;
    if (resolve !== null) resolve();
  };
  return {
    run(work, batch) {
      Atomics.store(words, 4, batch);
      const generation = Atomics.add(words, 2, 1) + 1;
      const finished = waitAsync ? null : new Promise((resolve) => { done = resolve; });
      Atomics.notify(words, 2);
      if (!waitAsync) return finished;
      return (async () => {
        for (;;) {
          const seen = Atomics.load(words, 5);
          // A run the session's dispose() cut short ends here (the caller then refuses it).
          if (seen === generation || Atomics.load(words, 3) !== 0) return;
          const result = Atomics.waitAsync(words, 5, seen);
          if (result.async) await result.value;
        }
      })();
    },
    async stop() {
      for (const worker of workers) worker.terminate();
      // Wake a caller awaiting a run the workers will not finish.
      Atomics.notify(words, 5);
      if (done !== null) done();
    },
  };
}

async function startPool(plan, module, memory) {
  const words = new Int32Array(memory.buffer, CONTROL_ADDRESS, 8);
  const pool = await (plan.host !== null ? startNodePool(plan, module, memory, words) : startBrowserPool(plan, module, memory, words));
  return {
    threads: plan.threads,
    run: pool.run,
    /** Tells the workers to return, then ends them. */
    stop() {
      Atomics.store(words, 3, 1);
      Atomics.add(words, 2, 1);
      Atomics.notify(words, 2);
      return pool.stop();
    },
  };
}`;
