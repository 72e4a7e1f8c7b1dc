// The differential fuzzer: fast-check programs — a random tensor (rank 0–5, size-0 and size-1 dims,
// NaN, ±∞, −0, subnormals, huge and tiny magnitudes) through a chain of random ops — run on a backend
// without reading anything back until the end, then every step checked against the reference
// backend `js` applied to the same step input (so one op's rounding never amplifies into the next).
//
// A program is plain data ({ shape, seed, steps: [{ op, a, b }] }): each step's op reads its
// arguments (axes, the other operand's shape and values) from its two integers and the current shape,
// so fast-check can shrink a failure to a short program, printed as a reproducer.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend/backend.js';
import * as loom from '../index.js';
import { SeededRandom } from '../random.js';
import type { Tensor } from '../tensor.js';
import { compareResults } from './compare.js';
import { leakBetween, memorySnapshot } from './evaluate.js';
import { useSuiteBackend } from './suite.js';
import { toleranceFor } from './tolerances.js';
import type { ResultData } from './types.js';

/** One step: the op, and two integers it derives its arguments from. */
export interface FuzzStep {
  op: FuzzOp;
  a: number;
  b: number;
}

/** A program: the start tensor's shape and value seed, and the steps. */
export interface FuzzProgram {
  shape: number[];
  seed: number;
  steps: FuzzStep[];
}

const UNARY = [
  'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'reciprocal', 'sin', 'cos', 'tanh', 'sigmoid', 'softplus', 'gelu', 'elu',
  'neg', 'abs', 'sign', 'square', 'relu', 'floor', 'ceil', 'round',
] as const;
const BINARY = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'mod'] as const;
const REDUCE = ['sum', 'max', 'min', 'mean', 'prod', 'logSumExp'] as const;
const AXIS = ['softmax', 'logSoftmax', 'cumsum', 'reverse'] as const;
const SHAPE = ['transpose', 'slice', 'matmul', 'clip', 'leakyRelu'] as const;
export type FuzzOp = (typeof UNARY)[number] | (typeof BINARY)[number] | (typeof REDUCE)[number] | (typeof AXIS)[number] | (typeof SHAPE)[number];
export const FUZZ_OPS: readonly FuzzOp[] = [...UNARY, ...BINARY, ...REDUCE, ...AXIS, ...SHAPE];

const SUBNORMAL_MAX = 2 ** -126;
/** Backends that may flush subnormals to zero (WGSL allows it). */
const MAY_FLUSH_SUBNORMALS = /webgpu/;
const SPECIAL = [NaN, Infinity, -Infinity, -0, 0, 1, -1, 1e-40, -3e-42, 3e38, -3e38, 1e-30, 65504, 88.7, -104, 0.5];

/**
 * Values for `size` elements: mostly ordinary numbers, some special ones. With `flush`, subnormals
 * become 0, for backends that may flush them, so both sides compute from the same data.
 */
function valuesFor(size: number, seed: number, flush: boolean): Float32Array {
  const rng = new SeededRandom(seed);
  const v = Float32Array.from({ length: size }, () => {
    const u = rng.uniform();
    if (u < 0.15) return SPECIAL[Math.floor(rng.uniform() * SPECIAL.length)];
    if (u < 0.3) return (rng.uniform() - 0.5) * 2e4;
    if (u < 0.4) return Math.round((rng.uniform() - 0.5) * 20);
    return rng.normal() * 2;
  });
  if (flush) v.forEach((x, i) => { if (Math.abs(x) < SUBNORMAL_MAX) v[i] = x < 0 || Object.is(x, -0) ? -0 : 0; });
  return v;
}

/** Bits of `n` as a choice among k options. */
const pick = (n: number, k: number): number => (k <= 0 ? 0 : Math.abs(n) % k);

/** A subset of the axes of a rank-`rank` tensor chosen by the bits of `n` (possibly empty). */
const axesOf = (n: number, rank: number): number[] => Array.from({ length: rank }, (_, d) => d).filter((d) => (n >> d) & 1);

/** A shape that broadcasts against `shape`: some dims set to 1, possibly fewer leading dims. */
function broadcastPartner(shape: readonly number[], n: number): number[] {
  const drop = pick(n, shape.length + 1);
  return shape.slice(drop).map((d, i) => ((n >> (i + 4)) & 1 ? 1 : d));
}

/** What a step runs, given the current tensor (the other operand is created here, on the active backend). */
interface Planned {
  run: (l: typeof loom, x: Tensor) => Tensor;
  /** A readable form for the reproducer. */
  text: string;
  /** The second operand's values, where the step has one. */
  other?: Float32Array;
}

function plan(step: FuzzStep, shape: readonly number[], flush: boolean): Planned {
  const { op, a, b } = step;
  const rank = shape.length;
  if ((UNARY as readonly string[]).includes(op)) {
    return { run: (l, x) => (l[op as (typeof UNARY)[number]] as (t: Tensor) => Tensor)(x), text: `${op}(x)` };
  }
  if ((BINARY as readonly string[]).includes(op)) {
    const other = broadcastPartner(shape, a);
    const values = valuesFor(other.reduce((p, d) => p * d, 1), b, flush);
    const swap = (b & 1) === 1;
    const text = swap ? `${op}(y, x), y = tensor(${valuesText(values)}, [${other}])` : `${op}(x, y), y = tensor(${valuesText(values)}, [${other}])`;
    return {
      run: (l, x) => {
        const y = l.tensor(values, other);
        const f = l[op as (typeof BINARY)[number]] as (p: Tensor, q: Tensor) => Tensor;
        const r = swap ? f(y, x) : f(x, y);
        y.dispose();
        return r;
      },
      text,
      other: values,
    };
  }
  if ((REDUCE as readonly string[]).includes(op)) {
    const axes = axesOf(a, rank);
    const keepDims = (b & 1) === 1;
    const f = op as (typeof REDUCE)[number];
    return { run: (l, x) => (l[f] as (t: Tensor, ax: number[], k: boolean) => Tensor)(x, axes, keepDims), text: `${op}(x, [${axes}], ${keepDims})` };
  }
  if ((AXIS as readonly string[]).includes(op)) {
    if (rank === 0) return { run: (l, x) => l.neg(x), text: 'neg(x)' };
    const axis = pick(a, rank);
    if (op === 'cumsum') {
      const exclusive = (b & 1) === 1;
      const reverse = (b & 2) === 2;
      return { run: (l, x) => l.cumsum(x, axis, exclusive, reverse), text: `cumsum(x, ${axis}, ${exclusive}, ${reverse})` };
    }
    return { run: (l, x) => (l[op as 'softmax'] as (t: Tensor, ax: number) => Tensor)(x, axis), text: `${op}(x, ${axis})` };
  }
  switch (op) {
    case 'transpose': {
      const perm = Array.from({ length: rank }, (_, d) => d).sort((p, q) => ((a >> p) & 7) - ((a >> q) & 7) || p - q);
      return { run: (l, x) => l.transpose(x, perm), text: `transpose(x, [${perm}])` };
    }
    case 'slice': {
      if (rank === 0) return { run: (l, x) => l.abs(x), text: 'abs(x)' };
      const begin = shape.map((d, i) => pick(a >> (3 * i), d + 1));
      const size = shape.map((d, i) => pick(b >> (3 * i), d - begin[i] + 1));
      return { run: (l, x) => l.slice(x, begin, size), text: `slice(x, [${begin}], [${size}])` };
    }
    case 'matmul': {
      if (rank < 2) return { run: (l, x) => l.square(x), text: 'square(x)' };
      const k = shape[rank - 1];
      const n = pick(a, 4);
      const other = [...broadcastPartner(shape.slice(0, -2), b), k, n];
      const values = valuesFor(other.reduce((p, d) => p * d, 1), b, flush);
      return {
        run: (l, x) => { const y = l.tensor(values, other); const r = l.matmul(x, y); y.dispose(); return r; },
        text: `matmul(x, y), y = tensor(${valuesText(values)}, [${other}])`,
        other: values,
      };
    }
    case 'clip': {
      const lo = -Math.abs(a % 7);
      const hi = lo + 1 + Math.abs(b % 5);
      return { run: (l, x) => l.clip(x, lo, hi), text: `clip(x, ${lo}, ${hi})` };
    }
    default: {
      const alpha = (Math.abs(a) % 10) / 10;
      return { run: (l, x) => l.leakyRelu(x, alpha), text: `leakyRelu(x, ${alpha})` };
    }
  }
}

function valuesText(v: ArrayLike<number>): string {
  const items = Array.from(v, (x) => (Object.is(x, -0) ? '-0' : Number.isNaN(x) ? 'NaN' : String(x)));
  return `[${items.join(', ')}]`;
}

/**
 * A difference a backend is allowed, with the reason (the documented list). Each returns true when
 * element `i` of a step's result may be skipped.
 */
export interface AcceptedDifference {
  readonly backends: RegExp;
  readonly ops: readonly FuzzOp[] | 'all';
  readonly why: string;
  /** `i` indexes the result; for the unary ops it is also the input element's index. */
  readonly skip: (input: Float32Array, i: number, expected: number, actual: number, other?: Float32Array) => boolean;
}

export const ACCEPTED_DIFFERENCES: readonly AcceptedDifference[] = [
  {
    backends: MAY_FLUSH_SUBNORMALS, ops: 'all',
    why: 'WebGPU may flush subnormal float32 values to zero (WGSL does not require them); a subnormal expected value may read as 0',
    skip: (_x, _i, e, a) => Math.abs(e) < SUBNORMAL_MAX && Math.abs(a) < SUBNORMAL_MAX,
  },
  {
    backends: /./, ops: ['matmul', 'sum', 'mean', 'prod', 'logSumExp', 'cumsum'],
    why: 'the reference accumulates in float64, the kernels in float32: with inputs of magnitude ≥ 1e18 (or ±∞) a partial ' +
      'sum may overflow to ±∞ (and ∞ − ∞ to NaN) where the float64 sum ends finite or as the other infinity',
    skip: (x, _i, e, a, y) => (!Number.isFinite(e) || !Number.isFinite(a)) && [x, y ?? []].some((vs) => Array.from(vs).some((v) => !(Math.abs(v) < 1e18))),
  },
  {
    backends: /webgpu/, ops: ['sin', 'cos'],
    why: 'WGSL sin/cos are accurate only on a bounded range; beyond |x| = 1e4 the GPU result is not compared',
    skip: (x, i) => Math.abs(x[i]) > 1e4,
  },
];

/** The first mismatch of one step on `backend`, allowing the accepted differences, or undefined. */
function compareStep(
  backend: string, op: FuzzOp, input: Float32Array, other: Float32Array | undefined, actual: ResultData, expected: ResultData,
): string | undefined {
  const accepted = ACCEPTED_DIFFERENCES.filter((d) => d.backends.test(backend) && (d.ops === 'all' || d.ops.includes(op)));
  const e = Float32Array.from(expected.values as ArrayLike<number>);
  const a = Float32Array.from(actual.values as ArrayLike<number>);
  for (let i = 0; i < e.length && i < a.length; i++) {
    if (accepted.some((d) => d.skip(input, i, e[i], a[i], other))) a[i] = e[i];
  }
  return compareResults([{ ...actual, values: a }], [{ ...expected, values: e }], toleranceFor(op), op);
}

async function readData(t: Tensor): Promise<ResultData> {
  return { shape: [...t.shape], dtype: t.dtype, values: Float32Array.from((await t.data()) as ArrayLike<number>) };
}

/** Runs `program` on the active backend (no reads until the end) and checks each step on `js`. */
export async function checkProgram(program: FuzzProgram, reference = 'js'): Promise<string | undefined> {
  const backend = loom.getBackend();
  const before = memorySnapshot();
  const flush = MAY_FLUSH_SUBNORMALS.test(backend);
  const start = valuesFor(program.shape.reduce((p, d) => p * d, 1), program.seed, flush);
  const chain: Tensor[] = [];
  const plans: Planned[] = [];
  let failure: string | undefined;
  try {
    let x = loom.tensor(start, program.shape);
    // NOTE: every plan is a valid call; an error is a finding (reported with the program).
    chain.push(x);
    for (const step of program.steps) {
      const p = plan(step, x.shape, flush);
      plans.push(p);
      x = p.run(loom, x);
      chain.push(x);
    }
    const results: ResultData[] = [];
    for (const t of chain) results.push(await readData(t));
    await loom.setBackend(reference);
    for (let k = 0; k < program.steps.length && !failure; k++) {
      const input = results[k];
      const expected = loom.tidy(() => {
        const x0 = loom.tensor(input.values as Float32Array, input.shape);
        return plans[k].run(loom, x0);
      });
      const want = await readData(expected);
      expected.dispose();
      const diff = compareStep(backend, program.steps[k].op, input.values as Float32Array, plans[k].other, results[k + 1], want);
      if (diff) failure = `step ${k} ${plans[k].text} on x = tensor(${valuesText(input.values)}, [${input.shape}]): ${diff}`;
    }
  } finally {
    await loom.setBackend(backend);
    loom.dispose(chain);
  }
  const leak = leakBetween(before, memorySnapshot());
  return failure ?? (leak ? `leaked: ${leak}` : undefined);
}

const dimArb = fc.constantFrom(0, 1, 1, 2, 3, 4);
const stepArb: fc.Arbitrary<FuzzStep> = fc.record({
  op: fc.constantFrom(...FUZZ_OPS), a: fc.integer({ min: 0, max: 1 << 20 }), b: fc.integer({ min: 0, max: 1 << 20 }),
});
/** Random programs: rank 0–5, one to four steps. */
export const programArb: fc.Arbitrary<FuzzProgram> = fc.record({
  shape: fc.array(dimArb, { minLength: 0, maxLength: 5 }),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 4 }),
});

/** Options of `defineFuzzSuite`. */
export interface FuzzOptions {
  /** Programs per run (default: LOOM_FUZZ_RUNS from the environment, else 150). */
  runs?: number;
  /** fast-check seed (default: LOOM_FUZZ_SEED, else a fixed one, so `npm test` is repeatable). */
  seed?: number;
}

function envNumber(name: string): number | undefined {
  const v = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  return v === undefined || v === '' ? undefined : Number(v);
}

/** Registers the differential fuzz test for the backend `factory` creates, against `js`. */
export function defineFuzzSuite(name: string, factory: () => Backend | Promise<Backend>, options: FuzzOptions = {}): void {
  describe(`differential fuzzer: ${name} vs js`, () => {
    useSuiteBackend(factory);
    const runs = options.runs ?? envNumber('LOOM_FUZZ_RUNS') ?? 150;
    const seed = options.seed ?? envNumber('LOOM_FUZZ_SEED') ?? 20261202;
    it(`${runs} random op programs agree with js (seed ${seed})`, async () => {
      const outcome = await fc.check(
        fc.asyncProperty(programArb, async (p) => (await checkProgram(p).catch((e: Error) => `threw: ${e.message}`)) === undefined),
        { numRuns: runs, seed, endOnFailure: false },
      );
      if (outcome.failed) {
        const minimal = outcome.counterexample![0];
        const why = await checkProgram(minimal).catch((e: Error) => `threw: ${e.message}`);
        expect.fail(
          `${name} disagrees with js after ${outcome.numRuns} programs (seed ${seed}, path ${outcome.counterexamplePath}):\n` +
            `  program ${JSON.stringify(minimal)}\n  ${why}\n` +
            `  rerun: npm run fuzz -- --runs ${runs} --seed ${seed}`,
        );
      }
      expect(outcome.numRuns).toBe(runs);
    }, 300_000);
  });
}
