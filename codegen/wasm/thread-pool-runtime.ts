// The JavaScript of a wasm bundle's thread pool, included as text: how many threads a load
// gets (and why), and the workers, created once (by the session's first threaded run; a load
// or runSync alone never pays for them), each instantiating the same module
// on the same shared memory and waiting on the control words for the next run. In Node the
// caller is thread 0 and blocks in the run (as runSync does); in a browser the caller must not
// block, so every computing thread is a worker and the caller awaits thread 0's word (with
// Atomics.waitAsync where the engine has it, else thread 0's message).
// Control words (i32 index from CONTROL_ADDRESS): 0, 1 unused; 2 the run's generation; 3 stop;
// 4 the run's batch; 5 the generation of the last run thread 0 finished; 6 broken: 0, or what
// first went wrong in a run (kind | thread << 8; kind 1 an error or trap in the thread's work,
// 2 the worker exited, 3 its 'error'/'exit' event); 8–9 and 10–11 the i64 claim and done words
// (threads.ts), which each run starts at its generation << 32. A thread that fails sets the
// broken word and wakes the waiting threads; their waits then trap instead of sleeping on (they
// also wake every 10 ms to look, see threads.ts), so a run never hangs. The session then ends
// the pool and rejects the run with an error naming what happened; its next run starts a new
// pool (runtime.ts). A thread that never starts its part of a run holds nothing back: the
// others claim its chunks (threads.ts).

/** The worker's whole source: runs in Node (`new Worker(source, { eval: true })`) and in a browser (a Blob URL). */
const WORKER_SOURCE = `"use strict";
function serve(data, post, onExit) {
  const instance = new WebAssembly.Instance(data.module, { env: { memory: data.memory } });
  const words = new Int32Array(data.memory.buffer, data.control, 16);
  const work = instance.exports.work;
  // The first failure wins; threads asleep at a barrier or awaiting thread 0 are woken.
  const fail = (kind) => {
    Atomics.compareExchange(words, 6, 0, kind | (data.thread << 8));
    Atomics.notify(words, 10);
    Atomics.notify(words, 5);
  };
  // A worker that exits other than by the pool's stop (process.exit in Node) breaks the run.
  onExit(() => {
    if (Atomics.load(words, 3) === 0) fail(2);
  });
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
    try {
      work(Atomics.load(words, 4), data.thread, data.threads, go);
    } catch (error) {
      fail(1);
      throw error;
    }
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
    serve(event.data, (message) => self.postMessage(message), () => undefined);
  };
} else {
  const { workerData, parentPort } = require("node:worker_threads");
  serve(workerData, (message) => parentPort.postMessage(message), (listener) => process.on("exit", listener));
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

/** Marks the run broken (the first failure wins) and wakes every waiting thread. */
function breakRun(words, kind, thread) {
  Atomics.compareExchange(words, 6, 0, kind | (thread << 8));
  Atomics.notify(words, 10);
  Atomics.notify(words, 5);
}

/**
 * Starts a run (after the previous one ended): its claim and done words, then the batch and
 * the generation the workers wait on. Returns the run's generation.
 */
function beginRun(words, claims, batch) {
  const gen = (Atomics.load(words, 2) + 1) | 0;
  const tag = BigInt.asIntN(64, BigInt(gen >>> 0) << 32n);
  Atomics.store(claims, 0, tag);
  Atomics.store(claims, 1, tag);
  // A thread still waiting on the last run's done word sees that run is over.
  Atomics.notify(words, 10);
  Atomics.store(words, 4, batch);
  Atomics.store(words, 2, gen);
  Atomics.notify(words, 2);
  return gen;
}

/** Per worker, what its events said when it ended: its first error, its exit code, and a promise of its end. */
function watchEnd() {
  const end = { error: null, code: null, ended: null, settle: null };
  end.ended = new Promise((resolve) => { end.settle = resolve; });
  return end;
}

/** A Node pool: threads 1.. as workers, the caller as thread 0 (Node lets it block). */
async function startNodePool(plan, module, memory, words, claims, ends) {
  const workers = [];
  // Once the pool is stopped its workers' events say nothing about a later pool's runs.
  let stopped = false;
  try {
    for (let thread = 1; thread < plan.threads; thread++) {
      const workerData = { module, memory, control: CONTROL_ADDRESS, thread, threads: plan.threads, report: null };
      const worker = new plan.host.Worker(WORKER_SOURCE, { eval: true, workerData });
      workers.push(worker);
      const end = watchEnd();
      ends[thread] = end;
      // A worker that errs or ends breaks the run it is in (and the pool, for the next run).
      worker.on("error", (error) => {
        end.error ??= error;
        if (!stopped) breakRun(words, 3, thread);
      });
      worker.on("exit", (code) => {
        end.code = code;
        if (!stopped && Atomics.load(words, 3) === 0) breakRun(words, 3, thread);
        end.settle();
      });
    }
    await Promise.all(workers.map((worker, index) => new Promise((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      ends[index + 1].ended.then(() => reject(new Error("worker " + (index + 1) + " exited while starting")));
    })));
  } catch (error) {
    Atomics.store(words, 3, 1);
    await Promise.all(workers.map((worker) => worker.terminate()));
    throw error;
  }
  // A forgotten session must not keep the process alive.
  for (const worker of workers) worker.unref();
  return {
    run(work, batch) {
      const gen = beginRun(words, claims, batch);
      try {
        work(batch, 0, plan.threads, gen);
      } catch (error) {
        // This thread failed (or trapped at a barrier because another did).
        breakRun(words, 1, 0);
        throw error;
      }
    },
    async stop() {
      stopped = true;
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}

/** A browser pool: every thread a worker (the page's thread must not block); thread 0 says when a run is done. */
async function startBrowserPool(plan, module, memory, words, claims, ends) {
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const workers = [];
  let done = null;
  // Once the pool is stopped its workers' events say nothing about a later pool's runs.
  let stopped = false;
  // Thread 0 says a run is done in a control word the caller awaits with Atomics.waitAsync, or,
  // where the engine lacks it, in a message as well.
  const waitAsync = typeof Atomics.waitAsync === "function";
  try {
    for (let thread = 0; thread < plan.threads; thread++) {
      const worker = new Worker(url);
      workers.push(worker);
      ends[thread] = watchEnd();
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
  const finish = () => {
    const resolve = done;
    done = null;
    if (resolve !== null) resolve();
  };
  workers[0].onmessage = finish;
  // A worker's uncaught error (its share trapped or threw) breaks the run; the worker is gone.
  workers.forEach((worker, thread) => {
    worker.onerror = (event) => {
      if (stopped) return;
      const end = ends[thread];
      end.error ??= event.message || "an error";
      breakRun(words, 3, thread);
      end.settle();
      finish();
    };
  });
  return {
    async run(work, batch) {
      const finished = waitAsync ? null : new Promise((resolve) => { done = resolve; });
      const generation = beginRun(words, claims, batch);
      if (!waitAsync) await finished;
      for (;;) {
        const seen = Atomics.load(words, 5);
        // A run the session's dispose() cut short ends here (the caller then refuses it).
        if (seen === generation || Atomics.load(words, 3) !== 0) return;
        if (Atomics.load(words, 6) !== 0) throw new Error("fusegraph: a thread of the run failed");
        const result = Atomics.waitAsync(words, 5, seen);
        if (result.async) await result.value;
      }
    },
    async stop() {
      stopped = true;
      for (const worker of workers) worker.terminate();
      // Wake a caller awaiting a run the workers will not finish.
      Atomics.notify(words, 5);
      finish();
    },
  };
}

/** The error a broken run ends with, from the broken word and what the failing thread's events said. */
function runFailure(word, ends, threads, thrown) {
  const kind = word & 255;
  const thread = word >> 8;
  const end = ends[thread];
  const which = thread === 0 && end === undefined ? "the calling thread (thread 0 of " + threads + ")" : "worker thread " + thread + " of " + threads;
  const code = end?.code != null ? " (exit code " + end.code + ")" : "";
  let message;
  if (word === 0) message = "a threaded run failed: " + String(thrown);
  else if (kind === 2) message = which + " exited during the run" + code;
  else if (kind === 1) message = which + " failed during the run: " + String(end === undefined ? thrown : end.error ?? thrown);
  else message = which + " ended during the run" + (end?.error != null ? ": " + String(end.error) : code);
  return new Error("fusegraph: " + message + "; the thread pool was ended, and the next run starts a new one", { cause: end?.error ?? thrown });
}

async function startPool(plan, module, memory) {
  const words = new Int32Array(memory.buffer, CONTROL_ADDRESS, 16);
  const claims = new BigInt64Array(memory.buffer, CONTROL_ADDRESS + 32, 2);
  // A pool that follows a broken one starts from clean words (the old workers have ended).
  Atomics.store(words, 0, 0);
  Atomics.store(words, 3, 0);
  Atomics.store(words, 6, 0);
  const ends = [];
  const pool = await (plan.host !== null ? startNodePool(plan, module, memory, words, claims, ends) : startBrowserPool(plan, module, memory, words, claims, ends));
  let stopped = null;
  /** Tells the workers to return, then ends them. */
  function stop() {
    if (stopped === null) {
      Atomics.store(words, 3, 1);
      Atomics.add(words, 2, 1);
      Atomics.notify(words, 2);
      stopped = pool.stop();
    }
    return stopped;
  }
  return {
    threads: plan.threads,
    run: pool.run,
    stop,
    /** Whether a thread failed or ended (in a run, or since): the pool cannot run again. */
    broken() {
      return Atomics.load(words, 6) !== 0;
    },
    /**
     * After a run threw: waits a moment for the failing worker's events (its error, its exit
     * code), ends the pool, and returns the error that names what happened.
     */
    async failure(thrown) {
      const word = Atomics.load(words, 6);
      const end = ends[word >> 8];
      if (word !== 0 && end !== undefined) await Promise.race([end.ended, new Promise((resolve) => setTimeout(resolve, 500))]);
      await stop();
      return runFailure(word, ends, plan.threads, thrown);
    },
  };
}`;
