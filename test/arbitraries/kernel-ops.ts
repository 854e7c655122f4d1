// Op lists for tests. KERNEL_OPS: the ops the code generators have kernels for, which the
// backend differential tests (JS, WASM, WGSL, shader validation, onnxruntime vs bundle)
// generate. Elementwise ops come from their scalar bodies on every backend; the others are
// listed by name, so an op added to the table reaches the backend tests only when its kernels
// land and it is added here.

import { OPS, type OpName } from '../../ir/ops/index.ts';
import { GENERATED_OPS } from './op-generators.ts';
import { REGION_GENERATORS } from './region-generators.ts';
import { WINDOW_GENERATORS } from './window-generators.ts';

/** Non-elementwise ops with a kernel on every backend (see codegen/lower.ts LOWERINGS). */
const KERNEL_OPS_BY_NAME: readonly OpName[] = [
  'linear', 'matmul', 'softmax', 'reshape', 'flatten', 'transpose', 'lstm', 'gru', 'rnn', 'layer_norm', 'attention',
  ...(Object.keys(WINDOW_GENERATORS) as OpName[]), ...(Object.keys(REGION_GENERATORS) as OpName[]),
];

/** Ops a graph for the backend tests may contain. */
export const KERNEL_OPS: readonly OpName[] = GENERATED_OPS.filter(
  (op) => OPS[op].elementwise !== undefined || KERNEL_OPS_BY_NAME.includes(op),
);

/** The ops of convolutional networks (issue 10): windows, reductions, regions, resize and their activations. */
export const CNN_OPS: readonly OpName[] = [
  ...(Object.keys(WINDOW_GENERATORS) as OpName[]),
  ...(Object.keys(REGION_GENERATORS) as OpName[]),
  'clip', 'hard_sigmoid', 'hard_swish',
];
