/**
 * One seed for the fuzz properties, so a run is reproducible and CI's verdict does not depend
 * on luck: FUZZ_SEED=<n> replays a seed, FUZZ_SEED=random explores (do that while developing,
 * and turn what it finds into a regression test, as core/config/config.test.ts did).
 */
import fc from 'fast-check';

const chosen = process.env.FUZZ_SEED ?? '20261130';
if (chosen !== 'random') fc.configureGlobal({ seed: Number(chosen) });
