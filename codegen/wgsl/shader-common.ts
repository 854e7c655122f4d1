// Pieces every WGSL kernel shader shares: the binding declarations, u32 index arithmetic
// with literal shapes (only the batch comes from the uniform), buffer addressing through
// the GPU layout, and the description of a shader's dispatch that the host evaluates.

import { CompileError } from '../../ir/errors.ts';
import { WGSL_SYNTAX, renderExpr, type RenderedExpr } from '../expr-render.ts';
import { isBoolean, type ScalarExpr } from '../../ir/scalar.ts';
import type { Access, BufferRef, Extent } from '../affine-kernels.ts';
import { commentText } from '../namer.ts';
import type { GpuLayout } from './layout.ts';
import { CodeWriter } from '../writer.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { preludeFor } from './prelude.ts';

/** A kernel's view of the layout: `consts` is bound from `constBase` of its chunk on. */
export interface KernelLayout extends GpuLayout {
  readonly constBase: number;
}

/** The part of a weight chunk a kernel binds, in f32 elements. */
export interface ConstWindow {
  readonly chunk: number;
  readonly offset: number;
  readonly size: number;
}

/** Workgroups along one dispatch axis: ceil(items(batch) / per), capped by the device limit. */
export interface DispatchAxis {
  readonly items: Extent;
  readonly per: number;
}

export interface ShaderPlan {
  readonly code: string;
  /** x and y axes of the dispatch; kernels loop (grid-stride) when a cap cuts them short. */
  readonly dispatch: readonly [DispatchAxis, DispatchAxis];
  readonly invocations: number;
  readonly workgroupBytes: number;
  /** The weights it reads (none: it binds an empty buffer). */
  readonly consts?: ConstWindow;
  /** The same kernel for devices with an optional feature (load() picks by feature detection). */
  readonly variants?: ShaderVariants;
}

/** Alternative code for the same dispatch and bindings; `code` stays the portable path. */
export interface ShaderVariants {
  /** Reductions through subgroup operations (`enable subgroups;`). */
  readonly subgroups?: string;
  /** f16 products in the inner loop (`enable f16;`), emitted only when compiled with wgslF16. */
  readonly f16?: string;
}

export const BINDINGS = [
  'struct Params {',
  '  batch: u32,',
  '}',
  '@group(0) @binding(0) var<uniform> params: Params;',
  '@group(0) @binding(1) var<storage, read> consts: array<f32>;',
  '@group(0) @binding(2) var<storage, read_write> data: array<f32>;',
].join('\n');

/** A u32 literal. */
export function u32(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new CompileError(`index ${value} does not fit in u32`);
  return `${value}u`;
}

/** Run-time size `slot` (several symbols): in the uniform after the batch, four to a vec4u. */
export function slotExpr(slot: number): string {
  return `params.s[${slot >> 2}][${slot & 3}]`;
}

/** `perSample * batch + fixed` as a u32 expression (a literal when static); a slot's size instead of the batch. */
export function extentExpr(extent: Extent): string {
  if (extent.perSample === 0) return u32(extent.fixed);
  const value = extent.slot === undefined ? 'params.batch' : slotExpr(extent.slot);
  const scaled = extent.perSample === 1 ? value : `${value} * ${u32(extent.perSample)}`;
  return extent.fixed === 0 ? scaled : `(${scaled} + ${u32(extent.fixed)})`;
}

/** The element at index `index` (a u32 expression) of a buffer. */
export function element(ref: BufferRef, index: string, layout: KernelLayout): string {
  return `${ref.kind === 'const' ? 'consts' : 'data'}[${bufferBase(ref, layout)} + ${index}]`;
}

/** The storage array a buffer lives in. */
export function arrayOf(ref: BufferRef): string {
  return ref.kind === 'const' ? 'consts' : 'data';
}

export function bufferBase(ref: BufferRef, layout: KernelLayout): string {
  switch (ref.kind) {
    case 'const': return u32((layout.constants[ref.index] ?? missing(ref)).offset - layout.constBase);
    case 'input': return extentExpr(layout.inputs[ref.index] ?? missing(ref));
    case 'output': return extentExpr(layout.outputs[ref.index] ?? missing(ref));
    case 'arena': {
      const base = layout.arena;
      if (base.perSample !== 0 && ref.offset.perSample !== 0 && base.slot !== ref.offset.slot) return `(${extentExpr(base)} + ${extentExpr(ref.offset)})`;
      const slot = base.perSample !== 0 ? base.slot : ref.offset.slot;
      return extentExpr({ perSample: base.perSample + ref.offset.perSample, fixed: base.fixed + ref.offset.fixed, ...(slot === undefined ? {} : { slot }) });
    }
  }
}

function missing(ref: BufferRef): never {
  throw new CompileError(`internal: no GPU buffer region for ${ref.kind} buffer`);
}

/**
 * The offset `sum_a coord_a * strides[a]` of position `flat` in a row-major nest over
 * `extents`. Only axis 0 may depend on the batch; it is the quotient and needs no modulo.
 */
export function stridedIndex(flat: string, extents: readonly Extent[], strides: readonly number[]): string {
  const terms: string[] = [];
  let inner = 1;
  for (let axis = extents.length - 1; axis >= 0; axis--) {
    const extent = extents[axis];
    const stride = strides[axis] ?? 0;
    if (extent === undefined) continue;
    if (axis > 0 && extent.perSample !== 0) throw new CompileError('internal: only the outermost axis may depend on the batch');
    if (stride !== 0) {
      const quotient = inner === 1 ? flat : `(${flat} / ${u32(inner)})`;
      const coord = axis === 0 ? quotient : `(${quotient} % ${u32(extent.fixed)})`;
      terms.push(stride === 1 ? coord : `${coord} * ${u32(stride)}`);
    }
    inner *= extent.fixed;
  }
  return terms.length === 0 ? '0u' : terms.reverse().join(' + ');
}

/** Reads of an access at nest position `flat` over `extents`. */
export function accessElement(access: Access, flat: string, extents: readonly Extent[], layout: KernelLayout): string {
  return element(access.buffer, stridedIndex(flat, extents, access.strides), layout);
}

/** A scalar body in WGSL, its operands read from locals `v<i>`; comparisons become 0 or 1. */
export function renderBody(body: ScalarExpr): RenderedExpr {
  const rendered = renderExpr(body, WGSL_SYNTAX, { operand: (index) => `v${index}`, localPrefix: 't' });
  return isBoolean(body) ? { statements: rendered.statements, value: `select(0f, 1f, ${rendered.value})` } : rendered;
}

/**
 * The bindings of a shader that reads run-time sizes (several symbols): the uniform holds the
 * batch, then the sizes four to a vec4u, as many as the shader reads (the buffer holds all).
 */
function bindingsFor(body: string): string {
  const slots = [...body.matchAll(/params\.s\[(\d+)\]/g)].map((m) => Number(m[1]));
  if (slots.length === 0) return BINDINGS;
  return BINDINGS.replace('  batch: u32,\n}', `  batch: u32,\n  s: array<vec4u, ${Math.max(...slots) + 1}>,\n}`);
}

/** An optional WGSL extension a shader variant enables (the device feature it needs). */
export type WgslExtension = 'subgroups' | 'f16';

/** The complete module: header comment, extensions, bindings, the helpers it calls, the kernel. */
export function shaderModule(kernel: { readonly op: string; readonly label: string }, body: string, extensions: readonly WgslExtension[] = []): string {
  const header = `// ${kernel.op} kernel for ${commentText(kernel.label)} (generated by fusegraph)`;
  const enables = extensions.map((extension) => `enable ${extension};`);
  return [header, ...enables, bindingsFor(body), ...preludeFor(body), body].join('\n\n');
}

/** Invocations per workgroup of the one-output-per-invocation shaders. */
export const GRID_WORKGROUP = 64;

/**
 * Elements per workgroup of a grid-stride shader: one per invocation, or more where a static
 * total would need more workgroups than one dispatch axis allows (the loop covers them; a
 * batched total is capped at run time instead).
 */
export function gridItemsPerWorkgroup(total: Extent): number {
  if (total.perSample !== 0) return GRID_WORKGROUP;
  const rounds = Math.ceil(total.fixed / (GRID_WORKGROUP * DEFAULT_LIMITS.maxComputeWorkgroupsPerDimension));
  return GRID_WORKGROUP * Math.max(1, rounds);
}

/**
 * A shader with one invocation per output element in a grid-stride loop over `total`
 * (the runtime caps the dispatch; the loop covers the rest). `declarations` go before the
 * entry point (constant tables); `body` writes the element at the u32 local `i`.
 */
export function gridStrideShader(kernel: { readonly op: string; readonly label: string }, total: Extent, body: (w: CodeWriter) => void, declarations: readonly string[] = []): ShaderPlan {
  const w = new CodeWriter();
  if (declarations.length > 0) w.all(declarations).line('');
  w.line(`@compute @workgroup_size(${GRID_WORKGROUP})`);
  w.block('fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {', () => {
    w.line(`let total = ${extentExpr(total)};`);
    w.block(`for (var i = gid.x; i < total; i = i + groups.x * ${u32(GRID_WORKGROUP)}) {`, () => body(w));
  });
  return {
    code: shaderModule(kernel, w.toString()),
    dispatch: [{ items: total, per: gridItemsPerWorkgroup(total) }, { items: { perSample: 0, fixed: 1 }, per: 1 }],
    invocations: GRID_WORKGROUP,
    workgroupBytes: 0,
  };
}
