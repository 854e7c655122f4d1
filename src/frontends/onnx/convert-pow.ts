// ONNX Pow with a constant scalar exponent, the form real models use (x² in a power
// spectrum or a layer norm's variance, √x): the exponent picks a body of products,
// divisions and sqrt in the scalar language, so no general pow primitive is needed.

import { CompileError } from '../../../ir/errors.ts';
import { formatValueName } from '../../../ir/names.ts';
import { E, type ScalarExpr } from '../../../ir/scalar.ts';
import type { Converter } from './convert-math.ts';
import { operand } from './convert-math.ts';

/** Largest |integer exponent| written as repeated products. */
const MAX_INTEGER_EXPONENT = 4;

/** x^p as a scalar body over operand 0, or undefined when p has no exact cheap form. */
export function powBody(p: number): ScalarExpr | undefined {
  const x = E.operand(0);
  if (p === 0.5) return E.sqrt(x);
  if (p === -0.5) return E.div(1, E.sqrt(x));
  if (!Number.isInteger(p) || p === 0 || Math.abs(p) > MAX_INTEGER_EXPONENT) return undefined;
  let product: ScalarExpr = x;
  for (let i = 1; i < Math.abs(p); i++) product = E.mul(product, x);
  return p > 0 ? product : E.div(1, product);
}

const pow: Converter = (node, cx) => {
  const exponentName = operand(node, 1);
  const exponent = cx.knownFloats(exponentName);
  if (exponent?.data.length !== 1) {
    throw new CompileError(`needs a constant one-element float exponent, but ${formatValueName(exponentName)} is ${exponent === undefined ? 'computed or not float' : `${exponent.data.length} values`}`);
  }
  const p = exponent.data[0] ?? NaN;
  const body = powBody(p);
  if (body === undefined) throw new CompileError(`exponent ${p} is not supported (supported: ±0.5 and nonzero integers up to ±${MAX_INTEGER_EXPONENT})`);
  const base = cx.value(operand(node, 0));
  if (base.type.dtype !== 'f32') throw new CompileError(`needs a float base, got ${base.type.dtype}`);
  cx.defineValue(node.output, cx.builder.op('fused_elementwise', [base], { body }, node.output));
};

export const POW_CONVERTERS: Readonly<Record<string, Converter>> = { Pow: pow };
