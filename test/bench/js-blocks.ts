// Micro-benchmark behind the JS linear kernel's block shape (codegen/js/kernel-linear.ts): the
// seed MLP's first layer (784→128 + bias + ReLU) at batch 32 as register blocks of R rows × C
// columns over weights packed [128/C][784][C], summed either in f64 locals or in a small
// Float64Array, k unrolled U times. Each variant is checked bit for bit against a plain loop
// (f64 sums in increasing k), then timed by CPU time per call (best and median of samples).
//
//   node --import tsx test/bench/js-blocks.ts [R×C×U[m] ...]     e.g. 4x4x1 8x8x2m 1x8x1
//
// A trailing `m` sums in memory. Without arguments it runs the shapes the kernel's header cites.

const BATCH = 32;
const IN = 784;
const OUT = 128;

interface Variant { readonly rows: number; readonly cols: number; readonly unroll: number; readonly memory: boolean }
type Kernel = (x: Float32Array, w: Float32Array, bias: Float32Array, y: Float32Array) => void;

function parse(text: string): Variant {
  const match = /^(\d+)x(\d+)x(\d+)(m?)$/.exec(text);
  if (match === null) throw new Error(`js-blocks: expected R×C×U[m] like 8x8x2m, got ${text}`);
  return { rows: Number(match[1]), cols: Number(match[2]), unroll: Number(match[3]), memory: match[4] === 'm' };
}

/** The kernel's source: rows and columns that do not fill a whole block are left out (and not counted). */
function source({ rows, cols, unroll, memory }: Variant): string {
  const sum = (r: number, c: number): string => (memory ? `acc[${r * cols + c}]` : `a${r}_${c}`);
  const lines: string[] = [];
  if (memory) lines.push(`const acc = new Float64Array(${rows * cols});`);
  lines.push('return function kernel(x, w, bias, y) {');
  lines.push(`for (let j = 0; j + ${cols} <= ${OUT}; j += ${cols}) {`);
  lines.push(`for (let r = 0; r + ${rows} <= ${BATCH}; r += ${rows}) {`);
  for (let r = 0; r < rows; r++) lines.push(`const x${r}_ = (r + ${r}) * ${IN};`);
  if (memory) lines.push(`acc.fill(0);`);
  else for (let r = 0; r < rows; r++) lines.push(`let ${Array.from({ length: cols }, (_, c) => `${sum(r, c)} = 0`).join(', ')};`);
  lines.push(`let p = j * ${IN};`);
  const step = (s: number): void => {
    const k = s === 0 ? 'k' : `k + ${s}`;
    lines.push('{');
    lines.push(`const ${Array.from({ length: rows }, (_, r) => `x${r} = x[x${r}_ + ${k}]`).join(', ')};`);
    lines.push(`const ${Array.from({ length: cols }, (_, c) => `u${c} = w[p + ${s * cols + c}]`).join(', ')};`);
    for (let r = 0; r < rows; r++) lines.push(Array.from({ length: cols }, (_, c) => `${sum(r, c)} += x${r} * u${c};`).join(' '));
    lines.push('}');
  };
  const unrolled = IN - (IN % unroll);
  lines.push(`for (let k = 0; k < ${unrolled}; k += ${unroll}, p += ${unroll * cols}) {`);
  for (let s = 0; s < unroll; s++) step(s);
  lines.push('}');
  if (unrolled < IN) {
    lines.push(`for (let k = ${unrolled}; k < ${IN}; k++, p += ${cols}) {`);
    step(0);
    lines.push('}');
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      lines.push(`{ const t = Math.fround(Math.fround(${sum(r, c)}) + bias[j + ${c}]); y[(r + ${r}) * ${OUT} + j + ${c}] = t < 0 ? 0 : t; }`);
    }
  }
  lines.push('}', '}', '};');
  return lines.join('\n');
}

function pack(w: Float32Array, cols: number): Float32Array {
  const packed = new Float32Array(Math.ceil(OUT / cols) * cols * IN);
  for (let j = 0; j < OUT; j++) {
    for (let k = 0; k < IN; k++) packed[Math.floor(j / cols) * IN * cols + k * cols + (j % cols)] = w[j * IN + k] ?? 0;
  }
  return packed;
}

function seeded(count: number, seed: number, scale: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state / 2 ** 32 - 0.5) * scale;
  });
}

const x = seeded(BATCH * IN, 1, 2);
const w = seeded(OUT * IN, 2, 0.07);
const bias = seeded(OUT, 3, 0.07);
const expected = new Float32Array(BATCH * OUT);
for (let r = 0; r < BATCH; r++) {
  for (let j = 0; j < OUT; j++) {
    let sum = 0;
    for (let k = 0; k < IN; k++) sum += (x[r * IN + k] ?? 0) * (w[j * IN + k] ?? 0);
    const t = Math.fround(Math.fround(sum) + (bias[j] ?? 0));
    expected[r * OUT + j] = t < 0 ? 0 : t;
  }
}

const args = process.argv.slice(2);
const variants = (args.length > 0 ? args : ['4x4x1', '2x4x1', '3x4x1', '4x3x1', '8x4x1', '1x8x1', '8x8x1m', '8x8x2m', '8x8x4m', '4x8x2m', '1x16x4m']).map(parse);
for (const variant of variants) {
  const rows = BATCH - (BATCH % variant.rows);
  const cols = OUT - (OUT % variant.cols);
  const kernel = (new Function(source(variant)) as () => Kernel)();
  const packed = pack(w, variant.cols);
  const y = new Float32Array(BATCH * OUT);
  kernel(x, packed, bias, y);
  const exact = y.every((value, i) => i >= rows * OUT || i % OUT >= cols || Object.is(value, expected[i]));
  for (let i = 0; i < 200; i++) kernel(x, packed, bias, y);
  const cpu: number[] = [];
  for (let sample = 0; sample < 15; sample++) {
    const start = process.cpuUsage();
    for (let i = 0; i < 20; i++) kernel(x, packed, bias, y);
    const used = process.cpuUsage(start);
    cpu.push((used.user + used.system) / 20);
  }
  cpu.sort((a, b) => a - b);
  const flops = 2 * rows * cols * IN;
  const gflops = (us: number | undefined): string => (flops / ((us ?? NaN) * 1e3)).toFixed(2);
  const name = `${variant.rows}×${variant.cols}, k × ${variant.unroll}, ${variant.memory ? 'Float64Array' : 'locals'}`;
  process.stdout.write(`${name.padEnd(30)} ${gflops(cpu[0])} GFLOP/s best, ${gflops(cpu[7])} median${exact ? '' : '  NOT BIT-EXACT'}\n`);
}
