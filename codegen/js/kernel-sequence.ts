// layer_norm and fused attention in JS. layer_norm follows the interpreter exactly (f64
// statistics, the normalized value rounded to f32, then an f32 multiply and add). Attention
// runs an online softmax over tiles of KEY_TILE keys: per query row a running max m, a
// running sum l and an f64 accumulator of Dv values, rescaled by exp(m_old − m_new) once per
// tile, so memory is O(KEY_TILE + Dv) per row and the Sq×Sk matrix is never stored.

import { constSize, constValue, isConstSize, scaleSize } from '../../ir/sym-size.ts';
import type { AttentionKernel, LayerNormKernel } from '../kernels.ts';
import type { CodeWriter } from '../writer.ts';
import { plus, renderExtent, times, type KernelScope } from './scope.ts';

/** Keys per tile: the scores of one tile live in a small f64 array. */
export const KEY_TILE = 64;

export function emitLayerNorm(kernel: LayerNormKernel, scope: KernelScope, body: CodeWriter): void {
  const x = scope.use(kernel.x);
  const r = kernel.residual === undefined ? undefined : scope.use(kernel.residual);
  const out = scope.use(kernel.out);
  const scale = kernel.scale === undefined ? undefined : scope.use(kernel.scale);
  const bias = kernel.bias === undefined ? undefined : scope.use(kernel.bias);
  const n = kernel.size;
  // The fused residual: the f32 sum, as add(x, r) would have stored it.
  const xAt = (i: string): string => (r === undefined ? `${x.array}[xr + ${i}]` : `Math.fround(${x.array}[xr + ${i}] + ${r.array}[rr + ${i}])`);
  body.block(`for (let r = 0; r < ${renderExtent(kernel.rows)}; r++) {`, () => {
    body.line(`const xr = ${plus(x.base, times('r', n))};`);
    if (r !== undefined) body.line(`const rr = ${plus(r.base, times('r', n))};`);
    body.line(`const yr = ${plus(out.base, times('r', n))};`);
    body.line('let sum = 0;');
    body.line(`for (let i = 0; i < ${n}; i++) sum += ${xAt('i')};`);
    body.line(`const mean = sum / ${n};`);
    body.line('let squares = 0;');
    body.block(`for (let i = 0; i < ${n}; i++) {`, () => {
      body.line(`const d = ${xAt('i')} - mean;`);
      body.line('squares += d * d;');
    });
    body.line(`const rstd = 1 / Math.sqrt(squares / ${n} + ${kernel.epsilon});`);
    body.block(`for (let i = 0; i < ${n}; i++) {`, () => {
      body.line(`let y = Math.fround((${xAt('i')} - mean) * rstd);`);
      if (scale !== undefined) body.line(`y = Math.fround(y * ${scale.array}[${plus(scale.base, 'i')}]);`);
      if (bias !== undefined) body.line(`y += ${bias.array}[${plus(bias.base, 'i')}];`);
      body.line(`${out.array}[yr + i] = y;`);
    });
  });
}

/** `const mb = …`: the mask's offset for the flat lead index p (lead dims decomposed). */
function maskBase(kernel: AttentionKernel, base: string, body: CodeWriter): void {
  const mask = kernel.mask;
  if (mask === undefined) return;
  const terms: string[] = [base];
  if (mask.leadStrides.some((s) => s.length > 0)) {
    body.line('let rest = p;');
    for (let axis = kernel.lead.length - 1; axis >= 1; axis--) {
      const dim = renderExtent(kernel.lead[axis] ?? constSize(1));
      body.line(`const c${axis} = rest % ${dim};`);
      body.line(`rest = (rest - c${axis}) / ${dim};`);
      terms.push(times(`c${axis}`, mask.leadStrides[axis] ?? 0));
    }
    terms.push(times('rest', mask.leadStrides[0] ?? 0));
  }
  body.line(`const mb = ${plus(...terms)};`);
}

export function emitAttention(kernel: AttentionKernel, scope: KernelScope, body: CodeWriter): void {
  const q = scope.use(kernel.q);
  const k = scope.use(kernel.k);
  const v = scope.use(kernel.v);
  const out = scope.use(kernel.out);
  const mask = kernel.mask === undefined ? undefined : { ...kernel.mask, ref: scope.use(kernel.mask.buffer) };
  const { sk, d, dv } = kernel;
  // A symbolic key length (one bundle for every S) takes a whole tile of scores.
  const tileKeys = isConstSize(sk) ? Math.min(KEY_TILE, constValue(sk)) : KEY_TILE;
  const scores = scope.table('scores', new Array<number>(tileKeys).fill(0), 'Float64Array');
  const acc = scope.table('acc', new Array<number>(dv).fill(0), 'Float64Array');
  const batches = kernel.lead.map(renderExtent);
  body.line(`const sq = ${renderExtent(kernel.sq)};`);
  body.line(`const sk = ${renderExtent(sk)};`);
  body.block(`for (let p = 0; p < ${batches.length === 0 ? '1' : batches.join(' * ')}; p++) {`, () => {
    body.line(`const qb = ${plus(q.base, `p * sq * ${d}`)};`);
    body.line(`const kb = ${plus(k.base, times('p', scaleSize(sk, d)))};`);
    body.line(`const vb = ${plus(v.base, times('p', scaleSize(sk, dv)))};`);
    body.line(`const ob = ${plus(out.base, `p * sq * ${dv}`)};`);
    if (mask !== undefined) maskBase(kernel, mask.ref.base, body);
    body.block('for (let i = 0; i < sq; i++) {', () => {
      body.line(`const qi = qb + ${times('i', d)};`);
      body.line('let m = -Infinity;');
      body.line('let l = 0;');
      body.line(`${acc}.fill(0);`);
      body.block(`for (let j0 = 0; j0 < sk; j0 += ${KEY_TILE}) {`, () => {
        body.line(`const j1 = Math.min(j0 + ${KEY_TILE}, sk);`);
        body.line('let top = -Infinity;');
        body.block('for (let j = j0; j < j1; j++) {', () => {
          body.line(`const kj = kb + ${times('j', d)};`);
          body.line('let dot = 0;');
          body.line(`for (let t = 0; t < ${d}; t++) dot += ${q.array}[qi + t] * ${k.array}[kj + t];`);
          body.line(`let s = Math.fround(Math.fround(dot) * ${kernel.scale});`);
          if (mask !== undefined) {
            body.line(`s = Math.fround(s + ${mask.ref.array}[${plus('mb', times('i', mask.rowStride), times('j', mask.colStride))}]);`);
          }
          body.line(`${scores}[j - j0] = s;`);
          body.line('top = Math.max(top, s);');
        });
        body.line('const next = Math.max(m, top);');
        // Both -Infinity (every key so far masked out): nothing to rescale, no weight to add.
        body.line('const keep = m === next ? 1 : Math.exp(m - next);');
        body.line('l *= keep;');
        body.line(`for (let c = 0; c < ${dv}; c++) ${acc}[c] *= keep;`);
        body.block('for (let j = j0; j < j1; j++) {', () => {
          body.line(`const w = next === -Infinity ? 0 : Math.exp(${scores}[j - j0] - next);`);
          body.line('l += w;');
          body.line(`const vj = vb + ${times('j', dv)};`);
          body.line(`for (let c = 0; c < ${dv}; c++) ${acc}[c] += w * ${v.array}[vj + c];`);
        });
        body.line('m = next;');
      });
      body.line(`const oi = ob + ${times('i', dv)};`);
      body.line(`for (let c = 0; c < ${dv}; c++) ${out.array}[oi + c] = ${acc}[c] / l;`);
    });
  });
}
