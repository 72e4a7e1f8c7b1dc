// Activation functions, by name (Keras spelling, as in `activation: 'tanh'`) and as functions.

import * as core from '@loom/core';
import type { Tensor } from '@loom/core';
import { lookup, resolveAlias } from './validate.js';

/** An activation: a function of one tensor. */
export type ActivationFn = (x: Tensor) => Tensor;

/** hardSigmoid(x) = clip(0.2·x + 0.5, 0, 1), the TensorFlow.js / Keras 2 definition. */
export function hardSigmoid(x: Tensor): Tensor {
  return core.tidy(() => core.clip(core.add(core.mul(x, 0.2), 0.5), 0, 1));
}

/** softsign(x) = x / (1 + |x|). */
export function softsign(x: Tensor): Tensor {
  return core.tidy(() => core.div(x, core.add(core.abs(x), 1)));
}

/** linear(x) = x (a view; the caller owns it like any op result). */
export function linear(x: Tensor): Tensor {
  return core.clone(x);
}

/** Every activation by name. */
export const ACTIVATIONS = {
  linear,
  relu: core.relu,
  relu6: core.relu6,
  leakyRelu: (x: Tensor) => core.leakyRelu(x, 0.2),
  elu: core.elu,
  selu: core.selu,
  gelu: core.gelu,
  tanh: core.tanh,
  sigmoid: core.sigmoid,
  hardSigmoid,
  softplus: core.softplus,
  softsign,
  silu: core.silu,
  swish: core.silu,
  softmax: (x: Tensor) => core.softmax(x, -1),
  logSoftmax: (x: Tensor) => core.logSoftmax(x, -1),
} satisfies Record<string, ActivationFn>;

/** The name of a built-in activation. */
export type ActivationName = keyof typeof ACTIVATIONS;

const ALIASES: Record<string, ActivationName> = {
  leaky_relu: 'leakyRelu', hard_sigmoid: 'hardSigmoid', log_softmax: 'logSoftmax', hardsigmoid: 'hardSigmoid',
};

/** Resolves a name (Keras or camelCase spelling) or a function to an activation function. */
export function getActivation(a: ActivationName | ActivationFn | string | undefined | null): ActivationFn {
  if (a === undefined || a === null) return linear;
  if (typeof a === 'function') return a;
  const name = typeof a === 'string' ? resolveAlias(ALIASES, a) : a;
  return lookup<ActivationFn>('activation', 'activation', ACTIVATIONS, name, ', or a function');
}

/** The canonical name of a built-in activation (for serialization), or undefined for custom functions. */
export function activationName(a: ActivationName | ActivationFn | string | undefined | null): string | undefined {
  if (a === undefined || a === null) return 'linear';
  if (typeof a === 'string') return resolveAlias(ALIASES, a);
  const entry = Object.entries(ACTIVATIONS).find(([, f]) => f === a);
  return entry?.[0];
}
