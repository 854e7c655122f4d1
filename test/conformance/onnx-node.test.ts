// ONNX conformance: ONNX's backend node tests (Debian's libonnx-testdata) on every target.
// Each test whose op types are all in SUPPORTED_ONNX_OPS is imported with importOnnx and run
// on the interpreter and the JS, WASM and WGSL bundles, its outputs compared with ONNX's
// within ONNX's tolerance (onnx-compare.ts). As the importer learns ops, their tests join in
// by themselves. A test that cannot pass for a stated reason is listed in SKIPS below with
// the error it must fail with; it is still run, so a fix (or a different failure) shows up.

import { afterAll, describe, it } from 'vitest';
import { SUPPORTED_ONNX_OPS } from '../../src/frontends/onnx/import.ts';
import { discoverNodeTests, type NodeTest } from './onnx-node-data.ts';
import { NodeTestRunner } from './run-node-test.ts';
import { CONFORMANCE_TARGETS, TargetRunner, type ConformanceTarget } from './targets.ts';

interface Skip {
  /** Why fusegraph cannot pass this test. */
  readonly reason: string;
  /** The failure it must show (checked, so a different failure is reported). */
  readonly fails: RegExp;
  /** The targets it fails on (default: all). */
  readonly targets?: readonly ConformanceTarget[];
}

// Reasons shared by several tests; each entry below still names its test.
const NOT_F32: Skip = {
  reason: 'an element type fusegraph has no dtype for (f32, i32 from INT32/INT64, bool from BOOL/UINT8): UINT8 data is read as a bool mask',
  fails: /element type \w+; fusegraph (models take FLOAT, INT64\/INT32|returns f32, i32 and bool)|operand \d is bool, but \w+ takes f32/,
};
const OLD_OPSET: Skip = { reason: 'the model imports an ai.onnx opset below 11', fails: /opset \d+ is not supported/ };
const CAST: Skip = {
  reason: 'Cast from or to FLOAT16, BFLOAT16, DOUBLE or STRING: fusegraph\'s element types are f32, i32 and bool',
  fails: /element type \w+; fusegraph models take FLOAT, INT64\/INT32|fusegraph casts to FLOAT, DOUBLE \(as f32\), INT32, INT64 \(as i32\) and BOOL, not/,
};
const GATHER: Skip = {
  reason: 'Gather from computed data: the importer evaluates Gather only on constant shapes',
  fails: /fusegraph gathers only from shapes/,
};
const LAYER_NORM_EXPANDED: Skip = {
  reason: 'the expanded LayerNormalization function builds a ConstantOfShape shape from the input\'s rank at run time; fusegraph reads ConstantOfShape of constant shapes (the native LayerNormalization tests pass)',
  fails: /\(ConstantOfShape\): the shape must be a constant/,
};
const SPATIAL_3D: Skip = {
  reason: '3-D windows ([N,C,D,H,W]): fusegraph convolves and pools over 1 or 2 spatial axes',
  fails: /fusegraph supports 1-D and 2-D/,
};
const CUBIC: Skip = {
  reason: 'cubic resizing: fusegraph resizes with nearest or linear interpolation',
  fails: /mode "cubic" is not supported/,
};
const RESIZE_RATIO: Skip = {
  reason: 'a Resize scale whose floor(in·scale) output is not in that ratio: fusegraph resizes by out/in, so it refuses rather than sample differently',
  fails: /whose ratio \d+\/\d+ is not the scale/,
};
const RESIZE_TF_MODES: Skip = {
  reason: 'TensorFlow coordinate modes (tf_half_pixel_for_nn, tf_crop_and_resize): fusegraph supports half_pixel, asymmetric, align_corners, pytorch_half_pixel',
  fails: /coordinate_transformation_mode "tf_\w+" is not supported/,
};
const MAXPOOL_INDICES: Skip = {
  reason: 'MaxPool\'s Indices output: fusegraph computes only the pooled values',
  fails: /second output \(Indices\) is not supported/,
};
const EMPTY_TENSOR: Skip = {
  reason: 'a zero-sized tensor: fusegraph has no empty tensors',
  fails: /is empty for dim|must be a positive integer, got 0/,
};
const INT_DATA: Skip = {
  reason: 'integer data through a layout op: fusegraph\'s pad, like its other non-elementwise ops, takes f32',
  fails: /holds integers where a float tensor is expected|operand 0 is i32, but pad takes f32 there/,
};
const BOOL_RESULT: Skip = {
  reason: 'BOOL results: without a bool dtype the importer folds comparisons on constants and computes them as f32 0/1 otherwise (for If)',
  fails: /element type BOOL; fusegraph feeds and returns f32|holds integers where a float tensor is expected/,
};
const BOOL_INPUT: Skip = {
  reason: 'BOOL inputs: fusegraph models take FLOAT inputs (a condition can be pinned at compile time instead)',
  fails: /input %\w+ has element type BOOL; fusegraph models take FLOAT inputs/,
};
const SEQUENCE: Skip = { reason: 'sequence and optional values: fusegraph values are tensors', fails: /is not a tensor|sequence|optional/i };
const DROPOUT_MASK: Skip = {
  reason: 'Dropout\'s mask output: fusegraph compiles inference, where Dropout is the identity',
  fails: /mask output is only defined in training/,
};
const DROPOUT_TRAINING: Skip = {
  reason: 'training-mode Dropout (random; training_mode is a BOOL input): fusegraph compiles inference',
  fails: /training_mode must be a constant false|mask output is only defined in training/,
};
const BATCHNORM_TRAINING: Skip = {
  reason: 'BatchNormalization in training mode (running statistics as outputs): fusegraph compiles inference',
  fails: /training mode \(running statistics as outputs\) is not supported/,
};
const LAYER_NORM_STATS: Skip = {
  reason: 'the test also returns LayerNormalization\'s Mean and InvStdDev (training outputs); fusegraph computes Y only',
  fails: /only the normalized output Y is supported/,
};
const POW_COMPUTED: Skip = {
  reason: 'Pow with a computed (graph input) exponent: fusegraph\'s pow takes a constant exponent',
  fails: /must be a one-element float constant|has element type \w+; fusegraph models take FLOAT inputs/,
};
const NOT_A_TENSOR: Skip = { reason: 'an optional or sequence input: fusegraph values are tensors', fails: /input %\w+ is not a tensor/ };

const SKIPS: Readonly<Record<string, Skip>> = {
  test_layer_normalization_2d_axis_negative_1_expanded: LAYER_NORM_EXPANDED,
  test_layer_normalization_2d_axis_negative_2_expanded: LAYER_NORM_EXPANDED,
  test_layer_normalization_3d_axis_negative_1_epsilon_expanded: LAYER_NORM_EXPANDED,
  test_layer_normalization_3d_axis_negative_2_epsilon_expanded: LAYER_NORM_EXPANDED,
  test_layer_normalization_3d_axis_negative_3_epsilon_expanded: LAYER_NORM_EXPANDED,
  test_layer_normalization_4d_axis_negative_1_expanded: LAYER_NORM_EXPANDED,
  test_layer_normalization_4d_axis_negative_2_expanded: LAYER_NORM_EXPANDED,
  test_layer_normalization_4d_axis_negative_3_expanded: LAYER_NORM_EXPANDED,
  test_layer_normalization_4d_axis_negative_4_expanded: LAYER_NORM_EXPANDED,
  test_layer_normalization_default_axis_expanded: LAYER_NORM_EXPANDED,
  test_pow_types_float32_uint32: NOT_F32,
  test_pow_types_float32_uint64: NOT_F32,
  test_layer_normalization_2d_axis0: LAYER_NORM_STATS,
  test_layer_normalization_2d_axis1: LAYER_NORM_STATS,
  test_layer_normalization_2d_axis_negative_1: LAYER_NORM_STATS,
  test_layer_normalization_2d_axis_negative_2: LAYER_NORM_STATS,
  test_layer_normalization_3d_axis0_epsilon: LAYER_NORM_STATS,
  test_layer_normalization_3d_axis1_epsilon: LAYER_NORM_STATS,
  test_layer_normalization_3d_axis2_epsilon: LAYER_NORM_STATS,
  test_layer_normalization_3d_axis_negative_1_epsilon: LAYER_NORM_STATS,
  test_layer_normalization_3d_axis_negative_2_epsilon: LAYER_NORM_STATS,
  test_layer_normalization_3d_axis_negative_3_epsilon: LAYER_NORM_STATS,
  test_layer_normalization_4d_axis0: LAYER_NORM_STATS,
  test_layer_normalization_4d_axis1: LAYER_NORM_STATS,
  test_layer_normalization_4d_axis2: LAYER_NORM_STATS,
  test_layer_normalization_4d_axis3: LAYER_NORM_STATS,
  test_layer_normalization_4d_axis_negative_1: LAYER_NORM_STATS,
  test_layer_normalization_4d_axis_negative_2: LAYER_NORM_STATS,
  test_layer_normalization_4d_axis_negative_3: LAYER_NORM_STATS,
  test_layer_normalization_4d_axis_negative_4: LAYER_NORM_STATS,
  test_layer_normalization_default_axis: LAYER_NORM_STATS,
  test_pow: POW_COMPUTED,
  test_pow_bcast_array: POW_COMPUTED,
  test_pow_bcast_scalar: POW_COMPUTED,
  test_pow_example: POW_COMPUTED,
  test_pow_types_float: POW_COMPUTED,
  test_pow_types_float32_int32: POW_COMPUTED,
  test_pow_types_float32_int64: POW_COMPUTED,
  test_pow_types_int: POW_COMPUTED,
  test_pow_types_int32_float32: POW_COMPUTED,
  test_pow_types_int32_int32: POW_COMPUTED,
  test_pow_types_int64_float32: POW_COMPUTED,
  test_pow_types_int64_int64: POW_COMPUTED,
  test_add_uint8: NOT_F32,
  test_averagepool_3d_default: SPATIAL_3D,
  test_batchnorm_epsilon_training_mode: BATCHNORM_TRAINING,
  test_batchnorm_example_training_mode: BATCHNORM_TRAINING,
  test_cast_BFLOAT16_to_FLOAT: CAST,
  test_cast_DOUBLE_to_FLOAT: CAST,
  test_cast_DOUBLE_to_FLOAT16: CAST,
  test_cast_FLOAT16_to_DOUBLE: CAST,
  test_cast_FLOAT16_to_FLOAT: CAST,
  test_cast_FLOAT_to_BFLOAT16: CAST,
  test_cast_FLOAT_to_FLOAT16: CAST,
  test_cast_FLOAT_to_STRING: CAST,
  test_cast_STRING_to_FLOAT: CAST,
  test_castlike_BFLOAT16_to_FLOAT_expanded: CAST,
  test_castlike_DOUBLE_to_FLOAT16_expanded: CAST,
  test_castlike_DOUBLE_to_FLOAT_expanded: CAST,
  test_castlike_FLOAT16_to_DOUBLE_expanded: CAST,
  test_castlike_FLOAT16_to_FLOAT_expanded: CAST,
  test_castlike_FLOAT_to_BFLOAT16_expanded: CAST,
  test_castlike_FLOAT_to_DOUBLE_expanded: CAST,
  test_castlike_FLOAT_to_FLOAT16_expanded: CAST,
  test_castlike_FLOAT_to_STRING_expanded: CAST,
  test_castlike_STRING_to_FLOAT_expanded: CAST,
  test_clip_default_int8_inbounds: NOT_F32,
  test_clip_default_int8_max: NOT_F32,
  test_clip_default_int8_min: NOT_F32,
  test_convtranspose_3d: SPATIAL_3D,
  test_convtranspose_output_shape: { reason: 'an output_shape one pixel beyond what the pads give (ONNX then pads negatively): fusegraph asks for output_padding instead', fails: /output size \d+ on spatial axis \d+ is not reachable/ },
  test_div_uint8: NOT_F32,
  test_dropout_default_mask: DROPOUT_MASK,
  test_dropout_default_mask_ratio: DROPOUT_MASK,
  test_edge_pad: INT_DATA,
  test_identity_opt: NOT_A_TENSOR,
  test_identity_sequence: NOT_A_TENSOR,
  test_max_float16: NOT_F32,
  test_max_float64: NOT_F32,
  test_max_int16: NOT_F32,
  test_max_int8: NOT_F32,
  test_max_uint16: NOT_F32,
  test_max_uint32: NOT_F32,
  test_max_uint64: NOT_F32,
  test_max_uint8: NOT_F32,
  test_maxpool_2d_uint8: NOT_F32,
  test_maxpool_3d_default: SPATIAL_3D,
  test_maxpool_with_argmax_2d_precomputed_pads: MAXPOOL_INDICES,
  test_maxpool_with_argmax_2d_precomputed_strides: MAXPOOL_INDICES,
  test_min_float16: NOT_F32,
  test_min_float64: NOT_F32,
  test_min_int16: NOT_F32,
  test_min_int8: NOT_F32,
  test_min_uint16: NOT_F32,
  test_min_uint32: NOT_F32,
  test_min_uint64: NOT_F32,
  test_min_uint8: NOT_F32,
  test_mul_uint8: NOT_F32,
  test_reflect_pad: INT_DATA,
  test_reshape_allowzero_reordered: { reason: 'a zero-sized input ([0,3,4]): fusegraph has no empty tensors', fails: /dim 0 must be a positive integer, got 0/ },
  test_resize_downsample_scales_cubic: CUBIC,
  test_resize_downsample_scales_cubic_A_n0p5_exclude_outside: CUBIC,
  test_resize_downsample_scales_cubic_align_corners: CUBIC,
  test_resize_downsample_scales_linear: RESIZE_RATIO,
  test_resize_downsample_scales_linear_align_corners: RESIZE_RATIO,
  test_resize_downsample_scales_nearest: RESIZE_RATIO,
  test_resize_downsample_sizes_cubic: CUBIC,
  test_resize_downsample_sizes_nearest_tf_half_pixel_for_nn: RESIZE_TF_MODES,
  test_resize_tf_crop_and_resize: RESIZE_TF_MODES,
  test_resize_upsample_scales_cubic: CUBIC,
  test_resize_upsample_scales_cubic_A_n0p5_exclude_outside: CUBIC,
  test_resize_upsample_scales_cubic_align_corners: CUBIC,
  test_resize_upsample_scales_cubic_asymmetric: CUBIC,
  test_resize_upsample_sizes_cubic: CUBIC,
  test_slice_start_out_of_bounds: EMPTY_TENSOR,
  test_split_zero_size_splits: EMPTY_TENSOR,
  test_constantofshape_int_shape_zero: EMPTY_TENSOR,
  test_tril_zero: EMPTY_TENSOR,
  test_triu_zero: EMPTY_TENSOR,
  test_sub_uint8: NOT_F32,
  test_training_dropout: DROPOUT_TRAINING,
  test_training_dropout_default: DROPOUT_TRAINING,
  test_training_dropout_default_mask: DROPOUT_TRAINING,
  test_training_dropout_mask: DROPOUT_TRAINING,
  test_training_dropout_zero_ratio: DROPOUT_TRAINING,
  test_training_dropout_zero_ratio_mask: DROPOUT_TRAINING,
  test_if_opt: SEQUENCE,
  test_if_seq: SEQUENCE,
  test_loop13_seq: SEQUENCE,
  test_loop16_seq_none: SEQUENCE,
};

/**
 * Float inputs fusegraph needs as constants, fed by the test as inputs: they are frozen to
 * the data set's values (integer inputs always are: fusegraph reads integers only as shapes
 * and axes), so the op's semantics are still checked. Entries for ops the importer does not
 * read yet wait for them (fusegraph's IR already takes these as attributes or packs them at
 * compile time).
 */
type Constants = { readonly inputs: readonly string[]; readonly reason: string };
const BATCHNORM_STATISTICS: Constants = {
  inputs: ['s', 'bias', 'mean', 'var'],
  reason: 'the importer folds BatchNormalization\'s scale, B, mean and var into one multiply-add, so they must be constants',
};
const clipBounds = (...inputs: string[]): Constants => ({ inputs, reason: 'fusegraph\'s clip takes min and max as attributes' });
const PAD_VALUE: Constants = { inputs: ['value'], reason: 'fusegraph\'s pad takes the constant value as an attribute' };
const resizeScales = (...inputs: string[]): Constants => ({ inputs, reason: 'the scales (and roi) fix the output shape, which fusegraph needs at compile time' });
const CONV_TRANSPOSE_WEIGHT: Constants = { inputs: ['W'], reason: 'conv_transpose\'s weight is regrouped at compile time' };
const PINNED_CONDITION: Constants = { inputs: ['cond'], reason: 'the condition is pinned (as `--input-value cond=1` does), so If and Loop are specialized at import' };
const CONSTANT_INPUTS: Readonly<Record<string, Constants>> = {
  test_if: PINNED_CONDITION,
  test_if_opt: PINNED_CONDITION,
  test_if_seq: PINNED_CONDITION,
  test_loop11: PINNED_CONDITION,
  test_loop13_seq: PINNED_CONDITION,
  test_loop16_seq_none: PINNED_CONDITION,
  test_batchnorm_epsilon: BATCHNORM_STATISTICS,
  test_batchnorm_epsilon_training_mode: BATCHNORM_STATISTICS,
  test_batchnorm_example: BATCHNORM_STATISTICS,
  test_batchnorm_example_training_mode: BATCHNORM_STATISTICS,
  test_clip: clipBounds('min', 'max'),
  test_clip_default_max: clipBounds('max'),
  test_clip_default_min: clipBounds('min'),
  test_clip_example: clipBounds('min', 'max'),
  test_clip_inbounds: clipBounds('min', 'max'),
  test_clip_outbounds: clipBounds('min', 'max'),
  test_clip_splitbounds: clipBounds('min', 'max'),
  test_constant_pad: PAD_VALUE,
  test_convtranspose: CONV_TRANSPOSE_WEIGHT,
  test_convtranspose_1d: CONV_TRANSPOSE_WEIGHT,
  test_convtranspose_3d: CONV_TRANSPOSE_WEIGHT,
  test_convtranspose_autopad_same: CONV_TRANSPOSE_WEIGHT,
  test_convtranspose_dilations: CONV_TRANSPOSE_WEIGHT,
  test_convtranspose_kernel_shape: CONV_TRANSPOSE_WEIGHT,
  test_convtranspose_output_shape: CONV_TRANSPOSE_WEIGHT,
  test_convtranspose_pad: CONV_TRANSPOSE_WEIGHT,
  test_convtranspose_pads: CONV_TRANSPOSE_WEIGHT,
  test_convtranspose_with_kernel: { inputs: ['w'], reason: CONV_TRANSPOSE_WEIGHT.reason },
  test_resize_downsample_scales_cubic: resizeScales('scales'),
  test_resize_downsample_scales_cubic_A_n0p5_exclude_outside: resizeScales('scales'),
  test_resize_downsample_scales_cubic_align_corners: resizeScales('scales'),
  test_resize_downsample_scales_linear: resizeScales('scales'),
  test_resize_downsample_scales_linear_align_corners: resizeScales('scales'),
  test_resize_downsample_scales_nearest: resizeScales('scales'),
  test_resize_tf_crop_and_resize: resizeScales('roi'),
  test_resize_upsample_scales_cubic: resizeScales('scales'),
  test_resize_upsample_scales_cubic_A_n0p5_exclude_outside: resizeScales('scales'),
  test_resize_upsample_scales_cubic_align_corners: resizeScales('scales'),
  test_resize_upsample_scales_cubic_asymmetric: resizeScales('scales'),
  test_resize_upsample_scales_linear: resizeScales('scales'),
  test_resize_upsample_scales_linear_align_corners: resizeScales('scales'),
  test_resize_upsample_scales_nearest: resizeScales('scales'),
  test_upsample_nearest: resizeScales('scales'),
  test_range_float_type_positive_delta: { inputs: ['start', 'limit', 'delta'], reason: 'Range fixes its output\'s shape, which fusegraph needs at compile time' },
};

let discovered: NodeTest[] = [];
let discoveryError: Error | undefined;
try {
  discovered = discoverNodeTests();
} catch (error) {
  discoveryError = error instanceof Error ? error : new Error(String(error));
}
const supportedOps = new Set(SUPPORTED_ONNX_OPS);
const inScope = discovered.filter((test) => test.ops.every((op) => supportedOps.has(op)));

type Outcome = 'passed' | 'failed' | 'skipped';
const outcomes = new Map<ConformanceTarget, Map<Outcome, number>>();
/** Each failure once, with every target that failed that way, for the closing summary. */
const failures = new Map<string, { readonly test: string; readonly message: string; readonly targets: ConformanceTarget[] }>();
function recordFailure(test: string, target: ConformanceTarget, message: string): void {
  record(test, target, 'failed');
  const line = message.split('\n')[0] ?? '';
  const key = JSON.stringify([test, line]);
  const entry = failures.get(key) ?? { test, message: line, targets: [] };
  entry.targets.push(target);
  failures.set(key, entry);
}
/** Skip reason → the tests (with their targets) skipped for it, for the closing summary. */
const skipReasons = new Map<string, Set<string>>();
const targets = new TargetRunner();
const runner = new NodeTestRunner(targets, (test) => CONSTANT_INPUTS[test]?.inputs ?? []);

function recordSkip(test: string, target: ConformanceTarget, reason: string): void {
  record(test, target, 'skipped');
  const tests = skipReasons.get(reason) ?? new Set<string>();
  tests.add(SKIPS[test]?.targets === undefined && !reason.startsWith('NaN') ? test : `${test} [${target}]`);
  skipReasons.set(reason, tests);
}

/** Tests compared with ONNX's outputs on at least one target. */
const compared = new Set<string>();

function record(test: string, target: ConformanceTarget, outcome: Outcome): void {
  if (outcome !== 'skipped') compared.add(test);
  const counts = outcomes.get(target) ?? new Map<Outcome, number>();
  counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  outcomes.set(target, counts);
}

function skipFor(test: string, target: ConformanceTarget): Skip | undefined {
  const skip = SKIPS[test];
  return skip !== undefined && (skip.targets === undefined || skip.targets.includes(target)) ? skip : undefined;
}

describe('ONNX backend node tests', () => {
  if (discoveryError !== undefined) {
    const error = discoveryError;
    it('finds the ONNX test data', () => {
      throw error;
    });
    return;
  }

  it('names only existing tests in SKIPS and CONSTANT_INPUTS', () => {
    const known = new Set(inScope.map((test) => test.name));
    const stale = Object.keys(SKIPS).filter((name) => !known.has(name));
    if (stale.length > 0) throw new Error(`SKIPS names tests that do not exist or use unsupported ops: ${stale.join(', ')}`);
    // CONSTANT_INPUTS may name tests whose ops are not supported yet; they must exist.
    const all = new Set(discovered.map((test) => test.name));
    const missing = Object.keys(CONSTANT_INPUTS).filter((name) => !all.has(name));
    if (missing.length > 0) throw new Error(`CONSTANT_INPUTS names tests that do not exist: ${missing.join(', ')}`);
  });

  for (const test of inScope) {
    describe(test.name, () => {
      for (const target of CONFORMANCE_TARGETS) {
        it(target, async (ctx) => {
          const skip = skipFor(test.name, target);
          let notCompared: string | undefined;
          try {
            notCompared = await runner.run(test, target);
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            if (skip !== undefined && skip.fails.test(message)) {
              recordSkip(test.name, target, skip.reason);
              ctx.skip(skip.reason);
            }
            recordFailure(test.name, target, message);
            if (skip !== undefined) throw new Error(`expected to fail with ${String(skip.fails)} (${skip.reason}), but: ${message}`, { cause: error });
            throw error;
          }
          if (notCompared !== undefined) {
            recordSkip(test.name, target, notCompared);
            ctx.skip(notCompared);
          }
          if (skip !== undefined) {
            recordFailure(test.name, target, 'passes now: remove it from SKIPS');
            throw new Error(`passes on ${target} now: remove it from SKIPS (skipped because: ${skip.reason})`);
          }
          record(test.name, target, 'passed');
        });
      }
    });
  }

  afterAll(() => {
    targets.dispose();
    const count = (target: ConformanceTarget, outcome: Outcome): number => outcomes.get(target)?.get(outcome) ?? 0;
    const perTarget = CONFORMANCE_TARGETS.map((t) => `${t} ${count(t, 'passed')} passed, ${count(t, 'failed')} failed, ${count(t, 'skipped')} skipped`).join('; ');
    process.stdout.write(
      `ONNX node tests: ${compared.size} run, ${inScope.length - compared.size} skipped with reason, ` +
        `${discovered.length - inScope.length} unsupported, of ${discovered.length} (${perTarget})\n`,
    );
    for (const [reason, tests] of skipReasons) process.stdout.write(`  skipped (${reason}): ${[...tests].join(', ')}\n`);
    if (failures.size > 0) {
      const lines = [...failures.values()].map((f) => `${f.test} [${f.targets.join(', ')}]: ${f.message}`);
      process.stdout.write(`ONNX node test failures:\n  ${lines.join('\n  ')}\n`);
    }
  });
});
