// The plumbing of src/nn.ts's PyTorch-like modules: what a module declares (its parameters
// under PyTorch's names and their default initialisation) and how it is built into a graph.

import type { GraphBuilder, Value } from './builder.ts';
import type { Random } from './random.ts';

/** A parameter a module declares: its PyTorch name (relative to the module) and shape. */
export interface ParameterSpec {
  readonly name: string;
  readonly shape: readonly number[];
  /** PyTorch's default initialisation for it. */
  init(random: Random): Float32Array;
}

/** Where a module finds its parameters while it is built into a graph. */
export interface BuildContext {
  readonly builder: GraphBuilder;
  /** Returns the constant for the parameter `name` (already prefixed), creating it once. */
  parameter(name: string, spec: ParameterSpec): Value;
  /**
   * The data of the parameter `name` (supplied or initialised), without a constant for it:
   * for modules that fold parameters at build time (BatchNorm's scale and shift).
   */
  parameterData(name: string, spec: ParameterSpec): Float32Array;
}

export interface Module {
  readonly kind: string;
  /** Parameters of this module and its children, names prefixed as in a state dict. */
  parameters(prefix: string): { name: string; spec: ParameterSpec }[];
  /**
   * State-dict entries inference does not need (BatchNorm's num_batches_tracked): accepted
   * among supplied weights without counting as unused.
   */
  buffers?(prefix: string): string[];
  build(x: Value, context: BuildContext, prefix: string): Value;
}

export function joinName(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

export function uniformParameter(name: string, shape: readonly number[], bound: number): ParameterSpec {
  const count = shape.reduce((n, d) => n * d, 1);
  return { name, shape, init: (random) => random.uniformArray(count, -bound, bound) };
}

/** A fresh node name for a module: its prefix in the model (`features.0`), or its kind at the top. */
export function moduleNodeName(builder: GraphBuilder, prefix: string, kind: string): string {
  return builder.freshName(prefix === '' ? kind : prefix);
}

/** A parameter of constant value (BatchNorm's running_var starts at ones). */
export function filledParameter(name: string, shape: readonly number[], value: number): ParameterSpec {
  const count = shape.reduce((n, d) => n * d, 1);
  return { name, shape, init: () => new Float32Array(count).fill(value) };
}

export function leaf(kind: string, build: (x: Value, b: GraphBuilder, name: string) => Value, params: ParameterSpec[] = []): Module {
  return {
    kind,
    parameters: (prefix) => params.map((spec) => ({ name: joinName(prefix, spec.name), spec })),
    build: (x, context, prefix) => build(x, context.builder, moduleNodeName(context.builder, prefix, kind)),
  };
}

