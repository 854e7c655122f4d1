// The pieces of `load()` that both WGSL hosts share, as fixed JavaScript the emitter includes
// in every WGSL bundle: the WebGPU flag numbers (so the bundle needs no WebGPU globals), the
// weights' length check and upload into one storage buffer per chunk, the bind group layout,
// pipelines and bind groups every kernel uses (params, its window of the weights, data), and the
// validation error scope's verdict. runtime.ts (one symbol) and runtime-sizes-host.ts (run-time
// sizes) differ in everything around them: the batch uniforms and the buffers' sizing.

export const WGSL_LOAD = `const USAGE_MAP_READ = 1;
const USAGE_COPY_SRC = 4;
const USAGE_COPY_DST = 8;
const USAGE_UNIFORM = 64;
const USAGE_STORAGE = 128;
const SHADER_STAGE_COMPUTE = 4;
const MAP_MODE_READ = 1;

function checkWeightBytes(bytes) {
  const constFloats = CONST_CHUNKS.reduce((sum, size) => sum + size, 0);
  if (bytes.byteLength !== constFloats * 4) {
    throw new Error("fusegraph: expected " + constFloats * 4 + " bytes of weights, got " + bytes.byteLength);
  }
}

/** One read-only storage buffer per chunk of CONST_CHUNKS (in f32 elements), filled from bytes. */
function weightChunks(device, bytes) {
  let start = 0;
  return CONST_CHUNKS.map((size, index) => {
    const chunk = device.createBuffer({ label: "fusegraph weights " + index, size: Math.max(16, Math.ceil(size / 4) * 16), usage: USAGE_STORAGE, mappedAtCreation: true });
    new Uint8Array(chunk.getMappedRange()).set(bytes.subarray(start * 4, (start + size) * 4));
    chunk.unmap();
    start += size;
    return chunk;
  });
}

function kernelBindGroupLayout(device) {
  return device.createBindGroupLayout({
    entries: [
      { binding: 0, visibility: SHADER_STAGE_COMPUTE, buffer: { type: "uniform" } },
      { binding: 1, visibility: SHADER_STAGE_COMPUTE, buffer: { type: "read-only-storage" } },
      { binding: 2, visibility: SHADER_STAGE_COMPUTE, buffer: { type: "storage" } },
    ],
  });
}

/** One compute pipeline per shader module, all over the one bind group layout. */
function kernelPipelines(device, bindGroupLayout, modules) {
  const layout = device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] });
  return Promise.all(modules.map((module, index) => device.createComputePipelineAsync({
    label: "fusegraph kernel " + index,
    layout,
    compute: { module, entryPoint: "main" },
  })));
}

/** A kernel's window of the weights: DISPATCH's [chunk, offset, size] in f32 elements, or none. */
function weightWindow(dispatch, chunks, empty) {
  const window = dispatch[2];
  return window === null ? { buffer: empty } : { buffer: chunks[window[0]], offset: window[1] * 4, size: Math.max(4, window[2] * 4) };
}

function kernelBindGroup(device, layout, params, consts, data) {
  return device.createBindGroup({
    layout,
    entries: [
      { binding: 0, resource: { buffer: params } },
      { binding: 1, resource: consts },
      { binding: 2, resource: { buffer: data } },
    ],
  });
}

/** Pops load()'s validation scope: anything WebGPU rejected fails the load. */
async function checkErrorScope(device) {
  const error = await device.popErrorScope();
  if (error !== null) throw new Error("fusegraph: WebGPU rejected the bundle: " + error.message);
}`;
