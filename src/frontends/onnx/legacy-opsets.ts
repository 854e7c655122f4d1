// ai.onnx opsets before 11 (exporters such as paddle2onnx still write opset 9): each older
// form is rewritten to the opset-11 form of the same op before its converter sees it, the way
// ONNX's version converter does, so the converters know one form. Attributes that became
// inputs (Slice < 10, Pad < 11, Clip < 11, Reshape < 5, Upsample 7) become constant operands;
// Upsample and Resize-10 become Resize with their asymmetric, floor-rounding coordinates;
// hints with no meaning at inference (consumed_inputs, is_test, spatial = 1) are dropped; the
// legacy `broadcast`/`axis` of arithmetic (< 7) is accepted where it means NumPy broadcasting.

import { CompileError } from '../../../ir/errors.ts';
import type { ImportContext } from './context.ts';
import { operand, optionalOperand, type Converter } from './convert-math.ts';
import type { NodeView } from './node-view.ts';
import { AttributeType, type AttributeProto } from './proto.ts';
import type { KnownTensor } from './tensor.ts';

function stringAttr(name: string, text: string): AttributeProto {
  return {
    name, type: AttributeType.STRING, f: 0, i: 0, s: new TextEncoder().encode(text), floats: [], ints: [], strings: [], ref_attr_name: '',
  };
}

/** A constant operand made for a rewritten node, under a name no model value has. */
function constOperand(node: NodeView, cx: ImportContext, what: string, tensor: KnownTensor): string {
  const name = cx.fresh(`${node.output}/${what}`);
  cx.defineConst(name, tensor);
  return name;
}

const ints = (values: readonly number[]): KnownTensor => ({ kind: 'int', shape: [values.length], values });
const scalar = (value: number): KnownTensor => ({ kind: 'float', shape: [], data: Float32Array.of(value) });

/** Slice before opset 10: starts, ends and axes were attributes. */
function slice(node: NodeView, cx: ImportContext): NodeView {
  const starts = node.ints('starts');
  const ends = node.ints('ends');
  if (starts === undefined || ends === undefined) throw new CompileError('needs the starts and ends attributes (opset < 10)');
  const axes = node.ints('axes');
  const inputs = [operand(node, 0), constOperand(node, cx, 'starts', ints(starts)), constOperand(node, cx, 'ends', ints(ends))];
  if (axes !== undefined) inputs.push(constOperand(node, cx, 'axes', ints(axes)));
  return node.rewritten({ inputs, drop: ['starts', 'ends', 'axes'] });
}

/** Pad before opset 11: pads (`paddings` in opset 1) and value were attributes. */
function pad(node: NodeView, cx: ImportContext): NodeView {
  const pads = node.ints('pads') ?? node.ints('paddings');
  if (pads === undefined) throw new CompileError('needs the pads attribute (opset < 11)');
  const value = node.float('value', 0);
  const inputs = [operand(node, 0), constOperand(node, cx, 'pads', ints(pads)), constOperand(node, cx, 'value', scalar(value))];
  return node.rewritten({ inputs, drop: ['pads', 'paddings', 'value'] });
}

/** Clip before opset 11: min and max were attributes (unbounded when absent). */
function clip(node: NodeView, cx: ImportContext): NodeView {
  const inputs = [operand(node, 0), '', ''];
  if (node.has('min')) inputs[1] = constOperand(node, cx, 'min', scalar(node.float('min', -Infinity)));
  if (node.has('max')) inputs[2] = constOperand(node, cx, 'max', scalar(node.float('max', Infinity)));
  return node.rewritten({ inputs, drop: ['min', 'max'] });
}

/** Reshape before opset 5: the target shape was an attribute. */
function reshape(node: NodeView, cx: ImportContext): NodeView {
  const shape = node.ints('shape');
  if (shape === undefined) return node;
  return node.rewritten({ inputs: [operand(node, 0), constOperand(node, cx, 'shape', ints(shape))], drop: ['shape'] });
}

/**
 * Upsample (7–9) and Resize (10): scales (an attribute in Upsample-7, else the second input);
 * both map output pixel o to input o / scale, rounding down for nearest: Resize-11's
 * asymmetric coordinates with nearest_mode floor.
 */
function upsample(node: NodeView, cx: ImportContext): NodeView {
  const attr = node.floats('scales');
  const scales = attr !== undefined ? constOperand(node, cx, 'scales', { kind: 'float', shape: [attr.length], data: Float32Array.from(attr) }) : operand(node, 1);
  const mode = node.string('mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'bilinear') throw new CompileError(`mode ${JSON.stringify(mode)} is not supported (nearest or linear)`);
  return node.rewritten({
    opType: 'Resize',
    inputs: [operand(node, 0), '', scales],
    drop: ['scales', 'height_scale', 'width_scale'],
    add: [stringAttr('mode', mode === 'bilinear' ? 'linear' : mode), stringAttr('coordinate_transformation_mode', 'asymmetric'), stringAttr('nearest_mode', 'floor')],
  });
}

/** BatchNormalization's spatial (7–8): 1 is the only meaning later opsets kept. */
function batchNorm(node: NodeView): NodeView {
  if (node.int('spatial', 1) !== 1) {
    throw new CompileError('spatial = 0 (statistics per activation, opset < 9) is not supported; re-export with spatial = 1');
  }
  return node.rewritten({ drop: ['spatial', 'is_test', 'consumed_inputs'] });
}

/** Dropout's is_test (< 7): at inference Dropout is the identity either way. */
function dropout(node: NodeView): NodeView {
  return node.rewritten({ drop: ['is_test', 'consumed_inputs'] });
}

/** Rank of an operand, constant or computed. */
function rankOf(cx: ImportContext, name: string): number {
  const known = cx.known(name);
  return known !== undefined ? known.shape.length : cx.value(name).type.shape.length;
}

/**
 * Arithmetic before opset 7 broadcast only with `broadcast = 1`, aligning B at `axis` of A.
 * Aligned at the trailing axes (axis absent or rank(A) − rank(B)) that is NumPy broadcasting.
 */
function legacyBroadcast(node: NodeView, cx: ImportContext): NodeView {
  if (!node.has('broadcast') && !node.has('axis')) return node.rewritten({ drop: ['consumed_inputs'] });
  if (node.int('broadcast', 0) !== 0 && node.has('axis')) {
    const [a, b] = [rankOf(cx, operand(node, 0)), rankOf(cx, operand(node, 1))];
    const axis = node.int('axis', 0);
    if ((axis < 0 ? axis + a : axis) !== a - b) {
      throw new CompileError(`legacy broadcast at axis ${axis} (opset < 7) of a rank-${b} operand against rank ${a} is not NumPy broadcasting; re-export with opset 7 or later`);
    }
  }
  return node.rewritten({ drop: ['broadcast', 'axis', 'consumed_inputs'] });
}

/** Gemm before opset 7: `broadcast = 1` let C broadcast, as it always may from 7 on. */
function gemm(node: NodeView): NodeView {
  return node.rewritten({ drop: ['broadcast'] });
}

/** Split-1 could take its part sizes as a second input; from opset 2 they are an attribute. */
function split(node: NodeView, cx: ImportContext): NodeView {
  const sizes = optionalOperand(node, 1);
  if (sizes === undefined) return node;
  const values = cx.knownInts(sizes, 'split');
  return node.rewritten({
    inputs: [operand(node, 0)],
    add: [{ name: 'split', type: AttributeType.INTS, f: 0, i: 0, s: new Uint8Array(), floats: [], ints: [...values], strings: [], ref_attr_name: '' }],
  });
}

type Adapter = (node: NodeView, cx: ImportContext) => NodeView;

/** Per op: the last opset whose form differs, and how to bring the node forward. */
const ADAPTERS: Readonly<Record<string, { readonly before: number; readonly adapt: Adapter }>> = {
  Slice: { before: 10, adapt: slice },
  Pad: { before: 11, adapt: pad },
  Clip: { before: 11, adapt: clip },
  Reshape: { before: 5, adapt: reshape },
  Upsample: { before: 11, adapt: upsample },
  Resize: { before: 11, adapt: upsample },
  BatchNormalization: { before: 9, adapt: batchNorm },
  Dropout: { before: 7, adapt: dropout },
  Add: { before: 7, adapt: legacyBroadcast },
  Sub: { before: 7, adapt: legacyBroadcast },
  Mul: { before: 7, adapt: legacyBroadcast },
  Div: { before: 7, adapt: legacyBroadcast },
  Gemm: { before: 7, adapt: gemm },
  Split: { before: 2, adapt: split },
};

/** The node in the opset-11 form its converter reads (unchanged from opset 11 on). */
export function adaptToCurrentForm(node: NodeView, cx: ImportContext): NodeView {
  const adapter = ADAPTERS[node.opType];
  if (adapter !== undefined && cx.opset < adapter.before) return adapter.adapt(node, cx);
  return cx.opset < 7 && node.has('consumed_inputs') ? node.rewritten({ drop: ['consumed_inputs'] }) : node;
}

/** Upsample's converter: the Resize converter on its rewritten form (adapted in convertNode). */
export function upsampleConverter(resize: Converter): Converter {
  return (node, cx) => {
    if (node.opType === 'Upsample') throw new CompileError(`Upsample was removed after opset 10 (this model imports opset ${cx.opset}); use Resize`);
    resize(node, cx);
  };
}
