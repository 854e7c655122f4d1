// The WGSL bundle's device-level helpers, as fixed JavaScript the emitter includes: getting a
// device (with the optional features the shader variants use), checking maxBatch against its
// limits, making buffers, choosing each kernel's shader module by feature (a variant the
// device rejects falls back to the portable shader) and retiring buffers the GPU may still read.

export const WGSL_DEVICE = `// The optional features this bundle's shader variants use.
const WANTED_FEATURES = [
  ...(Object.keys(SUBGROUP_SHADERS).length > 0 ? ["subgroups"] : []),
  ...(Object.keys(F16_SHADERS).length > 0 ? ["shader-f16"] : []),
];

async function requestDevice() {
  const gpu = typeof navigator === "object" && navigator !== null ? navigator.gpu : undefined;
  if (gpu === undefined || gpu === null) {
    throw new Error("fusegraph: WebGPU is not available here (no navigator.gpu); pass load({ device })");
  }
  const adapter = (await gpu.requestAdapter()) ?? (await gpu.requestAdapter({ featureLevel: "compatibility" }));
  if (adapter === null) throw new Error("fusegraph: no WebGPU adapter is available");
  const requiredFeatures = WANTED_FEATURES.filter((feature) => adapter.features.has(feature));
  return adapter.requestDevice({ requiredFeatures });
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

/**
 * Each kernel's shader module: its f16 or subgroup variant where the device has the feature
 * and compiles it (a browser without a newer builtin rejects it: the portable shader runs
 * instead), else the portable one. Returns the modules and which variants are in use.
 */
async function shaderModules(device) {
  const has = (feature) => device.features !== undefined && device.features.has(feature);
  const f16Wanted = Object.keys(F16_SHADERS).length > 0;
  const tries = SHADERS.map((_, index) => {
    const variant = has("shader-f16") && Object.hasOwn(F16_SHADERS, index) ? ["f16", F16_SHADERS[index]]
      : has("subgroups") && Object.hasOwn(SUBGROUP_SHADERS, index) ? ["subgroups", SUBGROUP_SHADERS[index]] : null;
    if (variant === null) return null;
    device.pushErrorScope("validation");
    const module = device.createShaderModule({ label: "fusegraph kernel " + index + " (" + variant[0] + ")", code: variant[1] });
    return { kind: variant[0], module, error: device.popErrorScope() };
  });
  const used = { f16: 0, subgroups: 0 };
  let rejected = null;
  const modules = [];
  for (const [index, attempt] of tries.entries()) {
    const error = attempt === null ? null : await attempt.error;
    if (attempt !== null && error === null) {
      used[attempt.kind] += 1;
      modules.push(attempt.module);
      continue;
    }
    if (attempt !== null && attempt.kind === "f16" && rejected === null) rejected = error.message;
    modules.push(device.createShaderModule({ label: "fusegraph kernel " + index, code: SHADERS[index] }));
  }
  const f16Fallback = !f16Wanted || used.f16 > 0 && rejected === null ? null
    : rejected !== null ? "the device rejected an f16 shader (" + rejected + "): f32 kernels run instead"
    : "the device lacks the shader-f16 feature (load() requests it when it creates the device; a given device must have been created with requiredFeatures: ['shader-f16']): f32 kernels run instead";
  const features = Object.freeze({ subgroups: used.subgroups > 0, f16: used.f16 > 0, f16Fallback });
  return { modules, features };
}

/** A buffer the GPU may still read: destroyed once the work submitted so far is done. */
function retire(device, resource) {
  device.queue.onSubmittedWorkDone().then(() => resource.destroy(), () => resource.destroy());
}`;
