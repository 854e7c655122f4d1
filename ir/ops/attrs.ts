// Typed reads of node attributes. The verifier has checked attributes against the op's
// schema, so a mismatch here is a compiler bug, reported as such.

import { CompileError } from '../errors.ts';
import type { ScalarExpr } from '../scalar.ts';
import type { Activation, AttrValue, Attrs, TensorData } from './types.ts';

function missing(name: string, want: string): never {
  throw new CompileError(`internal: attribute '${name}' should be ${want}`);
}

export function isTensorData(value: AttrValue | undefined): value is TensorData {
  return typeof value === 'object' && value !== null && 'data' in value && value.data instanceof Float32Array;
}

export function isActivation(value: AttrValue | undefined): value is Activation {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'op' in value && 'attrs' in value;
}

export function isExpr(value: AttrValue | undefined): value is ScalarExpr {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'kind' in value;
}

export function floatAttr(attrs: Attrs, name: string): number {
  const value = attrs[name];
  return typeof value === 'number' ? value : missing(name, 'a number');
}

export function stringAttr(attrs: Attrs, name: string): string {
  const value = attrs[name];
  return typeof value === 'string' ? value : missing(name, 'a string');
}

export function intsAttr(attrs: Attrs, name: string): readonly number[] {
  const value = attrs[name];
  return Array.isArray(value) ? (value as readonly number[]) : missing(name, 'a list of integers');
}

/** A list of integers and symbolic dims (reshape's target). */
export function dimsAttr(attrs: Attrs, name: string): readonly (number | string)[] {
  const value = attrs[name];
  return Array.isArray(value) ? (value as readonly (number | string)[]) : missing(name, 'a list of dims');
}

export function tensorAttr(attrs: Attrs, name: string): TensorData {
  const value = attrs[name];
  return isTensorData(value) ? value : missing(name, 'a tensor');
}

export function exprAttr(attrs: Attrs, name: string): ScalarExpr {
  const value = attrs[name];
  return isExpr(value) ? value : missing(name, 'a scalar expression');
}

/** The fused activation of a node, if it has one. */
export function activationAttr(attrs: Attrs, name = 'activation'): Activation | undefined {
  const value = attrs[name];
  if (value === undefined) return undefined;
  return isActivation(value) ? value : missing(name, 'an activation');
}
