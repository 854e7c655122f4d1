// A small code writer: lines and indentation, so renderers build code structurally instead
// of nesting conditionals inside template strings.

export class CodeWriter {
  private readonly lines: string[] = [];
  private depth = 0;

  constructor(private readonly unit = '  ') {}

  line(text = ''): this {
    this.lines.push(text === '' ? '' : this.unit.repeat(this.depth) + text);
    return this;
  }

  all(texts: readonly string[]): this {
    for (const text of texts) this.line(text);
    return this;
  }

  /** `open`, the body one level deeper, then `close`. */
  block(open: string, body: () => void, close = '}'): this {
    this.line(open);
    this.depth++;
    body();
    this.depth--;
    this.line(close);
    return this;
  }

  indented(body: () => void): this {
    this.depth++;
    body();
    this.depth--;
    return this;
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
