// stream() where the state travels through the result arrays, fed back as the next chunk's
// inputs: the JS bundle's, and the wasm bundle's with several symbols (its memory addresses
// change with the sizes). Included after STREAM_PLAN (stream-runtime.ts), whose
// streamPlan/checkChunk it uses.

/**
 * `arrayStream(streamOptions, runSync, checkOpen)` → { push, reset }. One feeds object serves
 * the whole stream: the state is the previous chunk's result arrays themselves, fed back
 * without a copy, so runSync allocates only the new results. No prototype: an input called
 * "__proto__" is then a plain property. `checkOpen` throws once the session is disposed.
 */
export const ARRAY_STREAM = `function arrayStream(streamOptions, runSync, checkOpen = () => {}) {
  const plan = streamPlan(streamOptions, metadata);
  const feeds = Object.create(null);
  const reset = () => {
    for (const p of plan.pairs) feeds[p.inName] = p.initial !== undefined ? p.initial.slice() : new Float32Array(p.size);
  };
  reset();
  return {
    push(chunk) {
      checkOpen();
      checkChunk(chunk, plan);
      for (const name of plan.others) feeds[name] = Object.hasOwn(chunk, name) ? chunk[name] : undefined;
      const results = runSync(feeds, plan.dims);
      for (const p of plan.pairs) feeds[p.inName] = results[p.outName];
      return results;
    },
    reset,
  };
}`;
