// PyTorch state dicts for TypeScript model definitions: read a `.safetensors` file written
// by `save_file(model.state_dict(), path)` and pass it to toGraph's `weights`, which
// matches tensors to parameters by PyTorch's names (`fc1.weight`, `0.bias`…) and reports
// missing, unused and mis-shaped tensors by name.

import { readFileSync } from 'node:fs';
import { CompileError } from '../../ir/errors.ts';
import { readSafetensors, type NamedTensor } from './safetensors.ts';

/** The tensors of a .safetensors state dict, by name. */
export function loadStateDict(path: string): Map<string, NamedTensor> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new CompileError(`cannot read the state dict (${error instanceof Error ? error.message : String(error)})`, { file: path });
  }
  try {
    return readSafetensors(bytes);
  } catch (error) {
    if (error instanceof CompileError) throw error.withLocation({ file: path });
    throw error;
  }
}
