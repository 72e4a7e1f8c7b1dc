// The public ops, derived from what core's ops module exports: every exported function, less the
// helpers named in NOT_OPS with the reason. A new export is an op the suite must cover, unless it
// is added here.

import * as ops from '../ops/index.js';

/** Functions ops/index.ts exports that are not ops, each with why. */
const NOT_OPS = {} as const;

type OpsModule = typeof ops;
type FunctionExport = { [K in keyof OpsModule]: OpsModule[K] extends (...args: never[]) => unknown ? K : never }[keyof OpsModule];

/** The name of a public op of @loom/core (a function in ops/index.ts that is not a helper). */
export type PublicOp = Exclude<FunctionExport, keyof typeof NOT_OPS>;

/** Every public op the conformance suite must cover with at least one computing case, sorted. */
export const PUBLIC_OPS: readonly PublicOp[] = (Object.keys(ops) as (keyof OpsModule)[])
  .filter((k): k is PublicOp => typeof ops[k] === 'function' && !(k in NOT_OPS))
  .sort();

/** The helpers left out of PUBLIC_OPS, with the reason for each. */
export const NON_OP_EXPORTS: Readonly<Record<keyof typeof NOT_OPS, string>> = NOT_OPS;
