// A character-level scanner for the IR text format: skips blanks and `#` comments, reads
// names, numbers and string literals, and reports errors as CompileErrors at line:column.
// The parser drives it by context (a name after `%`, a number in an attribute), so plain
// names that look like numbers (`0.weight`) need no lookahead tricks.

import { CompileError } from './errors.ts';
import { parseNumber } from './number-format.ts';

const PLAIN_NAME = /[A-Za-z0-9_][A-Za-z0-9_.]*/y;
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /[-+]?(?:inf|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?![A-Za-z0-9_.])/y;

export interface Position {
  readonly line: number;
  readonly column: number;
}

export class TextScanner {
  /** Offset of the next unread character. */
  pos = 0;
  private lineStarts: number[] | undefined;

  constructor(readonly text: string, readonly file?: string) {}

  /** 1-based line and column of an offset (computed on demand: only errors need it). */
  position(offset: number = this.pos): Position {
    if (this.lineStarts === undefined) {
      this.lineStarts = [0];
      for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - (this.lineStarts[low] ?? 0) + 1 };
  }

  /** A CompileError located at `offset` (default: the next token). */
  error(detail: string, offset?: number, node?: { node: string; op: string }): CompileError {
    if (offset === undefined) {
      this.skipBlank();
      offset = this.pos;
    }
    const at = this.position(offset);
    return new CompileError(detail, { ...(this.file !== undefined ? { file: this.file } : {}), ...at, ...node });
  }

  /** Blanks and `#` comments up to the end of their line. */
  skipBlank(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.pos++;
      else if (c === 35) {
        const end = this.text.indexOf('\n', this.pos);
        this.pos = end < 0 ? this.text.length : end;
      } else return;
    }
  }

  atEnd(): boolean {
    this.skipBlank();
    return this.pos >= this.text.length;
  }

  /** Whether the next token starts with `token` (not consumed). */
  peek(token: string): boolean {
    this.skipBlank();
    return this.text.startsWith(token, this.pos);
  }

  eat(token: string): boolean {
    if (!this.peek(token)) return false;
    this.pos += token.length;
    return true;
  }

  expect(token: string, context: string): void {
    if (!this.eat(token)) throw this.error(`expected '${token}' ${context}, found ${this.describeNext()}`);
  }

  /** The next few characters, quoted, for error messages. */
  describeNext(): string {
    this.skipBlank();
    if (this.pos >= this.text.length) return 'the end of the text';
    const rest = this.text.slice(this.pos, this.pos + 12).split('\n')[0] ?? '';
    return JSON.stringify(rest.length > 0 ? rest : '\n');
  }

  private match(pattern: RegExp): string | undefined {
    this.skipBlank();
    pattern.lastIndex = this.pos;
    const found = pattern.exec(this.text);
    if (found === null) return undefined;
    this.pos += found[0].length;
    return found[0];
  }

  /** `[A-Za-z_][A-Za-z0-9_]*`: keywords, op names, attribute names, symbolic dims. */
  identifier(what: string): string {
    const found = this.match(IDENTIFIER);
    if (found === undefined) throw this.error(`expected ${what}, found ${this.describeNext()}`);
    return found;
  }

  tryIdentifier(): string | undefined {
    return this.match(IDENTIFIER);
  }

  /** A plain name (`x`, `0.weight`) or a quoted one (`"a\nb"`), as names.ts writes them. */
  name(what: string): string {
    if (this.peek('"')) return this.string(what);
    const found = this.match(PLAIN_NAME);
    if (found === undefined) throw this.error(`expected ${what}, found ${this.describeNext()}`);
    return found;
  }

  /** A number as number-format.ts writes it: decimals, exponents, `inf`, `-inf`, `nan`, `-0`. */
  number(what: string): number {
    const start = (this.skipBlank(), this.pos);
    const found = this.match(NUMBER);
    const value = found === undefined ? undefined : parseNumber(found);
    if (value === undefined) throw this.error(`expected ${what} (a number), found ${this.describeNext()}`, start);
    return value;
  }

  /** Whether a number starts here (used to tell numbers from names in expressions). */
  peekNumber(): boolean {
    this.skipBlank();
    NUMBER.lastIndex = this.pos;
    return NUMBER.test(this.text);
  }

  /** A JSON string literal on one line; escapes as JSON defines them. */
  string(what: string): string {
    this.skipBlank();
    const start = this.pos;
    if (this.text.charCodeAt(start) !== 34) throw this.error(`expected ${what} (a quoted string), found ${this.describeNext()}`);
    let i = start + 1;
    for (;;) {
      const c = this.text.charCodeAt(i);
      if (Number.isNaN(c) || c === 10 || c === 13) throw this.error(`unterminated string in ${what}`, start);
      if (c === 34) break;
      i += c === 92 ? 2 : 1;
    }
    this.pos = i + 1;
    try {
      return JSON.parse(this.text.slice(start, i + 1)) as string;
    } catch {
      throw this.error(`malformed string in ${what} (escapes follow JSON)`, start);
    }
  }
}
