// fusegraph's programmatic API (the package's main entry): load a model from a file or from
// bytes, optimize it, compile it to a bundle's files in memory, run the reference
// interpreter, or build graphs in code with GraphBuilder and the PyTorch-like `nn` module.

export { loadModel, loadModelFromBytes, modelExtensions, registerLoader } from './load-model.ts';
export type { DataFormat, FromBytesOptions, LoadModelOptions, ModelLoader } from './load-model.ts';
export { optimize, PIPELINES } from './passes/pipeline.ts';
export type { OptimizeOptions, Optimized } from './passes/pipeline.ts';
export { compile, TARGET_NAMES } from './compile.ts';
export type { CompileOptions, CompiledBundle, OptLevel, TargetName, WeightsDtype } from './compile.ts';
export { EMBED_LIMIT_BYTES, UNIT_ROUNDOFF } from './compile.ts';
export type { EmittedFile } from '../codegen/target.ts';
export { interpret } from '../ir/interpret.ts';
export type { Feeds, Results, TypedFeeds } from '../ir/interpret.ts';
export type { FeedArray } from '../ir/feeds.ts';
export { GraphBuilder } from './builder.ts';
export type { Value } from './builder.ts';
export * as nn from './nn.ts';
export { CompileError } from '../ir/errors.ts';
export type { ErrorLocation } from '../ir/errors.ts';
export type { Graph, Node } from '../ir/graph.ts';
export type { TensorType, Shape, Dim } from '../ir/types.ts';
export { printGraph } from '../ir/print.ts';
export { parseGraph } from '../ir/parse.ts';
