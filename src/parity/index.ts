import { diffnetRunner } from './diffnet.js';
import { prodiffRunners } from './prodiff.js';
import type { CaseRunner } from './types.js';
import { audioCaseRunner } from './audio.js';

export * from './types.js';
export * from './compare.js';
export * from './run.js';
export { prodiffConfigFromHparams, prodiffRunners } from './prodiff.js';

/** Every runner the parity command knows; new golden cases of these modules run without code changes. */
export const allRunners: CaseRunner[] = [diffnetRunner, ...prodiffRunners, audioCaseRunner];
