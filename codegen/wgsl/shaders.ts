// One WGSL compute shader per kernel, from a table TypeScript checks is complete, each with
// the window of weights it binds and checked against the limits as it is made.

import { CompileError } from '../../ir/errors.ts';
import { kernelReads } from '../kernel-info.ts';
import type { Kernel, KernelKind, LoweredProgram } from '../affine-kernels.ts';
import { elementwiseShader } from './elementwise-shader.ts';
import type { GpuLayout } from './layout.ts';
import { convShader } from './conv-shader.ts';
import { gatherShader } from './gather-shader.ts';
import { checkShader, type WgslLimits } from './limits.ts';
import { linearShader } from './linear-shader.ts';
import { lookupShader } from './lookup-shader.ts';
import { matmulShader } from './matmul-shader.ts';
import { recurrenceShader } from './recurrence-shader.ts';
import { reduceShader } from './reduce-shader.ts';
import { resizeShader } from './resize-shader.ts';
import type { ConstWindow, KernelLayout, ShaderPlan } from './shader-common.ts';
import { attentionShader, layerNormShader } from './sequence-shaders.ts';
import { softmaxShader } from './softmax-shader.ts';
import type * as K from '../kernels.ts';
import type { RuntimeProgram } from '../runtime-program.ts';
import type { RuntimeSizes } from '../runtime-sizes.ts';
import { generalElementwiseShader, generalGatherShader, generalMatmulShader, generalReduceShader, generalSoftmaxShader } from './general-shaders.ts';

type KernelOf<K extends KernelKind> = Extract<Kernel, { kind: K }>;
type ShaderEmitter<K extends KernelKind> = (kernel: KernelOf<K>, layout: KernelLayout) => ShaderPlan;

const SHADER_EMITTERS: { readonly [K in KernelKind]: ShaderEmitter<K> } = {
  elementwise: elementwiseShader,
  linear: linearShader,
  matmul: matmulShader,
  softmax: softmaxShader,
  conv: convShader,
  reduce: reduceShader,
  gather: gatherShader,
  resize: resizeShader,
  lookup: lookupShader,
  recurrence: recurrenceShader,
  layer_norm: layerNormShader,
  attention: attentionShader,
};

/**
 * The kinds with a general shader (sizes that are run-time values anywhere: several symbols),
 * for kernels the affine shaders cannot take (codegen/runtime-program.ts).
 */
const GENERAL_SHADERS: { readonly [T in K.KernelKind]?: (kernel: Extract<K.Kernel, { kind: T }>, sizes: RuntimeSizes, layout: KernelLayout) => ShaderPlan } = {
  elementwise: generalElementwiseShader,
  gather: generalGatherShader,
  matmul: generalMatmulShader,
  softmax: generalSoftmaxShader,
  reduce: generalReduceShader,
};

export const WGSL_GENERAL_KINDS: ReadonlySet<K.KernelKind> = new Set(Object.keys(GENERAL_SHADERS) as K.KernelKind[]);

function generalShader(kernel: K.Kernel, sizes: RuntimeSizes, layout: KernelLayout): ShaderPlan {
  const emit = GENERAL_SHADERS[kernel.kind] as ((k: K.Kernel, s: RuntimeSizes, l: KernelLayout) => ShaderPlan) | undefined;
  if (emit === undefined) throw new Error(`internal: no general WGSL shader for ${kernel.kind}`);
  return emit(kernel, sizes, layout);
}

/** The span of one weight chunk that covers every constant the kernel reads. */
function constWindow(kernel: K.Kernel<K.SizeForm>, program: LoweredProgram, layout: GpuLayout, limits: WgslLimits): ConstWindow | undefined {
  const indices = kernelReads(kernel).flatMap((ref) => (ref.kind === 'const' ? [ref.index] : []));
  if (indices.length === 0) return undefined;
  const places = indices.map((index) => ({ place: layout.constants[index], size: program.constants[index]?.data.length ?? 0 }));
  const chunks = new Set(places.map(({ place }) => place?.chunk));
  const where = { node: kernel.label, op: kernel.op };
  if (chunks.size !== 1) throw new CompileError('WGSL target: the kernel\'s weights span two buffers of maxBufferSize', where);
  const offset = Math.min(...places.map(({ place }) => place?.offset ?? 0));
  const end = Math.max(...places.map(({ place, size }) => (place?.offset ?? 0) + size));
  if ((end - offset) * 4 > limits.maxStorageBufferBindingSize) {
    throw new CompileError(`WGSL target: the kernel reads ${(end - offset) * 4} bytes of weights, more than one storage binding holds (maxStorageBufferBindingSize ${limits.maxStorageBufferBindingSize})`, where);
  }
  return { chunk: places[0]?.place?.chunk ?? 0, offset, size: end - offset };
}

/** The kind's emitter, typed so that `kernel` is the kind's own kernel (a correlated lookup, no switch). */
function shaderFor<K extends KernelKind>(kind: K, kernel: KernelOf<K>, layout: KernelLayout): ShaderPlan {
  const emit: ShaderEmitter<K> = SHADER_EMITTERS[kind];
  return emit(kernel, layout);
}

/** The shaders of a program, in execution order, each within the limits; with `runtime`, of its kernels. */
export function programShaders(program: LoweredProgram, layout: GpuLayout, limits: WgslLimits, runtime?: RuntimeProgram): ShaderPlan[] {
  if (runtime !== undefined) {
    return runtime.kernels.map((item) => {
      const consts = constWindow(item.kernel, program, layout, limits);
      const kernelLayout = { ...layout, constBase: consts?.offset ?? 0 };
      const plan = item.form === 'affine' ? shaderFor(item.kernel.kind, item.kernel, kernelLayout) : generalShader(item.kernel, runtime.sizes, kernelLayout);
      checkShader(item.kernel, plan, limits);
      return consts === undefined ? plan : { ...plan, consts };
    });
  }
  return program.kernels.map((kernel) => {
    const consts = constWindow(kernel, program, layout, limits);
    const plan = shaderFor(kernel.kind, kernel, { ...layout, constBase: consts?.offset ?? 0 });
    checkShader(kernel, plan, limits);
    return consts === undefined ? plan : { ...plan, consts };
  });
}
