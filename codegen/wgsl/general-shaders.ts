// WGSL shaders for kernels whose sizes are run-time values anywhere (several symbols: a
// transpose moving S, scores [N,H,S,S], softmax over N, mean pooling over S): the affine
// shaders' index arithmetic with every extent and stride a u32 expression (a literal when
// static, else a size from the uniform, codegen/runtime-sizes.ts). One output element per
// invocation in a grid-stride loop (softmax: one workgroup per row, as its affine shader).
// Gathers too (concat, slice, pad of a transposed [N, D, S] along D).

import { CompileError } from '../../ir/errors.ts';
import { operandsOf } from '../../ir/scalar.ts';
import { constSize, isConstSize, mulSizes, sameSize } from '../../ir/sym-size.ts';
import type * as K from '../kernels.ts';
import type { RuntimeSizes } from '../runtime-sizes.ts';
import { CodeWriter } from '../writer.ts';
import { arrayOf, bufferBase, extentExpr, gridStrideShader, renderBody, shaderModule, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';
import { affineI32, f32, i32 } from './window-index.ts';

type Size = K.AffineExtent;
type Ref = K.BufferRef<'runtime'>;

const isOne = (e: Size): boolean => e.perSample === 0 && e.fixed === 1;
const isZero = (e: Size): boolean => e.perSample === 0 && e.fixed === 0;

/** A buffer's base as the affine shaders compute it (their refs have the same shape). */
function base(ref: Ref, layout: KernelLayout): string {
  return bufferBase(ref, layout);
}

/** `sum_a coord_a * strides[a]` of position `flat` in a row-major nest over `extents`. */
export function runtimeIndex(flat: string, extents: readonly Size[], strides: readonly Size[]): string {
  const terms: string[] = [];
  let inner: string | undefined;
  for (let axis = extents.length - 1; axis >= 0; axis--) {
    const extent = extents[axis];
    const stride = strides[axis] ?? { perSample: 0, fixed: 0 };
    if (extent === undefined) continue;
    if (!isZero(stride) && !isOne(extent)) {
      const quotient = inner === undefined ? flat : `(${flat} / (${inner}))`;
      const coord = axis === 0 ? quotient : `(${quotient} % (${extentExpr(extent)}))`;
      terms.push(isOne(stride) ? coord : `${coord} * ${extentExpr(stride)}`);
    }
    if (!isOne(extent)) inner = inner === undefined ? extentExpr(extent) : `${inner} * ${extentExpr(extent)}`;
  }
  return terms.length === 0 ? '0u' : terms.reverse().join(' + ');
}

export function generalElementwiseShader(source: K.ElementwiseKernel, sizes: RuntimeSizes, layout: KernelLayout): ShaderPlan {
  const extents = source.extents.map((e) => sizes.extent(e));
  const total = sizes.extent(mulSizes(...source.extents));
  const rendered = renderBody(source.body);
  return gridStrideShader(source, total, (w) => {
    for (const index of operandsOf(source.body)) {
      const access = source.operands[index];
      if (access === undefined) continue;
      const ref = sizes.ref(access.buffer);
      w.line(`let v${index} = ${arrayOf(ref)}[${base(ref, layout)} + ${runtimeIndex('i', extents, access.strides.map((s) => sizes.extent(s)))}];`);
    }
    w.all(rendered.statements);
    w.line(`data[${base(sizes.ref(source.out), layout)} + i] = ${rendered.value};`);
  });
}

export function generalMatmulShader(source: K.MatmulKernel, sizes: RuntimeSizes, layout: KernelLayout): ShaderPlan {
  const batch = source.batch.map((e) => sizes.extent(e));
  const total = sizes.extent(mulSizes(...source.batch, source.m, source.n));
  const [m, k, n] = [source.m, source.k, source.n].map((e) => extentExpr(sizes.extent(e)));
  const [a, b, out] = [source.a, source.b, source.out].map((r) => sizes.ref(r)) as [Ref, Ref, Ref];
  return gridStrideShader(source, total, (w) => {
    w.line(`let n = ${n};`);
    w.line(`let k = ${k};`);
    w.line('let j = i % n;');
    w.line(`let row = (i / n) % (${m});`);
    w.line(`let p = i / (n * ${m});`);
    const aBatch = runtimeIndex('p', batch, source.aBatchStrides.map((s) => sizes.extent(s)));
    const bBatch = runtimeIndex('p', batch, source.bBatchStrides.map((s) => sizes.extent(s)));
    w.line(`let a0 = ${base(a, layout)} + ${aBatch} + row * k;`);
    w.line(`let b0 = ${base(b, layout)} + ${bBatch} + j;`);
    w.line('var acc = 0f;');
    w.block('for (var t = 0u; t < k; t = t + 1u) {', () => {
      w.line(`acc = fma(${arrayOf(a)}[a0 + t], ${arrayOf(b)}[b0 + t * n], acc);`);
    });
    w.line(`data[${base(out, layout)} + i] = acc;`);
  });
}

const WORKGROUP = 64;
const LOWEST = '-3.40282346638528859812e+38f';

/** Softmax over the middle axis of [outer, size, inner], `inner` a run-time size: a workgroup per row. */
export function generalSoftmaxShader(source: K.SoftmaxKernel, sizes: RuntimeSizes, layout: KernelLayout): ShaderPlan {
  const rows = sizes.extent(mulSizes(source.outer, source.inner));
  const [size, inner] = [source.size, source.inner].map((e) => extentExpr(sizes.extent(e)));
  const [x, out] = [sizes.ref(source.x), sizes.ref(source.out)];
  const at = (s: string): string => `${arrayOf(x)}[${base(x, layout)} + start + ${s} * inner]`;
  const reduce = (w: CodeWriter, combine: (p: string, q: string) => string): void => {
    w.block(`for (var width = ${u32(WORKGROUP / 2)}; width > 0u; width = width / 2u) {`, () => {
      w.block('if (li < width) {', () => w.line(`red[li] = ${combine('red[li]', 'red[li + width]')};`));
      w.line('workgroupBarrier();');
    });
  };
  const w = new CodeWriter();
  w.line(`var<workgroup> red: array<f32, ${WORKGROUP}>;`).line('');
  w.line(`@compute @workgroup_size(${WORKGROUP})`);
  w.block('fn main(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) groups: vec3u) {', () => {
    w.line(`let rows = ${extentExpr(rows)};`);
    w.line(`let size = ${size};`);
    w.line(`let inner = ${inner};`);
    w.block('for (var row = wid.x; row < rows; row = row + groups.x) {', () => {
      w.line('let start = (row / inner) * size * inner + row % inner;');
      w.line(`var best = ${LOWEST};`);
      w.block(`for (var s = li; s < size; s = s + ${u32(WORKGROUP)}) {`, () => w.line(`best = max(best, ${at('s')});`));
      w.line('red[li] = best;').line('workgroupBarrier();');
      reduce(w, (p, q) => `max(${p}, ${q})`);
      w.line('let top = red[0];').line('workgroupBarrier();');
      w.line('var sum = 0f;');
      w.block(`for (var s = li; s < size; s = s + ${u32(WORKGROUP)}) {`, () => w.line(`sum = sum + exp(${at('s')} - top);`));
      w.line('red[li] = sum;').line('workgroupBarrier();');
      reduce(w, (p, q) => `${p} + ${q}`);
      w.line('let total = red[0];').line('workgroupBarrier();');
      w.block(`for (var s = li; s < size; s = s + ${u32(WORKGROUP)}) {`, () => {
        w.line(`data[${base(out, layout)} + start + s * inner] = exp(${at('s')} - top) / total;`);
      });
    });
  });
  return {
    code: shaderModule(source, w.toString()),
    dispatch: [{ items: rows, per: 1 }, { items: { perSample: 0, fixed: 1 }, per: 1 }],
    invocations: WORKGROUP,
    workgroupBytes: 4 * WORKGROUP,
  };
}

/** reduce_* over whole axes (taps = size, no padding) and straight axes, sizes at run time. */
export function generalReduceShader(source: K.ReduceKernel, sizes: RuntimeSizes, layout: KernelLayout): ShaderPlan {
  const whole = (a: K.ReduceAxis): boolean => a.padBegin === 0 && a.padEnd === 0 && a.dilation === 1 && sameSize(a.taps, a.size) && sameSize(a.out, constSize(1));
  const straight = (a: K.ReduceAxis): boolean => a.padBegin === 0 && a.padEnd === 0 && a.stride === 1 && a.dilation === 1 && isConstSize(a.taps) && sameSize(a.taps, constSize(1));
  if (!source.axes.every((a) => whole(a) || straight(a))) {
    throw new CompileError('the WGSL target takes several symbols in reductions over whole axes, not in a window with padding or strides (the JS target takes it; --dim fixes a symbol at compile time)', { node: source.label, op: source.op });
  }
  const outs = source.axes.map((a) => sizes.extent(a.out));
  const total = sizes.extent(mulSizes(...source.axes.map((a) => a.out)));
  const [x, out] = [sizes.ref(source.x), sizes.ref(source.out)];
  const combine = source.combine === 'sum' ? { init: '0f', step: (acc: string, v: string) => `${acc} + ${v}` }
    : { init: source.combine === 'max' ? '-fg_inf()' : 'fg_inf()', step: (acc: string, v: string) => `${source.combine}(${acc}, ${v})` };
  return gridStrideShader(source, total, (w) => {
    w.line(`let origin = ${runtimeIndex('i', outs, source.axes.map((a) => sizes.extent(a.inStride)))};`);
    w.line(`var acc = ${combine.init};`);
    const reduced = source.axes.flatMap((a, index) => (whole(a) ? [index] : []));
    const offsets: string[] = ['origin'];
    const open = (level: number): void => {
      const index = reduced[level];
      if (index === undefined) {
        w.line(`acc = ${combine.step('acc', `${arrayOf(x)}[${base(x, layout)} + ${offsets.join(' + ')}]`)};`);
        return;
      }
      const axis = source.axes[index];
      if (axis === undefined) return;
      w.block(`for (var t${index} = 0u; t${index} < ${extentExpr(sizes.extent(axis.taps))}; t${index} = t${index} + 1u) {`, () => {
        offsets.push(`t${index} * ${extentExpr(sizes.extent(axis.inStride))}`);
        open(level + 1);
        offsets.pop();
      });
    };
    open(0);
    const count = reduced.map((index) => `f32(${extentExpr(sizes.extent(source.axes[index]?.taps ?? constSize(1)))})`);
    const value = source.finish === 'none' || count.length === 0 ? 'acc' : `acc / (${count.join(' * ')})`;
    w.line(`data[${base(out, layout)} + i] = ${value};`);
  });
}

/**
 * concat, slice and pad with run-time extents or strides: the affine gather shader's scheme
 * (gather-shader.ts: the source whose region holds the element, each coordinate through its
 * axis map, the fill value where a map says padding) with coordinates and strides as u32
 * expressions. Mapped axes (not straight through) have static extents.
 */
export function generalGatherShader(source: K.GatherKernel, sizes: RuntimeSizes, layout: KernelLayout): ShaderPlan {
  const extents = source.extents.map((e) => sizes.extent(e));
  const total = sizes.extent(mulSizes(...source.extents));
  const tables = source.sources.flatMap((s, index) => s.maps.flatMap((map, a) => (map.kind === 'table'
    ? [`const map${index}_${a} = array<i32, ${map.indices.length}>(${map.indices.map(i32).join(', ')});`] : [])));
  return gridStrideShader(source, total, (w) => {
    let inner: string | undefined;
    const coords = new Array<string>(extents.length).fill('0u');
    for (let a = extents.length - 1; a >= 0; a--) {
      const extent = extents[a] ?? { perSample: 0, fixed: 1 };
      const quotient = inner === undefined ? 'i' : `(i / (${inner}))`;
      w.line(`let o${a} = ${a === 0 ? quotient : `${quotient} % (${extentExpr(extent)})`};`);
      coords[a] = `o${a}`;
      inner = inner === undefined ? extentExpr(extent) : `${inner} * ${extentExpr(extent)}`;
    }
    w.line(`var value = ${f32(source.fill)};`);
    const read = (index: number): void => {
      const s = source.sources[index];
      if (s === undefined) return;
      const ref = sizes.ref(s.buffer);
      const terms: string[] = [];
      const checks: string[] = [];
      s.maps.forEach((map, a) => {
        const o = coords[a] ?? '0u';
        let mapped = o;
        if (map.kind === 'table') {
          w.line(`let src${a} = map${index}_${a}[${o}];`);
          mapped = `u32(src${a})`;
          checks.push(`src${a} >= 0i`);
        } else if (map.kind === 'affine') {
          w.line(`let src${a} = ${affineI32([{ expr: `i32(${o})`, scale: map.scale }], map.offset)};`);
          mapped = `u32(src${a})`;
          checks.push(`src${a} >= 0i && src${a} < ${i32(map.size)}`);
        }
        const stride = sizes.extent(s.strides[a] ?? []);
        if (stride.perSample !== 0 || stride.fixed !== 0) terms.push(isOne(stride) ? mapped : `${mapped} * ${extentExpr(stride)}`);
      });
      const load = `value = ${arrayOf(ref)}[${base(ref, layout)} + ${terms.length === 0 ? '0u' : terms.join(' + ')}];`;
      if (checks.length === 0) w.line(load);
      else w.block(`if (${checks.join(' && ')}) {`, () => w.line(load));
    };
    const last = source.sources.length - 1;
    const chain = (index: number): void => {
      const s = source.sources[index];
      if (index === last || s?.region === undefined) {
        read(index);
        return;
      }
      w.block(`if (${coords[source.regionAxis] ?? '0u'} < ${u32(s.region.end)}) {`, () => read(index), '} else {');
      w.indented(() => chain(index + 1));
      w.line('}');
    };
    chain(0);
    w.line(`data[${base(sizes.ref(source.out), layout)} + i] = value;`);
  }, tables);
}
