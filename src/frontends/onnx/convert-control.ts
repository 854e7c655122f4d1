// ONNX control flow at import. `If` on a condition known now (a constant, or one computed
// from inputs pinned with `--input-value`) is specialized: its chosen branch is inlined and
// the other is never read (it may hold ops fusegraph lacks). `If` on a run-time condition
// whose branches are pure and return the same shapes becomes an elementwise select over
// both branches. `Loop` with a constant trip count (at most MAX_UNROLL) is unrolled.

import { CompileError } from '../../../ir/errors.ts';
import { formatValueName } from '../../../ir/names.ts';
import { E } from '../../../ir/scalar.ts';
import { formatType, sameShape, staticSize, symbolOf } from '../../../ir/types.ts';
import type { Value } from '../../builder.ts';
import type { ImportContext } from './context.ts';
import { operand, optionalOperand, type Converter } from './convert-math.ts';
import type { NodeView } from './node-view.ts';
import type { GraphProto } from './proto.ts';
import type { KnownTensor } from './tensor.ts';

/** Unrolled iterations cost code size and compile time linearly: beyond this, refuse. */
export const MAX_UNROLL = 64;

const PIN_HINT = 'pin the model inputs it depends on at compile time with `fusegraph compile --input-value NAME=VALUE` '
  + '(API: importOnnx(bytes, { inputValues: { NAME: [VALUE] } }))';

function requiredGraph(node: NodeView, name: string): GraphProto {
  const graph = node.graph(name);
  if (graph === undefined) throw new CompileError(`needs the subgraph attribute '${name}'`);
  return graph;
}

/** The one value of a single-element constant (bools and ints read as 0/1/n). */
function scalarOf(tensor: KnownTensor, what: string): number {
  const values = tensor.kind === 'int' ? tensor.values : Array.from(tensor.data);
  if (values.length !== 1) throw new CompileError(`${what} must hold one element, found ${values.length}`);
  return values[0] ?? NaN;
}

function bindOutputs(node: NodeView, cx: ImportContext, results: readonly string[], what: string): void {
  if (results.length !== node.outputs.length) {
    throw new CompileError(`${what} returns ${results.length} values, but the node has ${node.outputs.length} outputs`);
  }
  node.outputs.forEach((out, index) => {
    if (out !== '') cx.alias(out, results[index] ?? '');
  });
}

/** select(cond != 0, then, else), with the one-element condition broadcast. */
function select(cx: ImportContext, cond: Value, ifTrue: Value, ifFalse: Value, out: string): Value {
  const b = cx.builder;
  const scalar = cond.type.shape.length === 0 ? cond : b.reshape(cond, [], cx.fresh(`${out}/cond`));
  const body = E.select(E.eq(E.operand(0), 0), E.operand(2), E.operand(1));
  return b.op('fused_elementwise', [scalar, ifTrue, ifFalse], { body }, out);
}

const ifConverter: Converter = (node, cx) => {
  const condName = operand(node, 0);
  const thenBranch = requiredGraph(node, 'then_branch');
  const elseBranch = requiredGraph(node, 'else_branch');
  const known = cx.known(condName);
  if (known !== undefined) {
    const taken = scalarOf(known, 'the condition') !== 0;
    const results = cx.inlineSubgraph(taken ? thenBranch : elseBranch, new Map(), `${node.name}/${taken ? 'then' : 'else'}`);
    bindOutputs(node, cx, results, taken ? 'then_branch' : 'else_branch');
    return;
  }
  const cond = cx.value(condName);
  const size = staticSize(cond.type.shape);
  if (size !== 1 || symbolOf(cond.type.shape) !== undefined) throw new CompileError(`the condition ${formatValueName(condName)} must hold one element, found ${formatType(cond.type)}`);
  const inline = (graph: GraphProto, which: string): string[] => {
    try {
      return cx.inlineSubgraph(graph, new Map(), `${node.name}/${which}`);
    } catch (error) {
      if (!(error instanceof CompileError)) throw error;
      throw new CompileError(`the condition ${formatValueName(condName)} is only known at run time, so both branches must compile; ${error.detail}; or ${PIN_HINT}`);
    }
  };
  const thenResults = inline(thenBranch, 'then');
  const elseResults = inline(elseBranch, 'else');
  if (thenResults.length !== node.outputs.length || elseResults.length !== node.outputs.length) {
    throw new CompileError(`the branches return ${thenResults.length} and ${elseResults.length} values for ${node.outputs.length} outputs`);
  }
  node.outputs.forEach((out, index) => {
    if (out === '') return;
    const ifTrue = cx.value(thenResults[index] ?? '');
    const ifFalse = cx.value(elseResults[index] ?? '');
    if (!sameShape(ifTrue.type.shape, ifFalse.type.shape)) {
      throw new CompileError(`the condition ${formatValueName(condName)} is only known at run time and output ${index} differs between the branches `
        + `(${formatType(ifTrue.type)} vs ${formatType(ifFalse.type)}), so it cannot become a select; ${PIN_HINT}`);
    }
    cx.defineValue(out, select(cx, cond, ifTrue, ifFalse, out));
  });
};

/** Loop(M, cond, v...) with M constant: the body inlined M times (fewer if cond turns false). */
const loopConverter: Converter = (node, cx) => {
  const body = requiredGraph(node, 'body');
  const tripName = optionalOperand(node, 0);
  const condName = optionalOperand(node, 1);
  const trip = tripName === undefined ? undefined : cx.known(tripName);
  if (trip === undefined) {
    throw new CompileError(`fusegraph unrolls only loops with a constant trip count (input M ${tripName === undefined ? 'is absent' : `${formatValueName(tripName)} is computed at run time`}); ${PIN_HINT}`);
  }
  const count = scalarOf(trip, 'the trip count M');
  if (count > MAX_UNROLL) throw new CompileError(`the trip count ${count} exceeds the ${MAX_UNROLL} iterations fusegraph unrolls`);
  let running = true;
  if (condName !== undefined) {
    const cond = cx.known(condName);
    if (cond === undefined) throw new CompileError(`the loop's initial condition ${formatValueName(condName)} is computed at run time; ${PIN_HINT}`);
    running = scalarOf(cond, 'the condition') !== 0;
  }
  let carried = node.inputs.slice(2);
  const [iterInput, condInput, ...carriedInputs] = body.input;
  if (iterInput === undefined || condInput === undefined || carriedInputs.length !== carried.length) {
    throw new CompileError(`the body takes ${body.input.length} inputs; it needs 2 + ${carried.length} (iteration, condition, loop-carried values)`);
  }
  const scanCount = body.output.length - 1 - carried.length;
  if (scanCount < 0 || node.outputs.length !== carried.length + scanCount) {
    throw new CompileError(`the body returns ${body.output.length} values, which does not fit ${carried.length} loop-carried values and ${node.outputs.length} outputs`);
  }
  const scans: string[][] = Array.from({ length: scanCount }, () => []);
  for (let i = 0; i < count && running; i++) {
    const hint = `${node.name}/iter${i}`;
    const iterName = cx.fresh(`${hint}/i`);
    cx.defineConst(iterName, { kind: 'int', shape: [], values: [i] });
    const condIn = cx.fresh(`${hint}/cond_in`);
    cx.defineConst(condIn, { kind: 'int', shape: [], values: [1] });
    const bound = new Map<string, string>([[iterInput.name, iterName], [condInput.name, condIn]]);
    carriedInputs.forEach((input, k) => bound.set(input.name, carried[k] ?? ''));
    const [condOut = '', ...rest] = cx.inlineSubgraph(body, bound, hint);
    carried = rest.slice(0, carried.length);
    rest.slice(carried.length).forEach((name, k) => scans[k]?.push(name));
    // A loop without a condition input is a for-loop: the body's condition is ignored.
    if (condName !== undefined) {
      const next = cx.known(condOut);
      if (next === undefined) throw new CompileError(`the loop's condition is computed at run time in iteration ${i}; fusegraph unrolls loops whose exit is known at compile time`);
      running = scalarOf(next, 'the condition') !== 0;
    }
  }
  carried.forEach((name, k) => {
    const out = node.outputs[k] ?? '';
    if (out !== '') cx.alias(out, name);
  });
  scans.forEach((names, k) => {
    const out = node.outputs[carried.length + k] ?? '';
    if (out === '') return;
    if (names.length === 0) throw new CompileError(`scan output ${formatValueName(out)} would be empty (the loop runs no iteration)`);
    const b = cx.builder;
    const rows = names.map((name, i) => {
      const value = cx.value(name);
      const dims = value.type.shape.filter((d): d is number => typeof d === 'number');
      if (dims.length !== value.type.shape.length) throw new CompileError(`scan output ${formatValueName(out)} has a symbolic shape ${formatType(value.type)}; fusegraph stacks only static ones`);
      return b.reshape(value, [1, ...dims], cx.fresh(`${out}/row${i}`));
    });
    cx.defineValue(out, rows.length === 1 ? b.identity(rows[0] as Value, out) : b.concat(rows, 0, out));
  });
};

export const CONTROL_CONVERTERS: Readonly<Record<string, Converter>> = { If: ifConverter, Loop: loopConverter };
