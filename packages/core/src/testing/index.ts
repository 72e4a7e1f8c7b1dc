// @loom/core/testing: the conformance suite every backend must pass, its cases and tolerances.

export { defineConformanceSuite, useSuiteBackend } from './suite.js';
export type { ConformanceOptions } from './suite.js';
export { CONFORMANCE_CASES } from './cases.js';
export { NON_OP_EXPORTS, PUBLIC_OPS } from './public-ops.js';
export type { PublicOp } from './public-ops.js';
export { TOLERANCES, toleranceFor } from './tolerances.js';
export type { Tolerance } from './tolerances.js';
export { compareResults } from './compare.js';
export { evaluateCase, evaluateErrorCase, leakBetween, makeInput, memorySnapshot, resultTensors } from './evaluate.js';
export { oracleResults } from './oracle.js';
export { definePropertySuite } from './properties.js';
export { ACCEPTED_DIFFERENCES, checkProgram, defineFuzzSuite, FUZZ_OPS, programArb } from './fuzz.js';
export type { AcceptedDifference, FuzzOp, FuzzOptions, FuzzProgram, FuzzStep } from './fuzz.js';
export type { ConformanceCase, ErrorCase, GradSpec, InputData, LoomResult, OpCase, ResultData, TfLike } from './types.js';
