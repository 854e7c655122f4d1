// Types for model imports compiled by the fusegraph Vite plugin (`fusegraph/vite`). Add
// `/// <reference types="fusegraph/client" />` to a .d.ts in your app (or "fusegraph/client"
// to `compilerOptions.types`). Each import gives the bundle's API: `metadata`, `load()` and,
// for the js target, the synchronous `run()`. Feeds and results are keyed by the model's
// input and output names (see `metadata`, or the .d.ts that `fusegraph compile` writes).

declare namespace FusegraphModel {
  type Feeds = Readonly<Record<string, Float32Array>>;
  type Results = Record<string, Float32Array>;
  interface TensorInfo {
    readonly name: string;
    /** Dims; the batch is a string such as 'N'. */
    readonly shape: readonly (number | string)[];
  }
  interface Metadata {
    readonly name: string;
    readonly inputs: readonly TensorInfo[];
    readonly outputs: readonly TensorInfo[];
  }
  interface LoadOptions {
    /** The weights themselves, instead of fetching the emitted asset. */
    readonly weights?: ArrayBuffer | ArrayBufferView;
    readonly weightsUrl?: string | URL;
    /** wgsl: the GPUDevice to run on (default: one from navigator.gpu). */
    readonly device?: unknown;
    /** wgsl: the largest batch to prepare buffers for. */
    readonly maxBatch?: number;
  }
  interface Session {
    run(feeds: Feeds): Promise<Results>;
    dispose(): void;
  }
  interface Bundle {
    readonly metadata: Metadata;
    load(options?: LoadOptions): Promise<Session>;
  }
  interface JsBundle extends Bundle {
    /** Synchronous inference (after `await load()`). */
    run(feeds: Feeds): Results;
  }
}

declare module '*.onnx' {
  const bundle: FusegraphModel.Bundle;
  export default bundle;
  export const metadata: FusegraphModel.Metadata;
  export function load(options?: FusegraphModel.LoadOptions): Promise<FusegraphModel.Session>;
}
declare module '*.ir' {
  const bundle: FusegraphModel.Bundle;
  export default bundle;
  export const metadata: FusegraphModel.Metadata;
  export function load(options?: FusegraphModel.LoadOptions): Promise<FusegraphModel.Session>;
}
declare module '*?fusegraph' {
  const bundle: FusegraphModel.Bundle;
  export default bundle;
  export const metadata: FusegraphModel.Metadata;
  export function load(options?: FusegraphModel.LoadOptions): Promise<FusegraphModel.Session>;
}
declare module '*?target=wasm' {
  const bundle: FusegraphModel.Bundle;
  export default bundle;
  export const metadata: FusegraphModel.Metadata;
  export function load(options?: FusegraphModel.LoadOptions): Promise<FusegraphModel.Session>;
}
declare module '*?target=wgsl' {
  const bundle: FusegraphModel.Bundle;
  export default bundle;
  export const metadata: FusegraphModel.Metadata;
  export function load(options?: FusegraphModel.LoadOptions): Promise<FusegraphModel.Session>;
}
declare module '*?target=js' {
  const bundle: FusegraphModel.JsBundle;
  export default bundle;
  export const metadata: FusegraphModel.Metadata;
  export function load(options?: FusegraphModel.LoadOptions): Promise<FusegraphModel.Session>;
  export function run(feeds: FusegraphModel.Feeds): FusegraphModel.Results;
}
