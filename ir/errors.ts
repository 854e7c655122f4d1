// The one error type of fusegraph. Every failure a user can cause (bad model, bad shape,
// bad option) is a CompileError naming where it happened, so the CLI can print one line.

import { formatValueName } from './names.ts';

export interface ErrorLocation {
  /** The value a node defines, e.g. "h" for `%h = linear(...)`. */
  readonly node?: string;
  /** The op of that node, e.g. "linear". */
  readonly op?: string;
  /** A file the error came from, when known. */
  readonly file?: string;
  /** 1-based line and column in a text source. */
  readonly line?: number;
  readonly column?: number;
}

export class CompileError extends Error {
  readonly location: ErrorLocation;
  /** The message without the location prefix. */
  readonly detail: string;

  constructor(detail: string, location: ErrorLocation = {}) {
    super(formatLocated(detail, location));
    this.name = 'CompileError';
    this.detail = detail;
    this.location = location;
  }

  /** The same error with more context (a file name, say) filled in where missing. */
  withLocation(extra: ErrorLocation): CompileError {
    return new CompileError(this.detail, { ...extra, ...this.location });
  }
}

function formatLocated(detail: string, at: ErrorLocation): string {
  const parts: string[] = [];
  if (at.file !== undefined) {
    const file = JSON.stringify(at.file).slice(1, -1);
    parts.push(at.line !== undefined ? `${file}:${at.line}:${at.column ?? 1}` : file);
  } else if (at.line !== undefined) {
    parts.push(`${at.line}:${at.column ?? 1}`);
  }
  if (at.node !== undefined) parts.push(at.op !== undefined ? `${formatValueName(at.node)} (${at.op})` : formatValueName(at.node));
  return parts.length > 0 ? `${parts.join(': ')}: ${detail}` : detail;
}

/** Throws a CompileError when `condition` is false. */
export function check(condition: boolean, detail: string, location?: ErrorLocation): asserts condition {
  if (!condition) throw new CompileError(detail, location);
}
