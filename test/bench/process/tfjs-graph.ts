// The benchmark graphs rebuilt from TensorFlow.js ops, for the tfjs runners (tfjs reads no
// ONNX). Image values live in tfjs's native NHWC layout with HWIO (or [kh, kw, C, 1]
// depthwise) filters transposed from the same weights once; an activation whose only input
// is a conv or linear with no other reader is fused into tfjs's fused op, as a tfjs user
// would write it. Ops or attributes the benchmark models do not use are refused.

import type { Tensor, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';
import { users, valueTypes, type Graph, type Node } from '../../../ir/graph.ts';
import { activationAttr, floatAttr, tensorAttr } from '../../../ir/ops/attrs.ts';
import { convGeometry, convLayout } from '../../../ir/ops/conv.ts';
import { linearLayout } from '../../../ir/ops/linear.ts';
import { poolGeometry } from '../../../ir/ops/pool.ts';
import { reducedAxes } from '../../../ir/ops/reduce.ts';
import type { TensorData } from '../../../ir/ops/types.ts';
import type { TensorType } from '../../../ir/types.ts';

type Tf = typeof import('@tensorflow/tfjs-core');
type FusedActivation = 'relu' | 'relu6';
type Explicit = [[number, number], [number, number], [number, number], [number, number]];

export interface TfGraph {
  /** Runs the graph on `x` (NHWC if it is an image), disposing every intermediate. */
  run(x: Tensor): Tensor;
  /** Whether the input and the output are images stored NHWC (callers transpose outside the timing). */
  readonly inputNhwc: boolean;
  readonly outputNhwc: boolean;
}

type Step = (get: (name: string) => Tensor) => Tensor;

function refuse(node: Node, what: string): never {
  throw new Error(`bench: the tfjs runner cannot build %${node.name} (${node.op}): ${what}`);
}

/** The activation `node` applies, if tfjs's fused ops have it. */
function fusable(node: Node): FusedActivation | undefined {
  if (node.op === 'relu') return 'relu';
  if (node.op === 'clip' && floatAttr(node.attrs, 'min') === 0 && floatAttr(node.attrs, 'max') === 6) return 'relu6';
  return undefined;
}

function fusedAttr(node: Node): FusedActivation | undefined {
  const activation = activationAttr(node.attrs);
  if (activation === undefined) return undefined;
  if (activation.op === 'relu') return 'relu';
  return refuse(node, `fused activation ${activation.op}`);
}

/** NCHW axis → NHWC axis. */
const NHWC_AXIS = [0, 3, 1, 2] as const;

export function buildTfGraph(tf: Tf, graph: Graph): TfGraph {
  const types = valueTypes(graph);
  const readers = users(graph);
  const consts = new Map<string, TensorData>();
  const steps: { name: string; step: Step }[] = [];
  /** An activation folded into its producer: the activation's value is the producer's. */
  const aliases = new Map<string, string>();
  const folded = new Map<string, FusedActivation>();
  const isImage = (name: string): boolean => types.get(name)?.shape.length === 4;
  const constant = (node: Node, index: number): TensorData => {
    const value = consts.get(node.inputs[index] ?? '');
    return value ?? refuse(node, `operand ${index} must be a constant`);
  };

  // Which activations fold into the conv or linear before them.
  for (const node of graph.nodes) {
    const activation = fusable(node);
    const producer = graph.nodes.find((n) => n.name === node.inputs[0]);
    if (activation === undefined || producer === undefined || (producer.op !== 'conv' && producer.op !== 'linear')) continue;
    if ((readers.get(producer.name) ?? []).length !== 1 || graph.outputs.includes(producer.name)) continue;
    if (activationAttr(producer.attrs) !== undefined) continue;
    folded.set(producer.name, activation);
    aliases.set(node.name, producer.name);
  }

  for (const node of graph.nodes) {
    if (node.op === 'const') { consts.set(node.name, tensorAttr(node.attrs, 'value')); continue; }
    if (aliases.has(node.name)) continue;
    const [a = '', b = ''] = node.inputs;
    const step = ((): Step => {
      switch (node.op) {
        case 'conv': return convStep(tf, node, constant, types, folded.get(node.name) ?? fusedAttr(node));
        case 'linear': return linearStep(tf, node, constant, folded.get(node.name) ?? fusedAttr(node));
        case 'relu': return (get) => tf.relu(get(a));
        case 'clip': return (get) => tf.clipByValue(get(a), floatAttr(node.attrs, 'min'), floatAttr(node.attrs, 'max'));
        case 'add':
          if (isImage(a) !== isImage(b) || consts.has(a) || consts.has(b)) refuse(node, 'operands must be computed values of one layout');
          return (get) => tf.add(get(a), get(b));
        case 'max_pool': {
          const g = poolGeometry(types.get(a) ?? refuse(node, 'untyped input'), node.attrs);
          if (g.kernel.length !== 2 || g.dilations.some((d) => d !== 1) || floatAttr(node.attrs, 'ceil_mode') !== 0) refuse(node, '2-D, no dilation, floor mode only');
          const pad: Explicit = [[0, 0], [g.padBegin[0] ?? 0, g.padEnd[0] ?? 0], [g.padBegin[1] ?? 0, g.padEnd[1] ?? 0], [0, 0]];
          return (get) => tf.maxPool(get(a) as Tensor4D, [g.kernel[0] ?? 1, g.kernel[1] ?? 1], [g.strides[0] ?? 1, g.strides[1] ?? 1], pad);
        }
        case 'reduce_mean': {
          const axes = reducedAxes(types.get(a)?.shape ?? [], node.attrs);
          const keep = floatAttr(node.attrs, 'keepdims') !== 0;
          // Dropping H and W from NHWC leaves [N, C] in NCHW's order; other drops would not.
          if (!isImage(a) || (!keep && !(axes.length === 2 && axes.includes(2) && axes.includes(3)))) refuse(node, 'global pooling over H and W only');
          const nhwc = axes.map((axis) => NHWC_AXIS[axis as 0 | 1 | 2 | 3]);
          return (get) => tf.mean(get(a), nhwc, keep);
        }
        case 'flatten': {
          const axis = floatAttr(node.attrs, 'axis');
          const shape = node.type.shape as number[];
          // Back to NCHW first so the flattened order is the IR's.
          return (get) => tf.reshape(isImage(a) ? tf.transpose(get(a), [0, 3, 1, 2]) : get(a), axis === 1 ? [-1, shape[1] ?? 1] : shape);
        }
        default: return refuse(node, 'op not used by the benchmark models');
      }
    })();
    steps.push({ name: node.name, step });
  }

  const [input] = graph.inputs;
  const [output = ''] = graph.outputs;
  if (input === undefined || graph.inputs.length !== 1) throw new Error('bench: the tfjs runner wants one input');
  const result = aliases.get(output) ?? output;
  return {
    inputNhwc: input.type.shape.length === 4,
    outputNhwc: isImage(output),
    run: (x) => tf.tidy(() => {
      const values = new Map<string, Tensor>([[input.name, x]]);
      const get = (name: string): Tensor => {
        const value = values.get(aliases.get(name) ?? name);
        if (value === undefined) throw new Error(`bench: tfjs value ${name} is not computed`);
        return value;
      };
      for (const { name, step } of steps) values.set(name, step(get));
      return get(result);
    }),
  };
}

/** conv + bias (+ activation) as tfjs's fused conv2d or depthwise conv (channel multiplier 1). */
function convStep(tf: Tf, node: Node, constant: (node: Node, index: number) => TensorData, types: ReadonlyMap<string, TensorType>, activation: FusedActivation | undefined): Step {
  const layout = convLayout(node.inputs.length, node.attrs);
  if (layout.residual !== undefined) refuse(node, 'fused residual');
  const x = node.inputs[0] ?? '';
  const xType = types.get(x);
  const wType = types.get(node.inputs[1] ?? '');
  const wData = constant(node, 1);
  if (xType === undefined || wType === undefined || xType.shape.length !== 4) return refuse(node, '2-D convolution only');
  const g = convGeometry(xType, wType, node.attrs);
  const [m = 0, perGroup = 0, kh = 0, kw = 0] = wData.shape;
  const channels = xType.shape[1] as number;
  const group = floatAttr(node.attrs, 'group');
  const w = tf.tensor4d(wData.data, [m, perGroup, kh, kw]);
  const depthwise = group > 1 && group === channels && m === channels;
  if (group !== 1 && !depthwise) refuse(node, 'dense or depthwise (multiplier 1) only');
  // HWIO for conv2d; [kh, kw, C, 1] for depthwiseConv2d (the OIHW weight is [C, 1, kh, kw]).
  const filter = tf.transpose(w, depthwise ? [2, 3, 0, 1] : [2, 3, 1, 0]) as Tensor4D;
  w.dispose();
  const bias = layout.hasBias ? tf.tensor1d(constant(node, 2).data) : undefined;
  const pad: Explicit = [[0, 0], [g.padBegin[0] ?? 0, g.padEnd[0] ?? 0], [g.padBegin[1] ?? 0, g.padEnd[1] ?? 0], [0, 0]];
  const strides: [number, number] = [g.strides[0] ?? 1, g.strides[1] ?? 1];
  const dilations: [number, number] = [g.dilations[0] ?? 1, g.dilations[1] ?? 1];
  const common = { filter, strides, dilations, ...(bias !== undefined ? { bias } : {}), activation: activation ?? 'linear' as const };
  if (!depthwise) return (get) => tf.fused.conv2d({ x: get(x) as Tensor4D, pad, ...common });
  // tfjs's fused depthwise conv takes one pad for every side.
  const same = g.padBegin[0] ?? 0;
  if ([...g.padBegin, ...g.padEnd].some((p) => p !== same)) refuse(node, 'depthwise with equal pads on every side only');
  return (get) => tf.fused.depthwiseConv2d({ x: get(x) as Tensor4D, pad: same, ...common });
}

/**
 * linear as tfjs's fused matMul on a weight pre-transposed to [in, out] once: tfjs-wasm
 * 4.22's fused matMul with transposeB, a bias and relu returns wrong values (max error 15 on
 * a 784×128 layer, checked against unfused ops); [in, out] is also its fast path.
 */
function linearStep(tf: Tf, node: Node, constant: (node: Node, index: number) => TensorData, activation: FusedActivation | undefined): Step {
  const { hasBias } = linearLayout(node.inputs.length, node.attrs);
  const wData = constant(node, 1);
  const [out = 0, features = 0] = wData.shape;
  if (wData.shape.length !== 2) refuse(node, 'a [out, in] weight');
  const weight = tf.tidy(() => tf.transpose(tf.tensor2d(wData.data, [out, features])));
  const bias = hasBias ? tf.tensor1d(constant(node, 2).data) : undefined;
  const x = node.inputs[0] ?? '';
  return (get) => {
    const a = get(x);
    if (a.rank !== 2) refuse(node, 'a 2-D input');
    return tf.fused.matMul({ a: a as Tensor2D, b: weight, ...(bias !== undefined ? { bias } : {}), ...(activation !== undefined ? { activation } : {}) });
  };
}

