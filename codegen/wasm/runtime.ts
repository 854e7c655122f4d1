// The fixed JavaScript of every wasm bundle's `load`: pick the relaxed-SIMD module when the
// engine validates it (else the plain SIMD one), instantiate it with no imports, copy the
// weight image into linear memory, and return a session whose `runSync` grows memory only
// for a larger batch, copies the feeds in and the results out, and allocates nothing else.
// Placeholders `/*FEEDS*/` and `/*RESULTS*/` are filled by emit-bundle.ts with compiler-made
// code only.

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
  function runSync(feeds) {
    if (!open) throw new Error("fusegraph: this session was disposed");
    checkFeedNames(feeds, INPUT_NAMES);
    let batch = 0;
    /*FEEDS*/
    if (batch === 0) batch = 1;
    const need = MEMORY_PER_SAMPLE * batch + MEMORY_FIXED;
    if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    if (heap.buffer !== memory.buffer) heap = new Float32Array(memory.buffer);
    /*RESULTS*/
  }
  return {
    relaxedSimd,
    runSync,
    async run(feeds) {
      return runSync(feeds);
    },
    dispose() {
      open = false;
    },
  };
}`;
