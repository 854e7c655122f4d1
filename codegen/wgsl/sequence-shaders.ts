// layer_norm and fused attention as WGSL: one invocation per row (grid-stride). WGSL has no
// f64, so layer_norm's statistics are two f32 passes (mean, then the variance of x − mean:
// no cancellation, within about size · 2⁻²⁴ relative); attention keeps, per query row, a
// running max, sum and a private array of Dv accumulators, and scores one tile of
// KEY_TILE_GPU keys at a time into a private array: an online softmax, never the Sq×Sk matrix.

import { CompileError } from '../../ir/errors.ts';
import { WGSL_SYNTAX } from '../expr-render.ts';
import { productExtent, type AttentionKernel, type LayerNormKernel } from '../affine-kernels.ts';
import type { Extent } from '../affine-kernels.ts';
import { CodeWriter } from '../writer.ts';
import { bufferBase, element, extentExpr, GRID_WORKGROUP, gridItemsPerWorkgroup, gridStrideShader, shaderModule, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';

const KEY_TILE_GPU = 16;

export function layerNormShader(kernel: LayerNormKernel, layout: KernelLayout): ShaderPlan {
  const n = kernel.size;
  const residual = kernel.residual;
  const x = (i: string): string =>
    residual === undefined ? element(kernel.x, `base + ${i}`, layout) : `(${element(kernel.x, `base + ${i}`, layout)} + ${element(residual, `base + ${i}`, layout)})`;
  return gridStrideShader(kernel, kernel.rows, (w) => {
    w.line(`let base = i * ${u32(n)};`);
    w.line('var sum = 0f;');
    w.block(`for (var t = 0u; t < ${u32(n)}; t = t + 1u) {`, () => w.line(`sum = sum + ${x('t')};`));
    w.line(`let mean = sum / ${WGSL_SYNTAX.number(n)};`);
    w.line('var squares = 0f;');
    w.block(`for (var t = 0u; t < ${u32(n)}; t = t + 1u) {`, () => {
      w.line(`let d = ${x('t')} - mean;`);
      w.line('squares = fma(d, d, squares);');
    });
    w.line(`let rstd = 1f / sqrt(squares / ${WGSL_SYNTAX.number(n)} + ${WGSL_SYNTAX.number(kernel.epsilon)});`);
    w.block(`for (var t = 0u; t < ${u32(n)}; t = t + 1u) {`, () => {
      w.line(`var y = (${x('t')} - mean) * rstd;`);
      if (kernel.scale !== undefined) w.line(`y = y * ${element(kernel.scale, 't', layout)};`);
      if (kernel.bias !== undefined) w.line(`y = y + ${element(kernel.bias, 't', layout)};`);
      w.line(`data[${bufferBase(kernel.out, layout)} + base + t] = y;`);
    });
  });
}

export function attentionShader(kernel: AttentionKernel, layout: KernelLayout): ShaderPlan {
  const { sk, d, dv } = kernel;
  const batches = productExtent(kernel.lead);
  const mask = kernel.mask;
  const lowest = WGSL_SYNTAX.number(-Infinity);
  const declarations = [`const KEY_TILE = ${u32(KEY_TILE_GPU)};`];
  // Query rows on x, the lead index p on y: Sq and the lead count may each be a run-time size.
  return rowsByLeadShader(kernel, kernel.sq, batches, (w) => {
    w.line('let i = p * sq + row;');
    w.line(`let q0 = ${bufferBase(kernel.q, layout)} + i * ${u32(d)};`);
    // Sk and the mask's strides may be run-time sizes (a symbolic key length: one shader for every S).
    w.line(`let sk = ${extentExpr(sk)};`);
    w.line(`let k0 = ${bufferBase(kernel.k, layout)} + p * sk * ${u32(d)};`);
    w.line(`let v0 = ${bufferBase(kernel.v, layout)} + p * sk * ${u32(dv)};`);
    if (mask !== undefined) {
      const lead = kernel.lead.length === 0 ? '0u' : leadOffset('p', kernel.lead, mask.leadStrides);
      w.line(`let m0 = ${bufferBase(mask.buffer, layout)} + ${lead} + row * ${extentExpr(mask.rowStride)};`);
    }
    w.line(`var acc: array<f32, ${dv}>;`);
    w.line(`var scores: array<f32, ${KEY_TILE_GPU}>;`);
    w.line(`var m = ${lowest};`);
    w.line('var l = 0f;');
    w.block('for (var j0 = 0u; j0 < sk; j0 = j0 + KEY_TILE) {', () => {
      w.line('let len = min(KEY_TILE, sk - j0);');
      w.line(`var top = ${lowest};`);
      w.block('for (var j = 0u; j < len; j = j + 1u) {', () => {
        w.line(`let kj = k0 + (j0 + j) * ${u32(d)};`);
        w.line('var dot = 0f;');
        w.block(`for (var t = 0u; t < ${u32(d)}; t = t + 1u) {`, () => {
          w.line(`dot = fma(${kernel.q.kind === 'const' ? 'consts' : 'data'}[q0 + t], ${kernel.k.kind === 'const' ? 'consts' : 'data'}[kj + t], dot);`);
        });
        const masked = mask === undefined ? '' : ` + ${mask.buffer.kind === 'const' ? 'consts' : 'data'}[m0 + (j0 + j) * ${u32(mask.colStride)}]`;
        w.line(`let s = dot * ${WGSL_SYNTAX.number(kernel.scale)}${masked};`);
        w.line('scores[j] = s;');
        w.line('top = max(top, s);');
      });
      w.line('let next = max(m, top);');
      // Every key so far masked out: nothing to add.
      w.block(`if (next != ${lowest}) {`, () => {
        w.line('let keep = exp(m - next);');
        w.line('l = l * keep;');
        w.line(`for (var c = 0u; c < ${u32(dv)}; c = c + 1u) { acc[c] = acc[c] * keep; }`);
        w.block('for (var j = 0u; j < len; j = j + 1u) {', () => {
          w.line('let e = exp(scores[j] - next);');
          w.line('l = l + e;');
          w.line(`let vj = v0 + (j0 + j) * ${u32(dv)};`);
          w.line(`for (var c = 0u; c < ${u32(dv)}; c = c + 1u) { acc[c] = fma(e, ${kernel.v.kind === 'const' ? 'consts' : 'data'}[vj + c], acc[c]); }`);
        });
        w.line('m = next;');
      });
    });
    w.line(`let o0 = ${bufferBase(kernel.out, layout)} + i * ${u32(dv)};`);
    // l = 0 only when every key was masked out (-inf): the row is NaN, as softmax over -inf
    // only is in the IR and ONNX; written as a NaN bit pattern, since 0 / 0 is not NaN on every GPU.
    w.line(`for (var c = 0u; c < ${u32(dv)}; c = c + 1u) { data[o0 + c] = select(acc[c] / l, fg_nan(), l == 0f); }`);
  }, declarations);
}

/** A grid-stride shader over `rows` (x, the local `row`; `sq` its count) for each lead index `p` < `batches` (y). */
function rowsByLeadShader(kernel: AttentionKernel, rows: Extent, batches: Extent, body: (w: CodeWriter) => void, declarations: readonly string[]): ShaderPlan {
  const w = new CodeWriter();
  w.all(declarations).line('');
  w.line(`@compute @workgroup_size(${GRID_WORKGROUP})`);
  w.block('fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {', () => {
    w.line(`let sq = ${extentExpr(rows)};`);
    w.line(`let batches = ${extentExpr(batches)};`);
    w.block('for (var p = gid.y; p < batches; p = p + groups.y) {', () => {
      w.block(`for (var row = gid.x; row < sq; row = row + groups.x * ${u32(GRID_WORKGROUP)}) {`, () => body(w));
    });
  });
  return {
    code: shaderModule(kernel, w.toString()),
    dispatch: [{ items: rows, per: gridItemsPerWorkgroup(rows) }, { items: batches, per: 1 }],
    invocations: GRID_WORKGROUP,
    workgroupBytes: 0,
  };
}

/** The mask offset of the flat lead index `flat`: its coordinates (inner dims static) times strides that may be run-time sizes. */
function leadOffset(flat: string, extents: readonly Extent[], strides: readonly Extent[]): string {
  const terms: string[] = [];
  let inner = 1;
  for (let axis = extents.length - 1; axis >= 0; axis--) {
    const extent = extents[axis];
    const stride = strides[axis];
    if (extent === undefined || stride === undefined) continue;
    if (axis > 0 && extent.perSample !== 0) throw new CompileError('internal: only the outermost lead dim of an attention may be a run-time size');
    if (stride.perSample !== 0 || stride.fixed !== 0) {
      const quotient = inner === 1 ? flat : `(${flat} / ${u32(inner)})`;
      const coord = axis === 0 ? quotient : `(${quotient} % ${u32(extent.fixed)})`;
      terms.push(`${coord} * ${extentExpr(stride)}`);
    }
    inner *= extent.fixed;
  }
  return terms.length === 0 ? '0u' : terms.join(' + ');
}
