// A PyTorch-like way to define models: `sequential(linear(784, 128), relu(), linear(128, 10))`.
// Parameters carry PyTorch's names (`0.weight`, `fc1.bias`) and PyTorch's default
// initialisation from a seeded PRNG, or real weights supplied by name.

import { CompileError } from '../ir/errors.ts';
import { renameValue, type Graph } from '../ir/graph.ts';
import type { DType, Shape } from '../ir/types.ts';
import { GraphBuilder, type Value } from './builder.ts';
import { joinName, leaf, uniformParameter, type BuildContext, type Module, type ParameterSpec } from './nn-module.ts';
import { Random } from './random.ts';

export type { BuildContext, Module, ParameterSpec } from './nn-module.ts';
export { embedding, type EmbeddingOptions } from './nn-embedding.ts';
export { conv1d, conv2d, convTranspose1d, convTranspose2d, type ConvModuleOptions, type ConvTransposeModuleOptions } from './nn-conv.ts';
export {
  adaptiveAvgPool1d, adaptiveAvgPool2d, adaptiveMaxPool1d, adaptiveMaxPool2d, avgPool1d, avgPool2d, batchNorm1d, batchNorm2d,
  maxPool1d, maxPool2d, upsample, type AvgPoolModuleOptions, type BatchNormOptions, type MaxPoolModuleOptions, type UpsampleOptions,
} from './nn-pool.ts';
export { gru, lstm, type RecurrentModuleOptions } from './nn-recurrent.ts';
export {
  layerNorm, multiheadAttention, transformerEncoderLayer, type MultiheadAttentionOptions, type TransformerEncoderLayerOptions,
} from './nn-sequence.ts';

/**
 * torch.nn.Linear(inFeatures, outFeatures): weight [out, in] and bias [out], both uniform in
 * ±1/sqrt(in) (kaiming_uniform with a = sqrt(5), as PyTorch initialises them).
 */
export function linear(inFeatures: number, outFeatures: number, options: { bias?: boolean } = {}): Module {
  const bound = 1 / Math.sqrt(inFeatures);
  const weight = uniformParameter('weight', [outFeatures, inFeatures], bound);
  const bias = uniformParameter('bias', [outFeatures], bound);
  const withBias = options.bias ?? true;
  const specs = withBias ? [weight, bias] : [weight];
  return {
    kind: 'linear',
    parameters: (prefix) => specs.map((spec) => ({ name: joinName(prefix, spec.name), spec })),
    build(x, context, prefix) {
      const w = context.parameter(joinName(prefix, 'weight'), weight);
      const b = withBias ? context.parameter(joinName(prefix, 'bias'), bias) : undefined;
      return context.builder.linear(x, w, b, undefined, [], context.builder.freshName(prefix === '' ? 'linear' : prefix));
    },
  };
}

export const relu = (): Module => leaf('relu', (x, b, name) => b.relu(x, name));
export const leakyRelu = (alpha = 0.01): Module => leaf('leaky_relu', (x, b, name) => b.leakyRelu(x, alpha, name));
export const elu = (alpha = 1): Module => leaf('elu', (x, b, name) => b.elu(x, alpha, name));
export const sigmoid = (): Module => leaf('sigmoid', (x, b, name) => b.sigmoid(x, name));
export const tanh = (): Module => leaf('tanh', (x, b, name) => b.tanh(x, name));
export const gelu = (approximate: 'none' | 'tanh' = 'none'): Module => leaf('gelu', (x, b, name) => b.gelu(x, approximate, name));
export const silu = (): Module => leaf('silu', (x, b, name) => b.silu(x, name));
export const softmax = (dim = -1): Module => leaf('softmax', (x, b, name) => b.softmax(x, dim, name));
export const identity = (): Module => leaf('identity', (x, b, name) => b.identity(x, name));
export const dropout = (p = 0.5): Module => leaf('dropout', (x, b, name) => b.dropout(x, p, name));
/** torch.nn.ReLU6: clip(x, 0, 6). */
export const relu6 = (): Module => leaf('relu6', (x, b, name) => b.clip(x, 0, 6, name));
/** torch.nn.Hardtanh(min_val, max_val): clip(x, min, max). */
export const hardtanh = (min = -1, max = 1): Module => leaf('hardtanh', (x, b, name) => b.clip(x, min, max, name));
/** torch.nn.Hardsigmoid: max(0, min(1, x/6 + 1/2)). */
export const hardsigmoid = (): Module => leaf('hardsigmoid', (x, b, name) => b.hardSigmoid(x, 1 / 6, 0.5, name));
/** torch.nn.Hardswish: x · hardsigmoid(x). */
export const hardswish = (): Module => leaf('hardswish', (x, b, name) => b.hardSwish(x, name));
/** torch.nn.Flatten(start_dim = 1) with end_dim = -1. */
export const flatten = (startDim = 1): Module => leaf('flatten', (x, b, name) => b.flatten(x, startDim, name));

/** torch.nn.PReLU(num_parameters, init): one slope, or one per channel (axis 1). */
export function prelu(numParameters = 1, init = 0.25): Module {
  const slope: ParameterSpec = { name: 'weight', shape: [numParameters], init: () => new Float32Array(numParameters).fill(init) };
  return {
    kind: 'prelu',
    parameters: (prefix) => [{ name: joinName(prefix, 'weight'), spec: slope }],
    build(x, context, prefix) {
      const s = context.parameter(joinName(prefix, 'weight'), slope);
      return context.builder.prelu(x, s, context.builder.freshName(prefix === '' ? 'prelu' : prefix));
    },
  };
}

/**
 * torch.nn.Sequential: children named by position (`0`, `1`, …) or, given a record, by key
 * (`{ fc1: linear(…), act: relu() }`), which is how their parameters are named.
 */
export function sequential(...children: Module[] | [Readonly<Record<string, Module>>]): Module {
  const first = children[0];
  const named: [string, Module][] = children.length === 1 && first !== undefined && !('build' in first)
    ? Object.entries(first as Readonly<Record<string, Module>>)
    : (children as Module[]).map((child, index) => [String(index), child]);
  return {
    kind: 'sequential',
    parameters: (prefix) => named.flatMap(([name, child]) => child.parameters(joinName(prefix, name))),
    buffers: (prefix) => named.flatMap(([name, child]) => child.buffers?.(joinName(prefix, name)) ?? []),
    build: (x, context, prefix) => named.reduce((value, [name, child]) => child.build(value, context, joinName(prefix, name)), x),
  };
}

export interface ToGraphOptions {
  readonly name: string;
  /** The input's shape; a string dim is a symbol, e.g. ['N', 784] or ['N', 'S', 128]. */
  readonly inputShape: Shape;
  readonly inputName?: string;
  /** The input's element type: 'i32' for token ids (an `embedding` first), default f32. */
  readonly inputDtype?: DType;
  readonly outputName?: string;
  /** Seed of PyTorch-style default initialisation (default 0). */
  readonly seed?: number;
  /**
   * Real weights by PyTorch name (e.g. a state dict read from .safetensors); every one must
   * be used, none may be missing, and a tensor with a shape must have the parameter's shape.
   */
  readonly weights?: ReadonlyMap<string, Float32Array | WeightTensor>;
}

/** A named weight with its shape, as a state dict stores it. */
export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** What is wrong with a given weight for a parameter, if anything. */
function weightProblem(name: string, spec: ParameterSpec, given: Float32Array | WeightTensor | undefined): string | undefined {
  const want = `[${spec.shape.join(',')}]`;
  if (given === undefined) return `missing weight '${name}' of shape ${want}`;
  const count = spec.shape.reduce((n, d) => n * d, 1);
  if (given instanceof Float32Array) {
    return given.length === count ? undefined : `weight '${name}' needs shape ${want} (${count} values), got ${given.length} values`;
  }
  const sameShape = given.shape.length === spec.shape.length && given.shape.every((d, i) => d === spec.shape[i]);
  return sameShape && given.data.length === count ? undefined : `weight '${name}' needs shape ${want}, got [${given.shape.join(',')}]`;
}

/** Builds a module into a graph with one input and one output. */
export function toGraph(module: Module, options: ToGraphOptions): Graph {
  const builder = new GraphBuilder(options.name);
  const random = new Random(options.seed ?? 0);
  const weights = options.weights;
  const created = new Map<string, Value>();
  const resolved = new Map<string, Float32Array>();
  const problems: string[] = [];
  const resolve = (name: string, spec: ParameterSpec): Float32Array => {
    const known = resolved.get(name);
    if (known !== undefined) return known;
    let data = spec.init(random);
    if (weights !== undefined) {
      const given = weights.get(name);
      const problem = weightProblem(name, spec, given);
      if (problem !== undefined) problems.push(problem);
      else if (given !== undefined) data = given instanceof Float32Array ? given : given.data;
    }
    resolved.set(name, data);
    return data;
  };
  const context: BuildContext = {
    builder,
    parameter(name, spec) {
      const existing = created.get(name);
      if (existing) return existing;
      const value = builder.constant(resolve(name, spec), spec.shape, name);
      created.set(name, value);
      return value;
    },
    parameterData: resolve,
  };
  const x = builder.input(options.inputName ?? 'x', options.inputShape, options.inputDtype);
  const y = module.build(x, context, '');
  if (weights !== undefined) {
    const buffers = new Set(module.buffers?.('') ?? []);
    const unused = [...weights.keys()].filter((name) => !resolved.has(name) && !buffers.has(name));
    if (unused.length > 0) problems.push(`unused weights: ${unused.map((n) => JSON.stringify(n)).join(', ')}`);
    // Every mismatch at once, by name: fixing a state dict one error per run is tedious.
    if (problems.length > 0) throw new CompileError(problems.join('; '));
  }
  builder.output(y);
  const graph = builder.build();
  return options.outputName === undefined ? graph : renameValue(graph, y.name, options.outputName);
}
