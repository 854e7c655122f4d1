// Every pass by name: the table pipelines and `--passes` are resolved against.

import { canonicalizeLinearPass } from './canonicalize-linear.ts';
import { fuseConvBiasPass, fuseConvResidualPass } from './conv-epilogue.ts';
import { csePass } from './cse.ts';
import { dcePass } from './dce.ts';
import { foldBatchNormPass } from './fold-batch-norm.ts';
import { foldConstantsPass } from './fold-constants.ts';
import { fuseAttentionPass } from './fuse-attention.ts';
import { fuseElementwisePass } from './fuse-elementwise.ts';
import { fuseLayerNormPass } from './fuse-layer-norm.ts';
import { fuseLinearActivationPass } from './fuse-linear-activation.ts';
import type { Pass } from './pass.ts';
import { removeIdentitiesPass } from './remove-identities.ts';
import { sinkTransposesPass } from './sink-transposes.ts';
import { splitRecurrentProjectionPass } from './split-recurrent-projection.ts';

export const ALL_PASSES: readonly Pass[] = [
  dcePass, removeIdentitiesPass, foldConstantsPass, sinkTransposesPass, csePass, canonicalizeLinearPass,
  foldBatchNormPass, fuseConvBiasPass, fuseConvResidualPass, fuseLinearActivationPass, fuseElementwisePass,
  splitRecurrentProjectionPass,
  fuseLayerNormPass, fuseAttentionPass,
];

export const PASSES: Readonly<Record<string, Pass>> = Object.fromEntries(ALL_PASSES.map((pass) => [pass.name, pass]));
