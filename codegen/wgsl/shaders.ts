// One WGSL compute shader per kernel, from a table TypeScript checks is complete, each
// checked against WebGPU's default limits as it is made.

import type { Kernel, KernelKind, LoweredProgram } from '../kernels.ts';
import { elementwiseShader } from './elementwise-shader.ts';
import type { GpuLayout } from './layout.ts';
import { checkShader } from './limits.ts';
import { linearShader } from './linear-shader.ts';
import { matmulShader } from './matmul-shader.ts';
import type { ShaderPlan } from './shader-common.ts';
import { softmaxShader } from './softmax-shader.ts';

type ShaderEmitter<K extends KernelKind> = (kernel: Extract<Kernel, { kind: K }>, layout: GpuLayout) => ShaderPlan;

const SHADER_EMITTERS: { readonly [K in KernelKind]: ShaderEmitter<K> } = {
  elementwise: elementwiseShader,
  linear: linearShader,
  matmul: matmulShader,
  softmax: softmaxShader,
};

function shaderFor(kernel: Kernel, layout: GpuLayout): ShaderPlan {
  switch (kernel.kind) {
    case 'elementwise': return SHADER_EMITTERS.elementwise(kernel, layout);
    case 'linear': return SHADER_EMITTERS.linear(kernel, layout);
    case 'matmul': return SHADER_EMITTERS.matmul(kernel, layout);
    case 'softmax': return SHADER_EMITTERS.softmax(kernel, layout);
    default: {
      const never: never = kernel;
      throw new Error(`internal: unknown kernel ${String(never)}`);
    }
  }
}

/** The shaders of a program, in execution order, each within the default limits. */
export function programShaders(program: LoweredProgram, layout: GpuLayout): ShaderPlan[] {
  return program.kernels.map((kernel) => {
    const plan = shaderFor(kernel, layout);
    checkShader(kernel, plan);
    return plan;
  });
}
