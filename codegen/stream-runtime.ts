// The target-independent half of `session.stream({ state })`, included in every bundle: it
// checks the options against the bundle's `metadata` (each state output feeds an input of the
// same shape) and each pushed chunk. Where the state lives between chunks is the target's
// business (codegen/js/runtime.ts, codegen/wasm/runtime.ts, codegen/wgsl/runtime.ts).

/** Whether stream({ state }) can be given any state: some output has the shape of some input. */
export function streamPossible(inputs: readonly { readonly shape: readonly (number | string)[] }[], outputs: readonly { readonly shape: readonly (number | string)[] }[]): boolean {
  const shapes = new Set(inputs.map((t) => JSON.stringify(t.shape)));
  return outputs.some((t) => shapes.has(JSON.stringify(t.shape)));
}

/** stream() of a bundle where streamPossible is false (streamPlan would refuse every state). */
export const NO_STREAM_ERROR = 'throw new TypeError("fusegraph: stream({ state }) needs an output of the same shape as an input to carry as state; this model has none");';

/**
 * `streamPlan(options, metadata)` → { batch, pairs: [{ output, input, outName, inName, size,
 * initial }], others: [input names pushed per chunk] }; `checkChunk(chunk, plan)` refuses
 * chunks that feed state. Sizes are in f32 elements for the stream's batch.
 */
export const STREAM_PLAN = `function streamPlan(options, meta) {
  if (options === null || typeof options !== "object" || options.state === null || typeof options.state !== "object") {
    throw new TypeError("fusegraph: stream({ state }) needs state: an object mapping output names to the input each feeds");
  }
  const batch = options.batch === undefined ? 1 : options.batch;
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError("fusegraph: stream batch must be a positive integer, got " + batch);
  const dims = options.dims === null ? undefined : options.dims;
  const quote = (name) => JSON.stringify(name);
  const pairs = [];
  for (const outName of Object.keys(options.state)) {
    const inName = options.state[outName];
    const output = meta.outputs.findIndex((t) => t.name === outName);
    const input = meta.inputs.findIndex((t) => t.name === inName);
    if (output < 0) throw new TypeError("fusegraph: stream state names output " + quote(outName) + ", which the model does not have (outputs: " + meta.outputs.map((t) => quote(t.name)).join(", ") + ")");
    if (input < 0) throw new TypeError("fusegraph: stream state feeds " + quote(outName) + " to " + quote(inName) + ", which is not an input (inputs: " + meta.inputs.map((t) => quote(t.name)).join(", ") + ")");
    if (pairs.some((p) => p.input === input)) throw new TypeError("fusegraph: stream state feeds input " + quote(inName) + " twice");
    const outShape = meta.outputs[output].shape;
    const inShape = meta.inputs[input].shape;
    if (JSON.stringify(outShape) !== JSON.stringify(inShape)) {
      throw new TypeError("fusegraph: stream state " + quote(outName) + " [" + outShape.join(",") + "] cannot feed " + quote(inName) + " [" + inShape.join(",") + "]: the shapes differ");
    }
    // A symbol is the stream's batch unless options.dims binds it (bundles with several symbols).
    const size = inShape.reduce((n, d) => n * (typeof d === "number" ? d : dims !== undefined && Object.hasOwn(dims, d) ? dims[d] : batch), 1);
    const given = options.initial !== undefined && options.initial !== null && Object.hasOwn(options.initial, inName) ? options.initial[inName] : undefined;
    if (given !== undefined && (!(given instanceof Float32Array) || given.length !== size)) {
      throw new TypeError("fusegraph: stream initial " + quote(inName) + " must be a Float32Array of " + size + " values");
    }
    pairs.push({ output, input, outName, inName, size, initial: given === undefined ? undefined : given.slice() });
  }
  if (pairs.length === 0) throw new TypeError("fusegraph: stream state maps no output to an input");
  const others = meta.inputs.map((t) => t.name).filter((name) => !pairs.some((p) => p.inName === name));
  return { batch, pairs, others, dims };
}

function checkChunk(chunk, plan) {
  if (chunk === null || typeof chunk !== "object") throw new TypeError("fusegraph: push(chunk) needs an object of Float32Arrays");
  // Cheap checks first (a chunk holds as many names as the plan's other inputs, typically 1):
  // the full scan below runs only when a name is missing or one too many is given.
  let given = 0;
  for (const name of plan.others) if (Object.hasOwn(chunk, name)) given++;
  if (given === plan.others.length && Object.keys(chunk).length === given) return;
  const listed = plan.others.map((n) => JSON.stringify(n)).join(", ");
  for (const name of Object.keys(chunk)) {
    if (plan.others.includes(name)) continue;
    if (plan.pairs.some((p) => p.inName === name)) throw new TypeError("fusegraph: input " + JSON.stringify(name) + " is the stream's state; push() takes only " + listed);
    throw new TypeError("fusegraph: unknown input " + JSON.stringify(name) + " (push() takes " + listed + ")");
  }
}`;
