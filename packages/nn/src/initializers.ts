// Weight initializers (Keras definitions), drawn on the host from a seeded generator so the same
// seed gives the same weights on every backend. Seeds are scoped: a layer gets its seeds from its
// model's seed stream (see LayerScope in layers/layer.ts); `setSeed` only sets the seed that models
// built without one start from, so what else the process built never changes a model's weights.

import { SeededRandom, tensor, type Tensor } from '@loom/core';
import { checkOptions, finite, given, nonNegative, oneOf, positive } from './validate.js';

/** Creates an initial value of a given shape. */
export interface Initializer {
  readonly name: string;
  /** The values; `seed` is used when the initializer has no seed of its own. */
  create(shape: readonly number[], seed?: number): Tensor;
  /** Serializable config (for save/load). */
  readonly config: Record<string, unknown>;
  /** True when `create` draws random numbers and has no seed of its own: a layer then passes one. */
  readonly needsSeed?: boolean;
}

let startSeed = 1337;

/** Sets the seed that models (and layers built outside a model) created without a seed start from. */
export function setSeed(seed: number): void {
  startSeed = seed;
}

/** The seed set by `setSeed` (1337 until then). */
export function defaultSeed(): number {
  return startSeed;
}

/** fanIn / fanOut as Keras computes them: [in, out] dense, [..receptive, in, out] conv. */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

type Sampler = (rng: SeededRandom, shape: readonly number[]) => Float32Array;

function fromSampler(name: string, config: Record<string, unknown>, sample: Sampler): Initializer {
  // NOTE: called without a seed (outside a layer), each initializer draws from its own stream.
  let own: SeededRandom | undefined;
  return {
    name,
    config,
    needsSeed: config.seed === undefined,
    create(shape, seed) {
      const s = (config.seed as number | undefined) ?? seed ?? (own ??= new SeededRandom(startSeed)).nextUint32();
      return tensor(sample(new SeededRandom(s), shape), [...shape]);
    },
  };
}

function truncated(rng: SeededRandom): number {
  let z = rng.normal();
  while (Math.abs(z) > 2) z = rng.normal();
  return z;
}

type Mode = 'fanIn' | 'fanOut' | 'fanAvg';

/** Options of varianceScaling. */
export interface VarianceScalingOptions {
  scale?: number;
  mode?: Mode;
  distribution?: 'uniform' | 'truncatedNormal';
  seed?: number;
}

/** Keras VarianceScaling: uniform or truncated normal with variance scale / fan. */
export function varianceScaling(options: VarianceScalingOptions): Initializer {
  const op = 'varianceScaling';
  checkOptions(op, options, ['scale', 'mode', 'distribution', 'seed']);
  const scale = positive(op, 'scale', options.scale, 1);
  const mode = oneOf<Mode>(op, 'mode', options.mode, ['fanIn', 'fanOut', 'fanAvg'], 'fanIn');
  const distribution = oneOf(op, 'distribution', options.distribution, ['uniform', 'truncatedNormal'] as const, 'truncatedNormal');
  const seed = seedOption(op, options.seed);
  return fromSampler('varianceScaling', { scale, mode, distribution, seed }, (rng, shape) => {
    const [fi, fo] = computeFans(shape);
    const fan = mode === 'fanIn' ? fi : mode === 'fanOut' ? fo : (fi + fo) / 2;
    const v = scale / Math.max(1, fan);
    const out = new Float32Array(size(shape));
    if (distribution === 'uniform') {
      const limit = Math.sqrt(3 * v);
      for (let i = 0; i < out.length; i++) out[i] = (2 * rng.uniform() - 1) * limit;
    } else {
      // NOTE: 0.8796… is the stddev of a unit normal truncated at ±2 (Keras's correction).
      const std = Math.sqrt(v) / 0.87962566103423978;
      for (let i = 0; i < out.length; i++) out[i] = truncated(rng) * std;
    }
    return out;
  });
}

/** A named variance-scaling preset that takes only a seed. */
function preset(name: string, o: VarianceScalingOptions): (opts?: { seed?: number }) => Initializer {
  return (opts = {}) => {
    checkOptions(name, opts, ['seed']);
    return named(name, varianceScaling({ ...o, seed: seedOption(name, opts.seed) }));
  };
}

/** Uniform in ±√(6 / (fanIn + fanOut)). */
export const glorotUniform = preset('glorotUniform', { scale: 1, mode: 'fanAvg', distribution: 'uniform' });
/** Truncated normal with stddev √(2 / (fanIn + fanOut)). */
export const glorotNormal = preset('glorotNormal', { scale: 1, mode: 'fanAvg' });
/** Uniform in ±√(6 / fanIn). */
export const heUniform = preset('heUniform', { scale: 2, mode: 'fanIn', distribution: 'uniform' });
/** Truncated normal with stddev √(2 / fanIn). */
export const heNormal = preset('heNormal', { scale: 2, mode: 'fanIn' });
/** Uniform in ±√(3 / fanIn). */
export const lecunUniform = preset('lecunUniform', { scale: 1, mode: 'fanIn', distribution: 'uniform' });
/** Truncated normal with stddev √(1 / fanIn). */
export const lecunNormal = preset('lecunNormal', { scale: 1, mode: 'fanIn' });

/** A seed option: undefined (the layer passes one) or a finite number. */
function seedOption(op: string, seed: unknown): number | undefined {
  return seed === undefined ? undefined : finite(op, 'seed', seed);
}

function named(name: string, init: Initializer): Initializer {
  return { ...init, name, config: { seed: init.config.seed } };
}

/** Uniform in [minval, maxval). */
export function randomUniform(o: { minval?: number; maxval?: number; seed?: number } = {}): Initializer {
  checkOptions('randomUniform', o, ['minval', 'maxval', 'seed']);
  const minval = finite('randomUniform', 'minval', o.minval, -0.05);
  const maxval = finite('randomUniform', 'maxval', o.maxval, 0.05);
  if (!(minval <= maxval)) throw new Error(`randomUniform: minval ${minval} must be <= maxval ${maxval}`);
  const seed = seedOption('randomUniform', o.seed);
  return fromSampler('randomUniform', { minval, maxval, seed }, (rng, shape) =>
    Float32Array.from({ length: size(shape) }, () => minval + (maxval - minval) * rng.uniform()));
}

/** Normal with the given mean and stddev. */
export function randomNormal(o: { mean?: number; stddev?: number; seed?: number } = {}): Initializer {
  checkOptions('randomNormal', o, ['mean', 'stddev', 'seed']);
  const mean = finite('randomNormal', 'mean', o.mean, 0);
  const stddev = nonNegative('randomNormal', 'stddev', o.stddev, 0.05);
  const seed = seedOption('randomNormal', o.seed);
  return fromSampler('randomNormal', { mean, stddev, seed }, (rng, shape) =>
    Float32Array.from({ length: size(shape) }, () => mean + stddev * rng.normal()));
}

/**
 * A (semi-)orthogonal matrix times `gain`: rows × cols with the last dim as cols, from Gram–Schmidt
 * on a normal draw (with the sign fix that makes the distribution uniform).
 */
export function orthogonal(o: { gain?: number; seed?: number } = {}): Initializer {
  checkOptions('orthogonal', o, ['gain', 'seed']);
  const gain = finite('orthogonal', 'gain', o.gain, 1);
  const seed = seedOption('orthogonal', o.seed);
  return fromSampler('orthogonal', { gain, seed }, (rng, shape) => {
    if (shape.length < 2) throw new Error(`orthogonal: needs a shape of rank >= 2, got [${shape.join(',')}]`);
    const cols = shape[shape.length - 1];
    const rows = size(shape) / cols;
    // Orthonormalize the k = max(rows, cols) vectors of length min(rows, cols)... done as QR of an n×m draw.
    const n = Math.max(rows, cols);
    const m = Math.min(rows, cols);
    const a = Array.from({ length: m }, () => Float64Array.from({ length: n }, () => rng.normal()));
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < i; j++) {
        let d = 0;
        for (let k = 0; k < n; k++) d += a[i][k] * a[j][k];
        for (let k = 0; k < n; k++) a[i][k] -= d * a[j][k];
      }
      let norm = 0;
      for (let k = 0; k < n; k++) norm += a[i][k] * a[i][k];
      norm = Math.sqrt(norm) || 1;
      for (let k = 0; k < n; k++) a[i][k] /= norm;
    }
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        out[r * cols + c] = gain * (rows >= cols ? a[c][r] : a[r][c]);
      }
    }
    return out;
  });
}

/** A constant value. */
export function constant(o: { value?: number } = {}): Initializer {
  checkOptions('constant', o, ['value']);
  const value = finite('constant', 'value', o.value, 0);
  return { name: 'constant', config: { value }, create: (shape) => tensor(new Float32Array(size(shape)).fill(value), [...shape]) };
}

/** All zeros. */
export const zeros = (): Initializer => ({ ...constant({ value: 0 }), name: 'zeros', config: {} });
/** All ones. */
export const ones = (): Initializer => ({ ...constant({ value: 1 }), name: 'ones', config: {} });

/** Initializers by name. */
export const INITIALIZERS: Record<string, (o?: Record<string, unknown>) => Initializer> = {
  glorotUniform, glorotNormal, heUniform, heNormal, lecunUniform, lecunNormal, orthogonal, zeros, ones,
  constant, randomUniform, randomNormal,
  varianceScaling: (o) => varianceScaling(o ?? {}),
};

/** Resolves a name (camelCase or Keras snake_case) or an Initializer; `op` names the caller in errors. */
export function getInitializer(init: string | Initializer | undefined, fallback: string, op = 'initializer'): Initializer {
  if (init && typeof init === 'object') {
    if (typeof init.create !== 'function') throw new Error(`${op}: an initializer object needs a create(shape, seed) method`);
    return init;
  }
  if (init !== undefined && typeof init !== 'string') {
    throw new Error(`${op}: initializer must be a name or an Initializer, got ${given(init)}`);
  }
  const name = (init ?? fallback).replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  if (!Object.hasOwn(INITIALIZERS, name)) {
    throw new Error(`${op}: unknown initializer ${given(init)}; valid: ${Object.keys(INITIALIZERS).join(', ')}, or an Initializer`);
  }
  return INITIALIZERS[name]();
}
