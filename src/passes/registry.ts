// Every pass by name: the table pipelines and `--passes` are resolved against.

import { canonicalizeLinearPass } from './canonicalize-linear.ts';
import { csePass } from './cse.ts';
import { dcePass } from './dce.ts';
import { foldConstantsPass } from './fold-constants.ts';
import { fuseElementwisePass } from './fuse-elementwise.ts';
import { fuseLinearActivationPass } from './fuse-linear-activation.ts';
import type { Pass } from './pass.ts';
import { removeIdentitiesPass } from './remove-identities.ts';

export const ALL_PASSES: readonly Pass[] = [
  dcePass, removeIdentitiesPass, foldConstantsPass, csePass, canonicalizeLinearPass,
  fuseLinearActivationPass, fuseElementwisePass,
];

export const PASSES: Readonly<Record<string, Pass>> = Object.fromEntries(ALL_PASSES.map((pass) => [pass.name, pass]));
