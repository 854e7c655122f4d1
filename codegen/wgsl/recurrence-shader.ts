// The recurrence kernel in WGSL, the simple correct version: one invocation per (direction,
// batch row) walks that row's whole sequence, the gates' dot products summed in f32, the
// cell bodies from the shared renderer; the step's gate parts live in a function-local array
// (private memory), the state in the output's Y_h/Y_c rows. Rows are independent, so the
// invocations need no synchronization.

import { cellOperands } from '../../ir/ops/index.ts';
import type { ScalarExpr } from '../../ir/scalar.ts';
import { WGSL_SYNTAX, renderExpr } from '../expr-render.ts';
import type { BufferRef, RecurrenceKernel } from '../affine-kernels.ts';
import { CodeWriter } from '../writer.ts';
import { bufferBase, element, extentExpr, gridStrideShader, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';

export function recurrenceShader(k: RecurrenceKernel, layout: KernelLayout): ShaderPlan {
  const { hidden: H, gates: G, steps: T, directions: D } = k;
  const GH = G * H;
  const rows = T + k.states;
  const at = (ref: BufferRef, index: string): string => element(ref, index, layout);
  const outAt = (row: string, d: number): string =>
    k.layout === 0 ? `((${row}) * ${u32(D)} + ${u32(d)}) * B * ${u32(H)} + b * ${u32(H)}` : `((b * ${u32(rows)} + ${row}) * ${u32(D)} + ${u32(d)}) * ${u32(H)}`;
  const stateAt = (d: number): string => (k.layout === 0 ? `(${u32(d)} * B + b) * ${u32(H)}` : `(b * ${u32(D)} + ${u32(d)}) * ${u32(H)}`);
  const declarations: string[] = [];
  if (k.sequenceLens !== undefined) declarations.push(`const lens = array<u32, ${k.sequenceLens.length}>(${k.sequenceLens.map(u32).join(', ')});`);
  const ops = cellOperands(G);
  const w = new CodeWriter();

  /** sc[dst + row] = Σ_k src(k)·mat[matAt + row·n + k] + bias[biasAt + row] for row < count. */
  const products = (dst: number, count: number, n: number, src: (kk: string) => string, mat: BufferRef, matAt: number, biasAt: number): void => {
    w.block(`for (var row = 0u; row < ${u32(count)}; row = row + 1u) {`, () => {
      w.line('var acc = 0f;');
      w.block(`for (var kk = 0u; kk < ${u32(n)}; kk = kk + 1u) {`, () => {
        w.line(`acc = acc + ${src('kk')} * ${at(mat, `${u32(matAt)} + row * ${u32(n)} + kk`)};`);
      });
      w.line(`sc[${u32(dst)} + row] = acc + ${at(k.bias, `${u32(biasAt)} + row`)};`);
    });
  };

  for (let d = 0; d < D; d++) {
    const bodies = k.bodies[d];
    if (bodies === undefined) continue;
    const operand = (index: number): string => {
      if (index < G) return k.inputWeight !== undefined ? `sc[${u32(GH + index * H)} + j]` : at(k.x, `xAt + ${u32(d * GH + index * H)} + j`);
      if (index < 2 * G) return `sc[${u32((index - G) * H)} + j]`;
      if (index === 2 * G) return `data[hAt + j]`;
      if (index === 2 * G + 1) return `data[cAt + j]`;
      if (index < 2 * G + 5) return k.peepholes === undefined ? '0f' : at(k.peepholes, `${u32(d * 3 * H + (index - 2 * G - 2) * H)} + j`);
      if (index === 2 * G + 5) return 'cNew';
      return `sc[${u32(2 * GH)} + j]`;
    };
    const render = (expr: ScalarExpr, prefix: string): { statements: string[]; value: string } =>
      renderExpr(expr, WGSL_SYNTAX, { operand, localPrefix: prefix });
    w.block(`fn direction${d}(b: u32) {`, () => {
      w.line(`let B = ${extentExpr(k.batch)};`);
      w.line(`var sc: array<f32, ${2 * GH + 2 * H}>;`);
      w.line(`let hAt = ${bufferBase(k.out, layout)} + ${outAt(u32(T), d)};`);
      w.line(`let cAt = ${bufferBase(k.out, layout)} + ${k.states > 1 ? outAt(u32(T + 1), d) : '0u'};`);
      w.line(`let len = ${k.sequenceLens === undefined ? u32(T) : 'lens[b]'};`);
      w.block(`for (var j = 0u; j < ${u32(H)}; j = j + 1u) {`, () => {
        w.line(`data[hAt + j] = ${k.initialH === undefined ? '0f' : at(k.initialH, `${stateAt(d)} + j`)};`);
        if (k.states > 1) w.line(`data[cAt + j] = ${k.initialC === undefined ? '0f' : at(k.initialC, `${stateAt(d)} + j`)};`);
      });
      w.block(`for (var s = len; s < ${u32(T)}; s = s + 1u) {`, () => {
        w.line(`let yAt = ${bufferBase(k.out, layout)} + ${outAt('s', d)};`);
        w.line(`for (var j = 0u; j < ${u32(H)}; j = j + 1u) { data[yAt + j] = 0f; }`);
      });
      w.block('for (var s = 0u; s < len; s = s + 1u) {', () => {
        w.line(`let t = ${k.reverse[d] === true ? 'len - 1u - s' : 's'};`);
        w.line(`let xAt = ${k.layout === 0 ? `(t * B + b) * ${u32(k.xWidth)}` : `(b * ${u32(T)} + t) * ${u32(k.xWidth)}`};`);
        w.line(`let yAt = ${bufferBase(k.out, layout)} + ${outAt('t', d)};`);
        const hiddenRows = G === 3 && !k.linearBeforeReset ? 2 * H : GH;
        products(0, hiddenRows, H, (kk) => `data[hAt + ${kk}]`, k.r, d * GH * H, d * k.biasStride + k.hiddenBiasOffset);
        const weight = k.inputWeight;
        if (weight !== undefined) products(GH, GH, k.xWidth, (kk) => at(k.x, `xAt + ${kk}`), weight, d * GH * k.xWidth, d * k.biasStride);
        if (bodies.reset !== undefined) {
          w.block(`for (var j = 0u; j < ${u32(H)}; j = j + 1u) {`, () => {
            const reset = render(bodies.reset ?? ops.reset, 'u');
            w.all(reset.statements);
            w.line(`let rj = ${reset.value};`);
            w.line(`sc[${u32(2 * GH)} + j] = rj;`);
            w.line(`sc[${u32(2 * GH + H)} + j] = rj * data[hAt + j];`);
          });
          if (!k.linearBeforeReset) {
            products(2 * H, H, H, (kk) => `sc[${u32(2 * GH + H)} + ${kk}]`, k.r, d * GH * H + 2 * H * H, d * k.biasStride + k.hiddenBiasOffset + 2 * H);
          }
        }
        w.block(`for (var j = 0u; j < ${u32(H)}; j = j + 1u) {`, () => {
          if (bodies.c !== undefined) {
            const c = render(bodies.c, 'q');
            w.all(c.statements);
            w.line(`let cNew = ${c.value};`);
          }
          const h = render(bodies.h, 'v');
          w.all(h.statements);
          w.line(`let hNew = ${h.value};`);
          w.line('data[yAt + j] = hNew;');
          w.line('data[hAt + j] = hNew;');
          if (bodies.c !== undefined) w.line('data[cAt + j] = cNew;');
        });
      });
    });
    w.line('');
  }
  declarations.push(w.toString());
  const total = { ...k.batch, perSample: k.batch.perSample * D, fixed: k.batch.fixed * D };
  return gridStrideShader(k, total, (main) => {
    main.line(`let B = ${extentExpr(k.batch)};`);
    if (D === 1) main.line('direction0(i);');
    else main.line('if (i < B) { direction0(i); } else { direction1(i - B); }');
  }, declarations);
}
