// torch.nn.LSTM and torch.nn.GRU as modules: PyTorch's parameter names (weight_ih_l0,
// bias_hh_l1_reverse, …), shapes and default initialisation (uniform ±1/√hidden), stacked
// layers and both directions. PyTorch orders the gates (i, f, g, o) for LSTM and (r, z, n) for
// GRU where ONNX, and so the `lstm`/`gru` ops, use (i, o, f, c) and (z, r, h); the blocks are
// reordered once at build time. PyTorch's GRU applies the reset gate after the hidden product:
// linear_before_reset = 1. The module's value is PyTorch's `output`: [T, B, D·H], or
// [B, T, D·H] with batchFirst.

import { CompileError } from '../ir/errors.ts';
import type { CellKind } from '../ir/ops/recurrent.ts';
import { isSymbolic } from '../ir/types.ts';
import type { Value } from './builder.ts';
import { addRecurrent } from './builder-recurrent.ts';
import { joinName, uniformParameter, type BuildContext, type Module, type ParameterSpec } from './nn-module.ts';

export interface RecurrentModuleOptions {
  readonly numLayers?: number;
  readonly bidirectional?: boolean;
  /** Inputs and output are [B, T, features] (PyTorch's batch_first). */
  readonly batchFirst?: boolean;
  readonly bias?: boolean;
}

/** ONNX gate block k is PyTorch gate block ORDER[k]. */
const ORDER: Readonly<Record<'lstm' | 'gru', readonly number[]>> = { lstm: [0, 3, 1, 2], gru: [1, 0, 2] };
const GATES: Readonly<Record<'lstm' | 'gru', number>> = { lstm: 4, gru: 3 };

/** Rows of a [G·H, n] PyTorch block matrix (or a [G·H] vector, n = 1) in ONNX gate order. */
function reorder(data: Float32Array, cell: 'lstm' | 'gru', hidden: number, n: number): Float32Array {
  const out = new Float32Array(data.length);
  ORDER[cell].forEach((from, to) => out.set(data.subarray(from * hidden * n, (from + 1) * hidden * n), to * hidden * n));
  return out;
}

function recurrentModule(cell: 'lstm' | 'gru', inputSize: number, hiddenSize: number, options: RecurrentModuleOptions): Module {
  const layers = options.numLayers ?? 1;
  const directions = options.bidirectional === true ? 2 : 1;
  const withBias = options.bias ?? true;
  const gh = GATES[cell] * hiddenSize;
  const bound = 1 / Math.sqrt(hiddenSize);
  const specsOf = (layer: number, d: number): ParameterSpec[] => {
    const suffix = `_l${layer}${d === 1 ? '_reverse' : ''}`;
    const layerInput = layer === 0 ? inputSize : directions * hiddenSize;
    const specs = [uniformParameter(`weight_ih${suffix}`, [gh, layerInput], bound), uniformParameter(`weight_hh${suffix}`, [gh, hiddenSize], bound)];
    if (withBias) specs.push(uniformParameter(`bias_ih${suffix}`, [gh], bound), uniformParameter(`bias_hh${suffix}`, [gh], bound));
    return specs;
  };
  const all = (): ParameterSpec[][][] => Array.from({ length: layers }, (_, l) => Array.from({ length: directions }, (_, d) => specsOf(l, d)));
  return {
    kind: cell,
    parameters: (prefix) => all().flat(2).map((spec) => ({ name: joinName(prefix, spec.name), spec })),
    build(x: Value, context: BuildContext, prefix: string): Value {
      const b = context.builder;
      const layout = options.batchFirst === true ? 1 : 0;
      if (x.type.shape.length !== 3) throw new CompileError(`${cell} expects a [T, B, ${inputSize}] input (batchFirst: [B, T, ${inputSize}]), got [${x.type.shape.join(',')}]`);
      const base = prefix === '' ? cell : prefix;
      let input = x;
      all().forEach((perDirection, layer) => {
        const layerInput = layer === 0 ? inputSize : directions * hiddenSize;
        const w = new Float32Array(directions * gh * layerInput);
        const r = new Float32Array(directions * gh * hiddenSize);
        const bias = new Float32Array(directions * 2 * gh);
        perDirection.forEach((specs, d) => {
          const data = (spec: ParameterSpec | undefined): Float32Array => {
            if (spec === undefined) throw new CompileError(`internal: ${cell} parameter missing`);
            return context.parameterData(joinName(prefix, spec.name), spec);
          };
          w.set(reorder(data(specs[0]), cell, hiddenSize, layerInput), d * gh * layerInput);
          r.set(reorder(data(specs[1]), cell, hiddenSize, hiddenSize), d * gh * hiddenSize);
          if (withBias) {
            bias.set(reorder(data(specs[2]), cell, hiddenSize, 1), d * 2 * gh);
            bias.set(reorder(data(specs[3]), cell, hiddenSize, 1), d * 2 * gh + gh);
          }
        });
        const name = b.freshName(`${base}.l${layer}`);
        const wValue = b.constant(w, [directions, gh, layerInput], b.freshName(`${name}.W`));
        const rValue = b.constant(r, [directions, gh, hiddenSize], b.freshName(`${name}.R`));
        const bValue = b.constant(bias, [directions, 2 * gh], b.freshName(`${name}.B`));
        const { y } = addRecurrent(b, cell as CellKind, input, wValue, rValue, bValue, {
          hiddenSize, layout, direction: directions === 2 ? 'bidirectional' : 'forward', linearBeforeReset: cell === 'gru',
        }, name);
        input = pytorchOutput(context, y, layout, directions * hiddenSize, name);
      });
      return input;
    },
  };
}

/** Y [T, D, B, H] → [T, B, D·H]; batch-first Y [B, T, D, H] is already [B, T, D·H] in memory. */
function pytorchOutput(context: BuildContext, y: Value, layout: 0 | 1, width: number, name: string): Value {
  const b = context.builder;
  const [a0, a1, a2] = y.type.shape;
  if (layout === 1) return b.reshape(y, [a0 === undefined || isSymbolic(a0) ? -1 : a0, a1 as number, width], b.freshName(`${name}.out`));
  const swapped = b.transpose(y, [0, 2, 1, 3], b.freshName(`${name}.y_t`));
  return b.reshape(swapped, [a0 as number, a2 as number, width], b.freshName(`${name}.out`));
}

/** torch.nn.LSTM(inputSize, hiddenSize, num_layers, bias, batch_first, bidirectional). */
export function lstm(inputSize: number, hiddenSize: number, options: RecurrentModuleOptions = {}): Module {
  return recurrentModule('lstm', inputSize, hiddenSize, options);
}

/** torch.nn.GRU(inputSize, hiddenSize, num_layers, bias, batch_first, bidirectional). */
export function gru(inputSize: number, hiddenSize: number, options: RecurrentModuleOptions = {}): Module {
  return recurrentModule('gru', inputSize, hiddenSize, options);
}
