// The one namer of generated code: every identifier in a bundle comes from here. Model names
// are reduced to [A-Za-z0-9_], kept off the target's reserved words and made unique, so a
// hostile name can never become code; the original text appears only in escaped literals.

import { quoteString } from '../ir/names.ts';

/** Words no JavaScript identifier may be (strict mode, modules) plus globals we rely on. */
export const JS_RESERVED: ReadonlySet<string> = new Set([
  'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else',
  'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'implements', 'import', 'in',
  'instanceof', 'interface', 'let', 'new', 'null', 'package', 'private', 'protected', 'public', 'return', 'static',
  'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield',
  'arguments', 'eval', 'undefined', 'NaN', 'Infinity', 'Math', 'Object', 'Float32Array', 'Uint8Array', 'Error',
  'Promise', 'URL', 'atob', 'fetch', 'globalThis', 'import', 'constructor', 'prototype', '__proto__',
]);

const MAX_STEM = 40;

/** [A-Za-z0-9_] only, not starting with a digit, at most MAX_STEM characters. */
export function sanitizeIdentifier(text: string): string {
  const stem = text.replace(/[^A-Za-z0-9_]/g, '_').slice(0, MAX_STEM);
  if (stem === '' || /^_*$/.test(stem)) return 'v';
  return /^[0-9]/.test(stem) ? `_${stem}` : stem;
}

export class Namer {
  private readonly taken = new Set<string>();

  constructor(private readonly reserved: ReadonlySet<string> = JS_RESERVED) {}

  /** Marks names the generated code uses itself (helpers, parameters) as taken. */
  reserve(...names: readonly string[]): void {
    for (const name of names) this.taken.add(name);
  }

  /** A fresh identifier derived from `hint` (model text or a compiler word). */
  fresh(hint: string): string {
    const stem = sanitizeIdentifier(hint);
    let candidate = stem;
    for (let n = 1; this.taken.has(candidate) || this.reserved.has(candidate); n++) candidate = `${stem}_${n}`;
    this.taken.add(candidate);
    return candidate;
  }
}

/** A string literal valid in JS, TS and JSON contexts, safe on one line (U+2028/9 escaped). */
export function stringLiteral(text: string): string {
  return quoteString(text);
}

/**
 * Model text for a `//` comment: escaped as a string literal, so no line terminator (\n, \r,
 * U+2028, U+2029) survives and nothing can end the comment early.
 */
export function commentText(text: string): string {
  return quoteString(text);
}

/** A line of free text (the IR summary) made safe for a `//` comment. */
export function commentLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
