// The conv kernel's WGSL shader: tiled implicit GEMM for the common case, a depthwise shader
// when each output channel reads one input channel, and a direct one for transposed windows.

import type { ConvKernel } from '../affine-kernels.ts';
import { convDepthwiseShader } from './conv-depthwise-shader.ts';
import { convDirectShader } from './conv-direct-shader.ts';
import { convGemmShader } from './conv-gemm-shader.ts';
import type { KernelLayout, ShaderPlan } from './shader-common.ts';

export function convShader(kernel: ConvKernel, layout: KernelLayout): ShaderPlan {
  // A transposed window reads the input at 1/stride: only the direct shader tests divisibility.
  if (kernel.spatial.some((axis) => axis.divisor !== 1)) return convDirectShader(kernel, layout);
  if (kernel.groupIn === 1) return convDepthwiseShader(kernel, layout);
  return convGemmShader(kernel, layout);
}
