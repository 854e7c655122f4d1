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
  reason: 'an input of another element type than FLOAT: fusegraph models compute in f32',
  fails: /input %\w+ has element type \w+; fusegraph models take FLOAT inputs/,
};
const INT_VALUES: Skip = {
  reason: 'integer results: fusegraph values are f32 (integers only as constant shapes and axes)',
  fails: /holds integers where a float tensor is expected/,
};
const CAST: Skip = {
  reason: 'Cast between element types: fusegraph values are f32 (Cast is read only on integer shapes)',
  fails: /fusegraph casts only integer shapes|input %\w+ has element type \w+; fusegraph models take FLOAT inputs/,
};
const CONCAT: Skip = {
  reason: 'Concat of computed tensors: the importer evaluates Concat only on constant 1-D integer shapes',
  fails: /concatenates only 1-D integer shapes/,
};
const GATHER: Skip = {
  reason: 'Gather from computed data: the importer evaluates Gather only on constant shapes',
  fails: /fusegraph gathers only from shapes/,
};
const OPSET_6: Skip = {
  reason: 'the model imports ai.onnx opset 6; fusegraph reads opsets 11 to 21',
  fails: /opset 6 is not supported/,
};
const DROPOUT_MASK: Skip = {
  reason: 'Dropout\'s mask output: fusegraph compiles inference, where Dropout is the identity',
  fails: /mask output is only defined in training/,
};
const DROPOUT_TRAINING: Skip = {
  reason: 'training-mode Dropout (random; training_mode is a BOOL input): fusegraph compiles inference',
  fails: /input %t has element type BOOL/,
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
  test_pow_types_float32_uint32: POW_COMPUTED,
  test_pow_types_float32_uint64: POW_COMPUTED,
  test_pow_types_int: POW_COMPUTED,
  test_pow_types_int32_float32: POW_COMPUTED,
  test_pow_types_int32_int32: POW_COMPUTED,
  test_pow_types_int64_float32: POW_COMPUTED,
  test_pow_types_int64_int64: POW_COMPUTED,
  test_add_uint8: NOT_F32,
  test_batchnorm_epsilon_training_mode: BATCHNORM_TRAINING,
  test_batchnorm_example_training_mode: BATCHNORM_TRAINING,
  test_cast_BFLOAT16_to_FLOAT: CAST,
  test_cast_DOUBLE_to_FLOAT: CAST,
  test_cast_DOUBLE_to_FLOAT16: CAST,
  test_cast_FLOAT16_to_DOUBLE: CAST,
  test_cast_FLOAT16_to_FLOAT: CAST,
  test_cast_FLOAT_to_BFLOAT16: CAST,
  test_cast_FLOAT_to_DOUBLE: CAST,
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
  test_concat_1d_axis_0: CONCAT,
  test_concat_1d_axis_negative_1: CONCAT,
  test_concat_2d_axis_0: CONCAT,
  test_concat_2d_axis_1: CONCAT,
  test_concat_2d_axis_negative_1: CONCAT,
  test_concat_2d_axis_negative_2: CONCAT,
  test_concat_3d_axis_0: CONCAT,
  test_concat_3d_axis_1: CONCAT,
  test_concat_3d_axis_2: CONCAT,
  test_concat_3d_axis_negative_1: CONCAT,
  test_concat_3d_axis_negative_2: CONCAT,
  test_concat_3d_axis_negative_3: CONCAT,
  test_div_uint8: NOT_F32,
  test_dropout_default_mask: DROPOUT_MASK,
  test_dropout_default_mask_ratio: DROPOUT_MASK,
  test_elu: OPSET_6,
  test_elu_default: OPSET_6,
  test_elu_example: OPSET_6,
  test_gather_0: GATHER,
  test_gather_1: GATHER,
  test_gather_2d_indices: GATHER,
  test_gather_negative_indices: GATHER,
  test_identity_opt: NOT_A_TENSOR,
  test_identity_sequence: NOT_A_TENSOR,
  test_max_float16: NOT_F32,
  test_max_float64: NOT_F32,
  test_max_int16: NOT_F32,
  test_max_int32: INT_VALUES,
  test_max_int64: INT_VALUES,
  test_max_int8: NOT_F32,
  test_max_uint16: NOT_F32,
  test_max_uint32: NOT_F32,
  test_max_uint64: NOT_F32,
  test_max_uint8: NOT_F32,
  test_min_float16: NOT_F32,
  test_min_float64: NOT_F32,
  test_min_int16: NOT_F32,
  test_min_int32: INT_VALUES,
  test_min_int64: INT_VALUES,
  test_min_int8: NOT_F32,
  test_min_uint16: NOT_F32,
  test_min_uint32: NOT_F32,
  test_min_uint64: NOT_F32,
  test_min_uint8: NOT_F32,
  test_mul_uint8: NOT_F32,
  test_reshape_allowzero_reordered: { reason: 'a zero-sized input ([0,3,4]): fusegraph has no empty tensors', fails: /dim 0 must be a positive integer, got 0/ },
  test_shape: INT_VALUES,
  test_shape_clip_end: INT_VALUES,
  test_shape_clip_start: INT_VALUES,
  test_shape_end_1: INT_VALUES,
  test_shape_end_negative_1: INT_VALUES,
  test_shape_example: INT_VALUES,
  test_shape_start_1: INT_VALUES,
  test_shape_start_1_end_2: INT_VALUES,
  test_shape_start_1_end_negative_1: INT_VALUES,
  test_shape_start_negative_1: INT_VALUES,
  test_sub_uint8: NOT_F32,
  test_training_dropout: DROPOUT_TRAINING,
  test_training_dropout_default: DROPOUT_TRAINING,
  test_training_dropout_default_mask: DROPOUT_TRAINING,
  test_training_dropout_mask: DROPOUT_TRAINING,
  test_training_dropout_zero_ratio: DROPOUT_TRAINING,
  test_training_dropout_zero_ratio_mask: DROPOUT_TRAINING,
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
const CONSTANT_INPUTS: Readonly<Record<string, Constants>> = {
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
