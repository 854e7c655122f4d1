// The gather kernel (concat, slice, pad, nearest resize): one invocation per output element
// picks the source whose region holds it, maps each coordinate through its axis map
// (straight, affine, or a table stored as a WGSL `const` array) and copies the element, or
// writes the fill value where a map says padding. Bounds tests the geometry cannot fail are
// left out.

import { productExtent, type AxisMap, type Extent, type GatherKernel, type GatherSource } from '../affine-kernels.ts';
import type { CodeWriter } from '../writer.ts';
import { arrayOf, bufferBase, gridStrideShader, u32, type KernelLayout, type ShaderPlan } from './shader-common.ts';
import { affineI32, declareCoords, f32, i32 } from './window-index.ts';

function tableName(source: number, axis: number): string {
  return `map${source}_${axis}`;
}

/** `const` arrays for every table map. */
function tables(kernel: GatherKernel): string[] {
  return kernel.sources.flatMap((source, s) => source.maps.flatMap((map, a) => {
    if (map.kind !== 'table') return [];
    return [`const ${tableName(s, a)} = array<i32, ${map.indices.length}>(${map.indices.map(i32).join(', ')});`];
  }));
}

/** The output coordinates an axis takes for this source (its region on the region axis). */
function coordRange(kernel: GatherKernel, source: GatherSource, axis: number): { low: number; high: number } {
  if (axis === kernel.regionAxis && source.region !== undefined) return { low: source.region.begin, high: source.region.end - 1 };
  const extent: Extent | undefined = kernel.extents[axis];
  return { low: 0, high: (extent?.fixed ?? 1) - 1 };
}

/** Declares the source index of one axis; returns its u32 expression and any validity test. */
function mapAxis(w: CodeWriter, kernel: GatherKernel, s: number, a: number, o: string): { index: string; valid?: string } {
  const source = kernel.sources[s];
  const map: AxisMap | undefined = source?.maps[a];
  if (source === undefined || map === undefined || map.kind === 'identity') return { index: o };
  const name = `src${a}`;
  if (map.kind === 'table') {
    w.line(`let ${name} = ${tableName(s, a)}[${o}];`);
    return { index: `u32(${name})`, ...(map.indices.includes(-1) ? { valid: `${name} >= 0i` } : {}) };
  }
  w.line(`let ${name} = ${affineI32([{ expr: `i32(${o})`, scale: map.scale }], map.offset)};`);
  const { low, high } = coordRange(kernel, source, a);
  const ends = [low * map.scale + map.offset, high * map.scale + map.offset];
  const checks: string[] = [];
  if (Math.min(...ends) < 0) checks.push(`${name} >= 0i`);
  if (Math.max(...ends) >= map.size) checks.push(`${name} < ${i32(map.size)}`);
  return { index: `u32(${name})`, ...(checks.length > 0 ? { valid: checks.join(' && ') } : {}) };
}

/** value = the source's element at the output coordinates, where every map says it exists. */
function readSource(w: CodeWriter, kernel: GatherKernel, s: number, coords: readonly string[], layout: KernelLayout): void {
  const source = kernel.sources[s];
  if (source === undefined) return;
  const terms: string[] = [];
  const checks: string[] = [];
  coords.forEach((o, a) => {
    const stride = source.strides[a] ?? 0;
    const mapped = mapAxis(w, kernel, s, a, o);
    if (mapped.valid !== undefined) checks.push(mapped.valid);
    if (stride !== 0) terms.push(stride === 1 ? mapped.index : `${mapped.index} * ${u32(stride)}`);
  });
  const load = `value = ${arrayOf(source.buffer)}[${bufferBase(source.buffer, layout)} + ${terms.length === 0 ? '0u' : terms.join(' + ')}];`;
  if (checks.length === 0) w.line(load);
  else w.block(`if (${checks.join(' && ')}) {`, () => w.line(load));
}

export function gatherShader(kernel: GatherKernel, layout: KernelLayout): ShaderPlan {
  const total = productExtent(kernel.extents);
  return gridStrideShader(kernel, total, (w) => {
    const coords = declareCoords(w, 'i', kernel.extents, 'o');
    w.line(`var value = ${f32(kernel.fill)};`);
    const last = kernel.sources.length - 1;
    const region = coords[kernel.regionAxis] ?? '0u';
    // Sources in region order: each but the last is taken below its region's end.
    const chain = (s: number): void => {
      const source = kernel.sources[s];
      if (s === last || source?.region === undefined) {
        readSource(w, kernel, s, coords, layout);
        return;
      }
      w.block(`if (${region} < ${u32(source.region.end)}) {`, () => readSource(w, kernel, s, coords, layout), '} else {');
      w.indented(() => chain(s + 1));
      w.line('}');
    };
    chain(0);
    w.line(`data[${bufferBase(kernel.out, layout)} + i] = value;`);
  }, tables(kernel));
}
