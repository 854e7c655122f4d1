// Drops the runtime helpers a bundle never calls: the runtime texts are shared by every bundle
// (one with lookups, streams, embedded weights …), so each one brings helpers that another
// bundle needs. A top-level `function name(` whose name occurs nowhere else in the module (as
// a whole word, comments and strings included, so the test only ever keeps too much) goes,
// with the comment lines right above it; repeated until nothing more goes.

/** A top-level function declaration: from its first comment line to its closing `}` line. */
interface Helper {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

function helpersOf(lines: readonly string[]): Helper[] {
  const helpers: Helper[] = [];
  lines.forEach((line, index) => {
    const name = /^(?:async )?function (\w+)\(/.exec(line)?.[1];
    if (name === undefined) return;
    const close = lines.indexOf('}', index);
    if (close < 0) return;
    let from = index;
    while (from > 0 && /^(\/\/|\/\*\*|\s\*)/.test(lines[from - 1] ?? '')) from--;
    helpers.push({ name, from, to: close });
  });
  return helpers;
}

function uses(text: string, name: string): number {
  return text.match(new RegExp(`\\b${name}\\b`, 'g'))?.length ?? 0;
}

export function dropUnusedHelpers(source: string): string {
  let lines = source.split('\n');
  for (;;) {
    const text = lines.join('\n');
    const unused = helpersOf(lines).filter((helper) => uses(text, helper.name) === uses(lines.slice(helper.from, helper.to + 1).join('\n'), helper.name));
    if (unused.length === 0) return text;
    const dropped = new Set<number>();
    for (const helper of unused) {
      for (let i = helper.from; i <= helper.to; i++) dropped.add(i);
      // The blank line after it, so that no two blank lines meet.
      if (lines[helper.to + 1] === '') dropped.add(helper.to + 1);
    }
    lines = lines.filter((_, index) => !dropped.has(index));
  }
}
