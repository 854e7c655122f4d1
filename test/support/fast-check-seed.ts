// A vitest setup file: on CI (CI=true) every fast-check property starts from one fixed seed,
// so a run there replays exactly what was checked before the change landed; elsewhere each run
// draws new cases. FUSEGRAPH_FC_SEED=<n> fixes any other seed, =random forces random draws.
import fc from 'fast-check';

const requested = process.env['FUSEGRAPH_FC_SEED'] ?? (process.env['CI'] === 'true' ? '20261130' : 'random');
if (requested !== 'random') fc.configureGlobal({ seed: Number(requested) });
