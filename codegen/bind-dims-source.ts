// The run-time half of several symbols, shared by the bundles: `bindDims` reads every
// symbol's value off the feed lengths (and the optional `dims` argument), with the same rules
// and messages as the interpreter (ir/interpret.ts `bindSymbols`). Plain JS, no model text:
// names and shapes come in as arguments.

export const BIND_DIMS = `function bindDims(names, shapes, datas, symbols, given) {
  const bound = new Map();
  const by = new Map();
  if (given !== undefined) {
    if (given === null || typeof given !== "object") throw new TypeError("fusegraph: dims must be an object of symbol values");
    for (const key of Object.keys(given)) {
      if (!symbols.includes(key)) throw new TypeError("fusegraph: unknown symbol " + JSON.stringify(key) + " in dims (symbols: " + (symbols.length === 0 ? "none" : symbols.join(", ")) + ")");
      const value = given[key];
      if (!Number.isInteger(value) || value < 1) throw new RangeError("fusegraph: symbolic dim " + key + " must be a positive integer, got " + String(value));
      bound.set(key, value);
      by.set(key, "the dims argument");
    }
  }
  const shown = (i) => "input " + JSON.stringify(names[i]);
  const pending = names.map((_, i) => i);
  let progress = true;
  while (progress) {
    progress = false;
    for (let p = 0; p < pending.length; p++) {
      const i = pending[p];
      const shape = shapes[i];
      const open = [...new Set(shape.filter((d) => typeof d === "string" && !bound.has(d)))];
      if (open.length > 1) continue;
      pending.splice(p--, 1);
      progress = true;
      let known = 1;
      for (const d of shape) known *= typeof d === "number" ? d : bound.get(d) ?? 1;
      const length = datas[i].length;
      if (open.length === 0) {
        if (length !== known) throw disagreement(shown(i), shape, length, known, bound, by);
        continue;
      }
      const symbol = open[0];
      const power = shape.filter((d) => d === symbol).length;
      const value = Math.round((length / known) ** (1 / power));
      if (length === 0 || value < 1 || known * value ** power !== length) {
        const fixed = [...new Set(shape.filter((d) => typeof d === "string" && bound.has(d)))];
        const note = fixed.length === 0 ? "" : " (with " + fixed.map((s) => s + " = " + bound.get(s) + " from " + by.get(s)).join(", ") + ")";
        throw new RangeError("fusegraph: " + shown(i) + " needs a whole, positive number of samples of " + known + " values, got " + length + note);
      }
      bound.set(symbol, value);
      by.set(symbol, shown(i));
    }
  }
  if (pending.length > 0) {
    const i = pending[0];
    const open = [...new Set(shapes[i].filter((d) => typeof d === "string" && !bound.has(d)))];
    throw new RangeError("fusegraph: " + shown(i) + " of shape [" + shapes[i].join(",") + "] leaves " + open.join(" and ") + " undetermined: give their values as run(feeds, { " + open.map((s) => s + ": ...").join(", ") + " })");
  }
  return symbols.map((s) => bound.get(s) ?? 1);
}

function disagreement(what, shape, length, expected, bound, by) {
  for (const symbol of new Set(shape.filter((d) => typeof d === "string"))) {
    let rest = 1;
    let power = 0;
    for (const d of shape) {
      if (d === symbol) power++;
      else rest *= typeof d === "number" ? d : bound.get(d);
    }
    const implied = Math.round((length / rest) ** (1 / power));
    if (implied >= 1 && rest * implied ** power === length) {
      return new RangeError("fusegraph: " + what + " has " + symbol + " = " + implied + ", but " + by.get(symbol) + " has " + symbol + " = " + bound.get(symbol));
    }
  }
  return new RangeError("fusegraph: " + what + " needs " + expected + " values, got " + length);
}`;
