// Losses (Keras conventions: mean over the last axis per sample, then a reduction over samples),
// numerically stable, with fromLogits variants and 'mean' | 'sum' | 'none' reductions.

import * as core from '@loom/core';
import { formatShape, shapesEqual, type Tensor } from '@loom/core';
import { checkIndicesSync } from './util.js';
import { given, inRange, resolveAlias } from './validate.js';

/** How per-sample losses are combined: 'mean' (sum over batch size), 'sum', or 'none' (per sample). */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options common to every loss. */
export interface LossOptions {
  reduction?: Reduction;
}

/** A loss: labels, predictions → a scalar (or per-sample losses with reduction 'none'). */
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

const EPSILON = 1e-7;

function reduce(name: string, perSample: Tensor, reduction: Reduction = 'mean'): Tensor {
  if (reduction === 'none') return perSample;
  if (reduction === 'sum') return core.sum(perSample);
  if (reduction === 'mean') return perSample.size === 0 ? core.scalar(0) : core.mean(perSample);
  throw new Error(`${name}: unknown reduction '${String(reduction)}'; valid: mean, sum, none`);
}

function sameShape(name: string, yTrue: Tensor, yPred: Tensor): Tensor {
  if (!shapesEqual(yTrue.shape, yPred.shape)) {
    throw new Error(`${name}: labels ${formatShape(yTrue.shape)} and predictions ${formatShape(yPred.shape)} must have the same shape`);
  }
  if (yPred.dtype !== 'float32') throw new Error(`${name}: predictions must be float32, got ${yPred.dtype}`);
  return yTrue.dtype === 'float32' ? yTrue : core.cast(yTrue, 'float32');
}

/** Mean over the last axis (rank ≥ 1), so a [batch, d] input gives [batch] per-sample values. */
function perSampleMean(x: Tensor): Tensor {
  return x.rank === 0 ? x : core.mean(x, -1);
}

/** mean((ŷ − y)²) over the last axis (Keras `mean_squared_error`). */
export function meanSquaredError(yTrue: Tensor, yPred: Tensor, options: LossOptions = {}): Tensor {
  return core.tidy(() => {
    const y = sameShape('meanSquaredError', yTrue, yPred);
    return reduce('meanSquaredError', perSampleMean(core.square(core.sub(yPred, y))), options.reduction);
  });
}

/**
 * ½·mean((ŷ − y)²): the variant many textbooks use because its gradient is simply ŷ − y.
 * Exactly half of `meanSquaredError`.
 */
export function halfMeanSquaredError(yTrue: Tensor, yPred: Tensor, options: LossOptions = {}): Tensor {
  return core.tidy(() => core.mul(meanSquaredError(yTrue, yPred, options), 0.5));
}

/** mean(|ŷ − y|) over the last axis. */
export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor, options: LossOptions = {}): Tensor {
  return core.tidy(() => {
    const y = sameShape('meanAbsoluteError', yTrue, yPred);
    return reduce('meanAbsoluteError', perSampleMean(core.abs(core.sub(yPred, y))), options.reduction);
  });
}

/** Huber: ½e² for |e| ≤ δ, δ(|e| − ½δ) beyond; mean over the last axis. */
export function huber(yTrue: Tensor, yPred: Tensor, options: LossOptions & { delta?: number } = {}): Tensor {
  return core.tidy(() => {
    const delta = options.delta ?? 1;
    if (!(delta > 0)) throw new Error(`huber: delta must be > 0, got ${delta}`);
    const y = sameShape('huber', yTrue, yPred);
    const e = core.abs(core.sub(yPred, y));
    const quad = core.minimum(e, delta);
    const lin = core.sub(e, quad);
    const l = core.add(core.mul(core.square(quad), 0.5), core.mul(lin, delta));
    return reduce('huber', perSampleMean(l), options.reduction);
  });
}

/** Kullback–Leibler divergence Σ y·log(y / ŷ) over the last axis, both clipped to [ε, 1] (Keras `kl_divergence`). */
export function kullbackLeiblerDivergence(yTrue: Tensor, yPred: Tensor, options: LossOptions = {}): Tensor {
  return core.tidy(() => {
    const y = core.clip(sameShape('kullbackLeiblerDivergence', yTrue, yPred), EPSILON, 1);
    const p = core.clip(yPred, EPSILON, 1);
    const l = core.mul(y, core.log(core.div(y, p)));
    return reduce('kullbackLeiblerDivergence', l.rank === 0 ? l : core.sum(l, -1), options.reduction);
  });
}

/** Poisson negative log-likelihood ŷ − y·log(ŷ + ε), mean over the last axis (for counts; ŷ must be >= 0). */
export function poisson(yTrue: Tensor, yPred: Tensor, options: LossOptions = {}): Tensor {
  return core.tidy(() => {
    const y = sameShape('poisson', yTrue, yPred);
    const l = core.sub(yPred, core.mul(y, core.log(core.add(yPred, EPSILON))));
    return reduce('poisson', perSampleMean(l), options.reduction);
  });
}

/**
 * log(cosh(ŷ − y)), mean over the last axis: ≈ ½e² for small errors, ≈ |e| − log 2 for large ones.
 * Computed as e + softplus(−2e) − log 2, which never overflows.
 */
export function logCosh(yTrue: Tensor, yPred: Tensor, options: LossOptions = {}): Tensor {
  return core.tidy(() => {
    const e = core.sub(yPred, sameShape('logCosh', yTrue, yPred));
    const l = core.sub(core.add(e, core.softplus(core.mul(e, -2))), Math.LN2);
    return reduce('logCosh', perSampleMean(l), options.reduction);
  });
}

/** Options of the cross-entropy losses. */
export interface CrossentropyOptions extends LossOptions {
  /** Predictions are logits (unnormalized); computed stably without a sigmoid/softmax first. */
  fromLogits?: boolean;
  /** Smooths labels towards uniform: y·(1 − s) + s/K (K = 2 for binary). */
  labelSmoothing?: number;
}

/**
 * −[y·log p + (1 − y)·log(1 − p)], mean over the last axis. From logits x it is computed as
 * max(x, 0) − x·y + log(1 + e^−|x|), which never overflows.
 */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, options: CrossentropyOptions = {}): Tensor {
  return core.tidy(() => {
    let y = sameShape('binaryCrossentropy', yTrue, yPred);
    const s = inRange('binaryCrossentropy', 'labelSmoothing', options.labelSmoothing, 0, 1, false, 0);
    if (s) y = core.add(core.mul(y, 1 - s), 0.5 * s);
    let l: Tensor;
    if (options.fromLogits) {
      const x = yPred;
      l = core.add(core.sub(core.relu(x), core.mul(x, y)), core.softplus(core.neg(core.abs(x))));
    } else {
      const p = core.clip(yPred, EPSILON, 1 - EPSILON);
      l = core.neg(core.add(core.mul(y, core.log(p)), core.mul(core.sub(1, y), core.log(core.sub(1, p)))));
    }
    return reduce('binaryCrossentropy', perSampleMean(l), options.reduction);
  });
}

/**
 * −Σ y·log p over the last (class) axis. Probabilities are renormalized and clipped as Keras does;
 * from logits it uses logSoftmax.
 */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, options: CrossentropyOptions = {}): Tensor {
  return core.tidy(() => {
    let y = sameShape('categoricalCrossentropy', yTrue, yPred);
    if (yPred.rank < 1) throw new Error('categoricalCrossentropy: predictions need a class axis (rank >= 1)');
    const s = inRange('categoricalCrossentropy', 'labelSmoothing', options.labelSmoothing, 0, 1, false, 0);
    if (s) y = core.add(core.mul(y, 1 - s), s / yPred.shape[yPred.rank - 1]);
    return reduce('categoricalCrossentropy', crossentropyRows(y, yPred, !!options.fromLogits), options.reduction);
  });
}

function crossentropyRows(y: Tensor, yPred: Tensor, fromLogits: boolean): Tensor {
  const logp = fromLogits
    ? core.logSoftmax(yPred, -1)
    : core.log(core.clip(core.div(yPred, core.sum(yPred, -1, true)), EPSILON, 1 - EPSILON));
  return core.neg(core.sum(core.mul(y, logp), -1));
}

/**
 * Categorical cross-entropy with integer labels: labels [batch] (or [batch, 1]) of class indices,
 * predictions [batch, classes].
 */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, options: CrossentropyOptions = {}): Tensor {
  return core.tidy(() => {
    const name = 'sparseCategoricalCrossentropy';
    if (yPred.rank < 1) throw new Error(`${name}: predictions need a class axis (rank >= 1)`);
    let labels = yTrue;
    const lead = yPred.shape.slice(0, -1);
    if (labels.rank === yPred.rank && labels.shape[labels.rank - 1] === 1) labels = core.reshape(labels, lead);
    if (!shapesEqual(labels.shape, lead)) {
      throw new Error(
        `${name}: labels ${formatShape(yTrue.shape)} must be class indices of shape ${formatShape(lead)} ` +
          `(or ${formatShape([...lead, 1])}) for predictions ${formatShape(yPred.shape)}`,
      );
    }
    const classes = yPred.shape[yPred.rank - 1];
    // NOTE: host-side (js, wasm); on webgpu, fit and evaluate check the labels before the first step.
    checkIndicesSync(name, 'label', labels, classes);
    const idx = labels.dtype === 'int32' ? labels : core.cast(labels, 'int32');
    const y = core.cast(core.oneHot(idx, classes), 'float32');
    return reduce(name, crossentropyRows(y, yPred, !!options.fromLogits), options.reduction);
  });
}

/** Every loss by name (Keras spellings accepted by `getLoss`). */
export const LOSSES = {
  meanSquaredError, halfMeanSquaredError, meanAbsoluteError, huber, binaryCrossentropy, categoricalCrossentropy,
  sparseCategoricalCrossentropy, kullbackLeiblerDivergence, poisson, logCosh,
};

const LOSS_ALIASES: Record<string, keyof typeof LOSSES> = {
  mse: 'meanSquaredError', mean_squared_error: 'meanSquaredError', mae: 'meanAbsoluteError',
  mean_absolute_error: 'meanAbsoluteError', binary_crossentropy: 'binaryCrossentropy',
  categorical_crossentropy: 'categoricalCrossentropy', sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  kld: 'kullbackLeiblerDivergence', kl_divergence: 'kullbackLeiblerDivergence', kullback_leibler_divergence: 'kullbackLeiblerDivergence',
  klDivergence: 'kullbackLeiblerDivergence', log_cosh: 'logCosh', logcosh: 'logCosh',
};

/** The canonical name of a loss given by name (camelCase or Keras snake_case); throws for unknown names. */
export function lossName(loss: string): keyof typeof LOSSES {
  const name = typeof loss === 'string' ? resolveAlias(LOSS_ALIASES, loss) : loss;
  if (typeof name === 'string' && Object.hasOwn(LOSSES, name)) return name as keyof typeof LOSSES;
  throw new Error(`loss: unknown loss ${given(loss)}; valid: ${Object.keys(LOSSES).join(', ')}, or a function`);
}

/** Resolves a loss name (camelCase or Keras snake_case) or function. */
export function getLoss(loss: string | LossFn): LossFn {
  if (typeof loss === 'function') return loss;
  const fn = LOSSES[lossName(loss)] as (yTrue: Tensor, yPred: Tensor, options?: LossOptions) => Tensor;
  // Options pass through, so training can ask for per-sample losses (sample and class weights).
  return ((a: Tensor, b: Tensor, options?: LossOptions) => fn(a, b, options)) as LossFn;
}
