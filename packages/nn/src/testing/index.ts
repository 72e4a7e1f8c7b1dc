// @loom/nn/testing: the gradient suite every backend runs (see suite.ts), for backend authors' tests.

export { defineGradientSuite, GRADIENT_CASES } from './suite.js';
export { GRADIENT_TOLERANCES, gradientToleranceFor } from './tolerances.js';
export type { GradientTolerance } from './tolerances.js';
export { finiteDifferenceGradient, planGradient, tapeGradient } from './evaluate.js';
export type { GradientPlan } from './evaluate.js';
