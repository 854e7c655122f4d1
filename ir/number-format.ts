// Numbers in IR text: shortest text that parses back to the same f64, with -0, inf and nan
// spelled out so that every attribute and scalar constant round-trips exactly.

export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Object.is(value, -0)) return '-0';
  return String(value);
}

const NUMBER_TEXT = /^[-+]?(inf|nan|(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)$/;

/** Parses what formatNumber writes (and ordinary decimal literals); undefined if malformed. */
export function parseNumber(text: string): number | undefined {
  if (!NUMBER_TEXT.test(text)) return undefined;
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[-+]/, '');
  if (body === 'inf') return sign * Infinity;
  if (body === 'nan') return NaN;
  return sign * Number(body);
}
