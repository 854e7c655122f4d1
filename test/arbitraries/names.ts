// Value and graph names for generated graphs: mostly plain, sometimes names the text format
// must quote and backends must sanitize (spaces, quotes, newlines, `__proto__`, code).

/** Names a hostile model file could carry; each must survive printing, parsing and codegen. */
export const HOSTILE_NAMES: readonly string[] = [
  '__proto__', 'constructor', 'a b', 'quote"d', 'new\nline', 'back\\slash', 'x;alert(1)//', '${x}',
  '\u2028sep', 'ünïcode', '%y', '0', 'return', 'let', '*/ evil /*', '',
];

export type NameStyle = 'plain' | 'any';

/**
 * A name for value number `index`, chosen by `choice`; `taken` keeps names unique (a
 * hostile name already used gets the index appended).
 */
export function pickName(prefix: string, index: number, choice: number, style: NameStyle, taken: Set<string>): string {
  const kind = choice % 10;
  let name: string;
  if (kind === 9 && style === 'any') name = HOSTILE_NAMES[Math.floor(choice / 10) % HOSTILE_NAMES.length] ?? prefix;
  else if (kind === 8) name = `${index}.weight`;
  else if (kind === 7) name = `${index}`;
  else name = `${prefix}${index}`;
  if (taken.has(name)) name = `${name}_${index}`;
  while (taken.has(name)) name = `${name}_`;
  taken.add(name);
  return name;
}
