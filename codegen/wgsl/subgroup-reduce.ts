// A workgroup-wide reduction of one f32 per invocation, in two forms a shader emitter picks
// between: the portable tree in workgroup memory (log2(size) barriers), or, where the device
// has the `subgroups` feature, one subgroup operation per subgroup, its result stored by the
// subgroup's first lane at red[subgroup_id], and a short loop over the num_subgroups partial
// results (two barriers in all). Both leave the result in a `let` every invocation can read;
// the subgroup form combines in the order the hardware's subgroup operation does.

import { CodeWriter } from '../writer.ts';
import { u32 } from './shader-common.ts';

export type Combine = 'sum' | 'max' | 'min';

const BINARY: { readonly [C in Combine]: (a: string, b: string) => string } = {
  sum: (a, b) => `${a} + ${b}`,
  max: (a, b) => `max(${a}, ${b})`,
  min: (a, b) => `min(${a}, ${b})`,
};

const SUBGROUP_OP: { readonly [C in Combine]: string } = {
  sum: 'subgroupAdd',
  max: 'subgroupMax',
  min: 'subgroupMin',
};

/** The builtins the subgroup form reads, to add to the entry point's parameters. */
export const SUBGROUP_BUILTINS = '@builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_id) sg: u32, @builtin(num_subgroups) sgs: u32';

export interface WorkgroupReduce {
  /** The invocation's partial value (an expression it has computed). */
  readonly value: string;
  readonly combine: Combine;
  /** The `let` that receives the workgroup's result. */
  readonly result: string;
  /** Invocations per workgroup (a power of two); `red` holds as many f32. */
  readonly size: number;
  readonly subgroups: boolean;
}

/**
 * Reduces `value` over the workgroup through `red` (an array<f32, size> in workgroup memory,
 * indexed by `li`) and ends with a barrier, so `red` may be reused at once.
 */
export function workgroupReduce(w: CodeWriter, reduce: WorkgroupReduce): void {
  const binary = BINARY[reduce.combine];
  if (reduce.subgroups) {
    w.line(`let ${reduce.result}_sg = ${SUBGROUP_OP[reduce.combine]}(${reduce.value});`);
    w.block('if (lane == 0u) {', () => w.line(`red[sg] = ${reduce.result}_sg;`));
    w.line('workgroupBarrier();');
    w.line(`var ${reduce.result}_all = red[0];`);
    w.line(`for (var k = 1u; k < sgs; k = k + 1u) { ${reduce.result}_all = ${binary(`${reduce.result}_all`, 'red[k]')}; }`);
    w.line(`let ${reduce.result} = ${reduce.result}_all;`);
    w.line('workgroupBarrier();');
    return;
  }
  w.line(`red[li] = ${reduce.value};`);
  w.line('workgroupBarrier();');
  w.block(`for (var width = ${u32(reduce.size / 2)}; width > 0u; width = width / 2u) {`, () => {
    w.block('if (li < width) {', () => w.line(`red[li] = ${binary('red[li]', 'red[li + width]')};`));
    w.line('workgroupBarrier();');
  });
  w.line(`let ${reduce.result} = red[0];`);
  w.line('workgroupBarrier();');
}
