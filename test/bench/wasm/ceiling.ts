// The micro-kernel's ceiling on this machine: one linear kernel alone (no bundle, no copies),
// weights resident in cache, for a few register-block shapes, with and without relaxed SIMD
// (run under `node --experimental-wasm-relaxed-simd` for the relaxed rows). Each shape is
// checked against a plain loop first. Used to choose MICRO_KERNEL in emit-linear.ts.
//
//   node --experimental-wasm-relaxed-simd --import tsx test/bench/wasm/ceiling.ts

import { emitLinearKernel, type MicroKernelShape } from '../../../codegen/wasm/linear-kernel.ts';
import { ModuleAssembler } from '../../../codegen/wasm/module-assembler.ts';
import { packWeights, panelLayout } from '../../../codegen/wasm/pack-weights.ts';

interface Case { readonly k: number; readonly n: number; readonly m: number; readonly shape: MicroKernelShape; readonly relaxed: boolean }

function gflops({ k, n, m, shape, relaxed }: Case): number {
  const layout = panelLayout(n, k, shape.panelWidth);
  const xAt = layout.size * 4;
  const yAt = xAt + m * k * 4;
  const module = new ModuleAssembler(yAt + m * n * 4 + 64);
  const ref = module.declare('linear', [{ name: 'rows', type: 'i32' }, { name: 'x', type: 'i32' }, { name: 'y', type: 'i32' }], [], true);
  module.define(ref, (asm) => emitLinearKernel(asm, { inFeatures: k, outFeatures: n, layout, weightsAddress: 0, shape, relaxed },
    { rows: asm.param('rows'), x: asm.param('x'), y: asm.param('y') }));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(module.bytes()), {});
  const memory = new Float32Array((instance.exports.memory as WebAssembly.Memory).buffer);
  const run = instance.exports.linear as (rows: number, x: number, y: number) => void;
  const w = Float32Array.from({ length: n * k }, (_, i) => Math.sin(i) * 0.1);
  const x = Float32Array.from({ length: m * k }, (_, i) => Math.cos(i * 0.7));
  memory.set(packWeights(w, n, k, layout), 0);
  memory.set(x, xAt / 4);
  run(m, xAt, yAt);
  for (let r = 0; r < m; r += Math.max(1, m >> 3)) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let t = 0; t < k; t++) acc += (x[r * k + t] ?? 0) * (w[j * k + t] ?? 0);
      if (Math.abs(acc - (memory[yAt / 4 + r * n + j] ?? NaN)) > 1e-3) throw new Error(`ceiling: wrong result at ${r},${j}`);
    }
  }
  const warmEnd = performance.now() + 600;
  while (performance.now() < warmEnd) run(m, xAt, yAt);
  const reps = Math.max(1, Math.round(4e7 / (2 * m * n * k)));
  let best = Infinity;
  for (let round = 0; round < 10; round++) {
    const start = performance.now();
    for (let i = 0; i < reps; i++) run(m, xAt, yAt);
    best = Math.min(best, (performance.now() - start) / reps);
  }
  return (2 * m * n * k) / best / 1e6;
}

const SHAPES: readonly MicroKernelShape[] = (process.env['CEILING_SHAPES'] ?? '4x8x1,4x8x4,2x16x1,4x12x1,6x8x1').split(',').map((text) => {
  const [rowsPerBlock = 4, panelWidth = 8, unroll = 1] = text.split('x').map(Number);
  return { rowsPerBlock, panelWidth, unroll };
});
const relaxedAvailable = WebAssembly.validate(new Uint8Array([
  0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 8, 1, 0x60, 3, 0x7b, 0x7b, 0x7b, 1, 0x7b, 3, 2, 1, 0,
  10, 13, 1, 11, 0, 0x20, 0, 0x20, 1, 0x20, 2, 0xfd, 0x85, 0x02, 0x0b,
]));
const lines = ['| K×N | rows | block | simd GFLOP/s | relaxed GFLOP/s |', '| --- | --- | --- | --- | --- |'];
for (const [k, n] of [[784, 128], [784, 512], [512, 512]] as const) {
  for (const m of [1, 32, 256]) {
    for (const shape of SHAPES) {
      const plain = gflops({ k, n, m, shape, relaxed: false });
      const relaxed = relaxedAvailable ? gflops({ k, n, m, shape, relaxed: true }).toFixed(1) : '-';
      lines.push(`| ${k}×${n} | ${m} | ${shape.rowsPerBlock}×${shape.panelWidth}, unroll ${shape.unroll} | ${plain.toFixed(1)} | ${relaxed} |`);
    }
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
