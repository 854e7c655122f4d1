// Gather and resize kernels in JS: one loop per output axis, each source's input offset built
// axis by axis from its maps (identity, affine with a bounds test, or a table made once beside
// the function), concat's sources chosen by region along one axis; linear resizing reads its
// per-axis taps from tables and weights the corners in f64 as the interpreter does.

import { constValue } from '../../ir/sym-size.ts';
import { isStaticExtent, staticExtent, type AxisMap, type GatherKernel, type GatherSource, type ResizeKernel } from '../kernels.ts';
import type { CodeWriter } from '../writer.ts';
import { plus, renderExtent, times, type KernelScope } from './scope.ts';

/** The input index expression of one axis, and a padding test if the map can leave the input. */
function axisIndex(map: AxisMap, coord: string, table: () => string): { index: string; outside?: string } {
  switch (map.kind) {
    case 'identity': return { index: coord };
    case 'affine': {
      const index = plus(times(coord, map.scale), String(map.offset)).replace(/\+ -/g, '- ');
      return { index, outside: `(${index}) < 0 || (${index}) >= ${map.size}` };
    }
    case 'table': {
      const name = table();
      return map.indices.includes(-1) ? { index: `${name}[${coord}]`, outside: `${name}[${coord}] < 0` } : { index: `${name}[${coord}]` };
    }
  }
}

function emitSource(kernel: GatherKernel, index: number, source: GatherSource, scope: KernelScope, body: CodeWriter, out: { array: string }): void {
  const input = scope.use(source.buffer);
  const tests: string[] = [];
  const terms = source.maps.map((map, a) => {
    const { index: at, outside } = axisIndex(map, `o${a}`, () => scope.table(`map${index}_${a}`, map.kind === 'table' ? map.indices : [], 'Int32Array'));
    // A slice's affine map never leaves its input (its bounds were resolved at compile time).
    if (outside !== undefined && !(map.kind === 'affine' && affineStaysInside(map, kernel, a, source))) tests.push(outside);
    return times(at.includes(' ') ? `(${at})` : at, source.strides[a] ?? 0);
  });
  const value = `${input.array}[${plus(input.base, ...terms)}]`;
  body.line(`${out.array}[o++] = ${tests.length === 0 ? value : `(${tests.join(' || ')}) ? ${fillLiteral(kernel.fill)} : ${value}`};`);
}

/** Whether every output index of the axis (its region, for concat) maps inside the input. */
function affineStaysInside(map: Extract<AxisMap, { kind: 'affine' }>, kernel: GatherKernel, a: number, source: GatherSource): boolean {
  const extent = kernel.extents[a];
  if (extent === undefined || !isStaticExtent(extent)) return false;
  const [lo, hi] = a === kernel.regionAxis && source.region !== undefined ? [source.region.begin, source.region.end - 1] : [0, constValue(extent) - 1];
  const ends = [lo * map.scale + map.offset, hi * map.scale + map.offset];
  return Math.min(...ends) >= 0 && Math.max(...ends) < map.size;
}

/** The fill value as stored: rounded to f32 (a tiny negative becomes -0). */
function fillLiteral(value: number): string {
  const f32 = Math.fround(value);
  if (!Number.isFinite(f32)) return f32 > 0 ? 'Infinity' : '-Infinity';
  return Object.is(f32, -0) ? '-0' : String(f32);
}

export function emitGather(kernel: GatherKernel, scope: KernelScope, body: CodeWriter): void {
  const out = scope.use(kernel.out);
  body.line(`let o = ${out.base};`);
  const open = (a: number): void => {
    if (a === kernel.extents.length) {
      if (kernel.sources.length === 1 && kernel.sources[0] !== undefined) {
        emitSource(kernel, 0, kernel.sources[0], scope, body, out);
        return;
      }
      // Several sources (concat): each covers a region of the region axis.
      kernel.sources.forEach((source, index) => {
        const region = source.region;
        const test = region === undefined ? 'true' : `o${kernel.regionAxis} < ${region.end}`;
        const keyword = index === 0 ? 'if' : index === kernel.sources.length - 1 ? null : '} else if';
        if (keyword === null) body.line('} else {');
        else body.line(`${keyword} (${test}) {`);
        body.indented(() => emitSource(kernel, index, source, scope, body, out));
      });
      body.line('}');
      return;
    }
    const extent = kernel.extents[a] ?? staticExtent(1);
    body.block(`for (let o${a} = 0; o${a} < ${renderExtent(extent)}; o${a}++) {`, () => open(a + 1));
  };
  open(0);
}

export function emitResize(kernel: ResizeKernel, scope: KernelScope, body: CodeWriter): void {
  const x = scope.use(kernel.x);
  const out = scope.use(kernel.out);
  const rank = kernel.inSize.length;
  const plane = kernel.inSize.reduce((n, s) => n * s, 1);
  kernel.taps.forEach((taps, a) => {
    scope.table(`lo${a}`, taps.i0, 'Int32Array');
    scope.table(`hi${a}`, taps.i1, 'Int32Array');
    scope.table(`lambda${a}`, taps.lambda, 'Float64Array');
  });
  body.line(`let o = ${out.base};`);
  body.block(`for (let p = 0; p < ${renderExtent(kernel.planes)}; p++) {`, () => {
    body.line(`const xp = ${plus(x.base, times('p', plane))};`);
    const open = (a: number): void => {
      if (a === rank) {
        // Corners in the interpreter's order; a corner of weight 0 is not read.
        body.line('let acc = 0;');
        for (let corner = 0; corner < 2 ** rank; corner++) {
          const bits = Array.from({ length: rank }, (_, axis) => (corner >> (rank - 1 - axis)) & 1);
          const weight = bits.map((bit, axis) => (bit === 0 ? `(1 - lambda${axis}[o${axis}])` : `lambda${axis}[o${axis}]`)).join(' * ');
          const at = plus('xp', ...bits.map((bit, axis) => times(`${bit === 0 ? 'lo' : 'hi'}${axis}[o${axis}]`, kernel.inSize.slice(axis + 1).reduce((n, s) => n * s, 1))));
          body.block('{', () => {
            body.line(`const weight = ${weight};`);
            body.line(`if (weight !== 0) acc += weight * ${x.array}[${at}];`);
          });
        }
        body.line(`${out.array}[o++] = acc;`);
        return;
      }
      body.block(`for (let o${a} = 0; o${a} < ${kernel.taps[a]?.i0.length ?? 1}; o${a}++) {`, () => open(a + 1));
    };
    open(0);
  });
}
