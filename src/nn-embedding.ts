// torch.nn.Embedding for the PyTorch-like module API: a [numEmbeddings, dim] table indexed
// by i32 ids (build the model with `toGraph(..., { inputDtype: 'i32' })`), as a `gather`.

import { CompileError } from '../ir/errors.ts';
import { joinName, moduleNodeName, type Module, type ParameterSpec } from './nn-module.ts';

export interface EmbeddingOptions {
  /** Row whose vector starts at zero (PyTorch's padding_idx); negative counts from the end. */
  readonly paddingIdx?: number;
}

/** torch.nn.Embedding(numEmbeddings, dim): weight initialised N(0, 1), the padding row zero. */
export function embedding(numEmbeddings: number, dim: number, options: EmbeddingOptions = {}): Module {
  const padding = options.paddingIdx === undefined ? undefined : options.paddingIdx < 0 ? options.paddingIdx + numEmbeddings : options.paddingIdx;
  if (padding !== undefined && !(Number.isInteger(padding) && padding >= 0 && padding < numEmbeddings)) {
    throw new CompileError(`embedding: paddingIdx ${String(options.paddingIdx)} is outside [${-numEmbeddings}, ${numEmbeddings})`);
  }
  const weight: ParameterSpec = {
    name: 'weight',
    shape: [numEmbeddings, dim],
    init: (random) => {
      const data = Float32Array.from({ length: numEmbeddings * dim }, () => random.normal());
      if (padding !== undefined) data.fill(0, padding * dim, (padding + 1) * dim);
      return data;
    },
  };
  return {
    kind: 'embedding',
    parameters: (prefix) => [{ name: joinName(prefix, 'weight'), spec: weight }],
    build(ids, context, prefix) {
      const table = context.parameter(joinName(prefix, 'weight'), weight);
      return context.builder.gather(table, ids, 0, moduleNodeName(context.builder, prefix, 'embedding'));
    },
  };
}
