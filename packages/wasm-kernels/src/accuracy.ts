// Documented accuracy of the SIMD transcendentals (assembly/simd-math.ts) against float64, as
// measured by test/transcendentals.test.ts over dense sweeps (relative error where |f(x)| ≥ 1e-30,
// absolute error below that). The test fails if any bound is exceeded.

/**
 * Maximum relative error of each SIMD transcendental versus the float64 function, measured on both
 * builds. gelu follows the reference's erfc (Numerical Recipes, itself within 1.2e-7); its float32
 * argument −z² limits it to 2e-6 relative for x ≥ −5 and ~1e-5 in the tail x < −5, where |gelu(x)| < 1e-6.
 */
export const TRANSCENDENTAL_MAX_ERROR = {
  exp: 2e-7,
  expm1: 2e-7,
  log: 2e-7,
  log1p: 3e-7,
  tanh: 2e-7,
  sigmoid: 3e-7,
  softplus: 3e-7,
  gelu: 3e-6,
  geluTail: 1.5e-5,
} as const;
