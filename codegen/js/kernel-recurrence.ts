// The recurrence kernel in JS: one loop over time per direction and batch row, the gates'
// hidden (and, unprojected, input) dot products summed in f64 in index order and rounded to
// f32 as the interpreter does, then the cell bodies per hidden unit from the shared renderer.
// The state lives in the output's Y_h/Y_c rows, the per-step gate parts in the bundle's shared
// scratch array: nothing is allocated per step.

import { cellOperands } from '../../ir/ops/index.ts';
import type { ScalarExpr } from '../../ir/scalar.ts';
import { JS_SYNTAX, renderExpr } from '../expr-render.ts';
import type { BufferRef, RecurrenceKernel } from '../kernels.ts';
import type { CodeWriter } from '../writer.ts';
import { plus, renderExtent, times, type KernelScope } from './scope.ts';

export function emitRecurrence(k: RecurrenceKernel, scope: KernelScope, body: CodeWriter): void {
  const { hidden: H, gates: G, steps: T, directions: D } = k;
  const GH = G * H;
  const ops = cellOperands(G);
  const use = (ref: BufferRef | undefined): { array: string; base: string } | undefined => (ref === undefined ? undefined : scope.use(ref));
  const out = scope.use(k.out);
  const x = scope.use(k.x);
  const r = scope.use(k.r);
  const bias = scope.use(k.bias);
  const w = use(k.inputWeight);
  const [h0, c0, peep] = [use(k.initialH), use(k.initialC), use(k.peepholes)];
  // Scratch: hidden parts [0, GH), input parts [GH, 2GH), GRU's r and r⊙h [2GH, 2GH + 2H).
  const sc = scope.scratch(2 * GH + 2 * H);
  const rows = T + k.states;
  const B = renderExtent(k.batch);
  const lens = k.sequenceLens === undefined ? undefined : scope.table('lens', k.sequenceLens, 'Int32Array');
  body.line(`const B = ${B};`);
  const outAt = (row: string, d: number): string =>
    k.layout === 0 ? plus(out.base, `((${row}) * ${D} + ${d}) * B * ${H}`, `b * ${H}`) : plus(out.base, `((b * ${rows} + ${row}) * ${D} + ${d}) * ${H}`);
  const stateAt = (base: string, d: number): string => (k.layout === 0 ? plus(base, `(${d} * B + b) * ${H}`) : plus(base, `(b * ${D} + ${d}) * ${H}`));
  for (let d = 0; d < D; d++) {
    const bodies = k.bodies[d];
    if (bodies === undefined) continue;
    body.block(`for (let b = 0; b < B; b++) {`, () => {
      body.line(`const hAt = ${outAt(String(T), d)};`);
      if (k.states > 1) body.line(`const cAt = ${outAt(String(T + 1), d)};`);
      body.line(`const len = ${lens === undefined ? T : `${lens}[b]`};`);
      body.block(`for (let j = 0; j < ${H}; j++) {`, () => {
        body.line(`${out.array}[hAt + j] = ${h0 === undefined ? '0' : `${h0.array}[${stateAt(h0.base, d)} + j]`};`);
        if (k.states > 1) body.line(`${out.array}[cAt + j] = ${c0 === undefined ? '0' : `${c0.array}[${stateAt(c0.base, d)} + j]`};`);
      });
      body.block(`for (let s = len; s < ${T}; s++) {`, () => {
        body.line(`const yAt = ${outAt('s', d)};`);
        body.line(`for (let j = 0; j < ${H}; j++) ${out.array}[yAt + j] = 0;`);
      });
      body.block(`for (let s = 0; s < len; s++) {`, () => {
        body.line(`const t = ${k.reverse[d] === true ? 'len - 1 - s' : 's'};`);
        body.line(`const xAt = ${plus(x.base, k.layout === 0 ? `(t * B + b) * ${k.xWidth}` : `(b * ${T} + t) * ${k.xWidth}`)};`);
        body.line(`const yAt = ${outAt('t', d)};`);
        const hiddenRows = G === 3 && !k.linearBeforeReset ? 2 * H : GH;
        emitProducts(body, sc, 0, hiddenRows, `${out.array}`, 'hAt', r.array, plus(r.base, times(String(d), GH * H)), H,
          bias.array, plus(bias.base, String(d * k.biasStride + k.hiddenBiasOffset)));
        if (w !== undefined) {
          emitProducts(body, sc, GH, GH, x.array, 'xAt', w.array, plus(w.base, String(d * GH * k.xWidth)), k.xWidth, bias.array, plus(bias.base, String(d * k.biasStride)));
        }
        const inputPart = (row: string): string => (w !== undefined ? `${sc}[${GH} + ${row}]` : `${x.array}[xAt + ${d * GH} + ${row}]`);
        const operand = (index: number): string => {
          if (index < G) return inputPart(`${index * H} + j`);
          if (index < 2 * G) return `${sc}[${(index - G) * H} + j]`;
          if (index === 2 * G) return `${out.array}[hAt + j]`;
          if (index === 2 * G + 1) return `${out.array}[cAt + j]`;
          if (index < 2 * G + 5) return peep === undefined ? '0' : `${peep.array}[${plus(peep.base, String(d * 3 * H + (index - 2 * G - 2) * H))} + j]`;
          if (index === 2 * G + 5) return 'cNew';
          return `${sc}[${2 * GH} + j]`;
        };
        const render = (expr: ScalarExpr, prefix: string): { statements: string[]; value: string } =>
          renderExpr(expr, JS_SYNTAX, { operand: (i) => operand(i), localPrefix: prefix });
        if (bodies.reset !== undefined) {
          // GRU: r for every unit first (and r⊙h_prev), then the candidate's hidden part if r comes before R_h.
          body.block(`for (let j = 0; j < ${H}; j++) {`, () => {
            const reset = render(bodies.reset ?? ops.reset, 'u');
            body.all(reset.statements);
            body.line(`const rj = ${reset.value};`);
            body.line(`${sc}[${2 * GH} + j] = rj;`);
            body.line(`${sc}[${2 * GH + H} + j] = Math.fround(rj * ${out.array}[hAt + j]);`);
          });
          if (!k.linearBeforeReset) {
            emitProducts(body, sc, 2 * H, H, sc, String(2 * GH + H), r.array, plus(r.base, String(d * GH * H + 2 * H * H)), H,
              bias.array, plus(bias.base, String(d * k.biasStride + k.hiddenBiasOffset + 2 * H)));
          }
        }
        body.block(`for (let j = 0; j < ${H}; j++) {`, () => {
          if (bodies.c !== undefined) {
            const c = render(bodies.c, 'q');
            body.all(c.statements);
            body.line(`const cNew = ${c.value};`);
          }
          const h = render(bodies.h, 'v');
          body.all(h.statements);
          body.line(`const hNew = ${h.value};`);
          body.line(`${out.array}[yAt + j] = hNew;`);
          body.line(`${out.array}[hAt + j] = hNew;`);
          if (bodies.c !== undefined) body.line(`${out.array}[cAt + j] = cNew;`);
        });
      });
    });
  }
}

/**
 * dst[at + row] = f32(f32(Σ_k src[srcAt + k] · m[mAt + row·n + k]) + bias[biasAt + row]) for
 * row < count: the f64 sum in index order, rounded once, then an f32 bias add.
 */
function emitProducts(
  body: CodeWriter, sc: string, at: number, count: number, src: string, srcAt: string, m: string, mAt: string, n: number, bias: string, biasAt: string,
): void {
  body.block(`for (let row = 0; row < ${count}; row++) {`, () => {
    body.line(`const mRow = ${plus(mAt, `row * ${n}`)};`);
    body.line(`let acc = 0;`);
    body.line(`for (let k = 0; k < ${n}; k++) acc += ${src}[${srcAt} + k] * ${m}[mRow + k];`);
    body.line(`${sc}[${at} + row] = Math.fround(Math.fround(acc) + ${bias}[${plus(biasAt, 'row')}]);`);
  });
}
