// Building nodes: attribute checking against the op's schema (filling defaults) and shape
// inference. The builder, the parser and every pass create nodes through makeNode.

import { CompileError } from './errors.ts';
import type { Node } from './graph.ts';
import { activationDef, isActivation, isExpr, isTensorData, OPS, type AttrSpec, type AttrValue, type Attrs, type OpName } from './ops/index.ts';
import { resolveDType } from './ops/dtype-rules.ts';
import { shapeProblem, type TensorType } from './types.ts';

function valueProblem(spec: AttrSpec, value: AttrValue): string | undefined {
  switch (spec.type) {
    case 'float':
      if (typeof value !== 'number') return 'expected a number';
      if (Number.isNaN(value)) return 'must not be NaN';
      return spec.check?.(value);
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) ? undefined : 'expected an integer';
    case 'ints':
      return Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v))
        ? undefined
        : 'expected a list of integers';
    case 'dims':
      return Array.isArray(value) && value.every((v) => (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && shapeProblem([v]) === undefined))
        ? undefined
        : 'expected a list of integers and symbolic dims';
    case 'enum':
      return typeof value === 'string' && spec.values.includes(value)
        ? undefined
        : `expected one of ${spec.values.join(', ')}`;
    case 'activation':
      if (!isActivation(value)) return 'expected an activation';
      if (activationDef(value.op) === undefined) return `'${value.op}' is not an activation op`;
      return undefined;
    case 'expr':
      return isExpr(value) ? undefined : 'expected a scalar expression';
    case 'tensor':
      return isTensorData(value) ? undefined : 'expected a tensor';
  }
}

/**
 * Checks attributes against a schema and fills defaults. Unknown names, wrong types and
 * out-of-range values throw; optional attributes without default stay absent.
 */
export function normalizeAttrs(op: string, schema: Readonly<Record<string, AttrSpec>>, attrs: Attrs): Attrs {
  const out: Record<string, AttrValue> = {};
  for (const name of Object.keys(attrs)) {
    if (!Object.hasOwn(schema, name)) {
      const known = Object.keys(schema);
      throw new CompileError(`unknown attribute '${name}' (${op} takes ${known.length > 0 ? known.join(', ') : 'no attributes'})`);
    }
  }
  for (const [name, spec] of Object.entries(schema)) {
    const given = Object.hasOwn(attrs, name) ? attrs[name] : undefined;
    const value = given ?? ('default' in spec ? spec.default : undefined);
    if (value === undefined) {
      if (spec.type === 'activation' || (spec.type === 'enum' && spec.optional === true)) continue;
      throw new CompileError(`missing attribute '${name}'`);
    }
    const problem = valueProblem(spec, value);
    if (problem !== undefined) throw new CompileError(`attribute '${name}' ${problem}`);
    if (spec.type === 'activation' && isActivation(value)) {
      const def = activationDef(value.op);
      out[name] = { op: value.op, attrs: def ? normalizeAttrs(value.op, def.attrs, value.attrs) : value.attrs };
    } else {
      out[name] = value;
    }
  }
  return out;
}

/** Checks arity and attributes and infers the output type of `op` on operands of `types`. */
export function inferNodeType(op: OpName, types: readonly TensorType[], attrs: Attrs): { attrs: Attrs; type: TensorType } {
  const def = OPS[op];
  if (types.length < def.arity.min || types.length > def.arity.max) {
    const want = def.arity.min === def.arity.max ? `${def.arity.min}`
      : def.arity.max === Infinity ? `at least ${def.arity.min}` : `${def.arity.min} to ${def.arity.max}`;
    throw new CompileError(`expects ${want} operands, got ${types.length}`);
  }
  const normalized = normalizeAttrs(op, def.attrs, attrs);
  const dtype = resolveDType(def, types.map((t) => t.dtype), normalized);
  const type = { dtype, shape: def.inferType(types, normalized).shape };
  const problem = shapeProblem(type.shape);
  if (problem !== undefined) throw new CompileError(`result ${problem}`);
  return { attrs: normalized, type };
}

/** A new node with checked attributes and its inferred type; errors name the node. */
export function makeNode(name: string, op: OpName, inputs: readonly { name: string; type: TensorType }[], attrs: Attrs = {}): Node {
  try {
    const inferred = inferNodeType(op, inputs.map((v) => v.type), attrs);
    return { name, op, inputs: inputs.map((v) => v.name), attrs: inferred.attrs, type: inferred.type };
  } catch (error) {
    if (error instanceof CompileError) throw error.withLocation({ node: name, op });
    throw error;
  }
}
