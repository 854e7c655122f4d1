// `--input-value NAME=V[,V…]` (repeatable): ONNX inputs fixed at compile time. Parsed here
// into the `inputValues` record the loader takes; the importer checks names and counts.

import { CompileError } from '../../ir/errors.ts';

/** commander's collector: each occurrence appends to the list. */
export function collectInputValue(text: string, previous: readonly string[] = []): string[] {
  return [...previous, text];
}

export function parseInputValues(texts: readonly string[] | undefined): Record<string, number[]> {
  const values: Record<string, number[]> = {};
  for (const text of texts ?? []) {
    const at = text.lastIndexOf('=');
    const name = text.slice(0, at);
    const list = text.slice(at + 1);
    if (at <= 0 || list.trim() === '') throw new CompileError(`--input-value needs NAME=VALUE (e.g. sr=16000), got '${text}'`);
    const numbers = list.split(',').map((part) => Number(part.trim()));
    if (numbers.some((n) => !Number.isFinite(n))) throw new CompileError(`--input-value ${name}: '${list}' is not a comma-separated list of numbers`);
    if (Object.hasOwn(values, name)) throw new CompileError(`--input-value ${name} is given twice`);
    Object.defineProperty(values, name, { value: numbers, enumerable: true, writable: true, configurable: true });
  }
  return values;
}
