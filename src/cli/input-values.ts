// `--input-value NAME=V[,V…]` (repeatable): ONNX inputs fixed at compile time, and
// `--input-shape NAME=D1,D2,…`: shapes for inputs with symbolic dims. Parsed here into the
// `inputValues`/`inputShapes` records the loader takes; the importer checks names and counts.

import { CompileError } from '../../ir/errors.ts';

/** commander's collector: each occurrence appends to the list. */
export function collectInputValue(text: string, previous: readonly string[] = []): string[] {
  return [...previous, text];
}

export function parseInputValues(texts: readonly string[] | undefined): Record<string, number[]> {
  return parseNamedLists('--input-value', 'NAME=VALUE (e.g. sr=16000)', texts);
}

export function parseInputShapes(texts: readonly string[] | undefined): Record<string, number[]> {
  return parseNamedLists('--input-shape', 'NAME=D1,D2,… (e.g. input=1,512)', texts);
}

function parseNamedLists(flag: string, form: string, texts: readonly string[] | undefined): Record<string, number[]> {
  const values: Record<string, number[]> = {};
  for (const text of texts ?? []) {
    const at = text.lastIndexOf('=');
    const name = text.slice(0, at);
    const list = text.slice(at + 1);
    if (at <= 0 || list.trim() === '') throw new CompileError(`${flag} needs ${form}, got '${text}'`);
    const numbers = list.split(',').map((part) => Number(part.trim()));
    if (numbers.some((n) => !Number.isFinite(n))) throw new CompileError(`${flag} ${name}: '${list}' is not a comma-separated list of numbers`);
    if (Object.hasOwn(values, name)) throw new CompileError(`${flag} ${name} is given twice`);
    Object.defineProperty(values, name, { value: numbers, enumerable: true, writable: true, configurable: true });
  }
  return values;
}
