// All conformance cases (the public ops they must cover are derived in public-ops.ts).

import { ELEMENTWISE_CASES } from './cases-elementwise.js';
import { ERROR_CASES } from './cases-errors.js';
import { RECURRENT_CASES } from './cases-recurrent.js';
import { REDUCE_CASES } from './cases-reduce.js';
import { SHAPE_CASES } from './cases-shape.js';
import type { ConformanceCase } from './types.js';

export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  ...ELEMENTWISE_CASES, ...REDUCE_CASES, ...SHAPE_CASES, ...RECURRENT_CASES, ...ERROR_CASES,
];

export { PUBLIC_OPS } from './public-ops.js';
