// How model-supplied names are shown in IR text and messages. Names are kept verbatim in the
// graph; anything that is not a plain identifier is printed as an escaped string literal,
// so a hostile name can never break a dump, an error line or the parser.

const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.]*$/;
const SYMBOL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isPlainName(name: string): boolean {
  return PLAIN_NAME.test(name);
}

/** True for names allowed as a symbolic dimension (`N`, `batch`). */
export function isSymbolName(name: string): boolean {
  return SYMBOL_NAME.test(name);
}

/** A JSON string literal that is also safe on one line (JSON leaves U+2028/9 raw). */
export function quoteString(text: string): string {
  return JSON.stringify(text).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** `h` or `"odd name"`: a name as the text format writes it, without the sigil. */
export function formatName(name: string): string {
  return isPlainName(name) ? name : quoteString(name);
}

/** `%h` or `%"odd name"`: a value as the text format and error messages write it. */
export function formatValueName(name: string): string {
  return `%${formatName(name)}`;
}
