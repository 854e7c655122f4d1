// Converters for the ONNX ops of sequence models: LayerNormalization (opset 17; PyTorch's
// opset-13 decomposition is recognized on the imported graph, src/passes/fuse-layer-norm.ts),
// Pow with a constant exponent, Sqrt and Reciprocal.

import { CompileError } from '../../../ir/errors.ts';
import { formatValueName } from '../../../ir/names.ts';
import type { Converter } from './convert-math.ts';
import { operand, optionalOperand } from './convert-math.ts';

/** Y = LayerNormalization(X, Scale[, B]) {axis = -1, epsilon = 1e-5, stash_type = 1}. */
const layerNormalization: Converter = (node, cx) => {
  const x = cx.value(operand(node, 0));
  const scale = optionalOperand(node, 1);
  const bias = optionalOperand(node, 2);
  if (node.outputs.slice(1).some((name) => name !== '')) {
    throw new CompileError('only the normalized output Y is supported (Mean and InvStdDev are training outputs)');
  }
  if (node.int('stash_type', 1) !== 1) throw new CompileError('stash_type must be 1 (float statistics)');
  const params = [scale, bias].filter((name) => name !== undefined).map((name) => cx.value(name));
  if (scale === undefined && bias !== undefined) throw new CompileError('a bias B needs a Scale');
  const attrs = { axis: node.int('axis', -1), epsilon: node.float('epsilon', 1e-5) };
  cx.defineValue(node.output, cx.builder.op('layer_norm', [x, ...params], attrs, node.output));
};

/** Pow(X, Y) with Y a one-element float constant (PyTorch's x ** 2 in LayerNorm, x ** 0.5). */
const pow: Converter = (node, cx) => {
  const exponentName = operand(node, 1);
  const known = cx.knownFloats(exponentName);
  if (known === undefined || known.data.length !== 1) {
    throw new CompileError(`the exponent ${formatValueName(exponentName)} must be a one-element float constant`);
  }
  const exponent = known.data[0] ?? NaN;
  cx.defineValue(node.output, cx.builder.op('pow', [cx.value(operand(node, 0))], { exponent }, node.output));
};

function unaryOp(op: 'sqrt' | 'reciprocal'): Converter {
  return (node, cx) => {
    if (node.inputs.length !== 1) throw new CompileError(`expects 1 operand, found ${node.inputs.length}`);
    cx.defineValue(node.output, cx.builder.op(op, [cx.value(operand(node, 0))], {}, node.output));
  };
}

export const SEQUENCE_CONVERTERS: Readonly<Record<string, Converter>> = {
  LayerNormalization: layerNormalization,
  Pow: pow,
  Sqrt: unaryOp('sqrt'),
  Reciprocal: unaryOp('reciprocal'),
};
