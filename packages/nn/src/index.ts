// @loom/nn: learning on top of @loom/core — autodiff, layers, losses, optimizers, training, data utilities.
import type { Layer } from './layers/layer.js';
import type { SymbolicTensor } from './layers/layer.js';
import { Functional, Sequential } from './models/model.js';

export * from './autograd/index.js';
export * from './activations.js';
export * as losses from './losses.js';
export type { LossFn, LossOptions, CrossentropyOptions, Reduction } from './losses.js';
export * as initializers from './initializers.js';
export { setSeed } from './initializers.js';
export type { Initializer } from './initializers.js';
export * as metrics from './metrics.js';
export type { Metric } from './metrics.js';
export * from './optimizers.js';
export * from './callbacks.js';
export * from './layers/index.js';
export * from './models/model.js';
export * from './models/io.js';
export * from './data/index.js';

/** A stack of layers: `sequential([layers.dense({ units: 8, inputShape: [4] }), ...])`. */
export function sequential(layerList: Layer[] = [], options: { name?: string } = {}): Sequential {
  return new Sequential({ layers: layerList, name: options.name });
}

/** A functional model from symbolic inputs to outputs (see `input()` and `layer.apply()`). */
export function model(args: { inputs: SymbolicTensor | SymbolicTensor[]; outputs: SymbolicTensor | SymbolicTensor[]; name?: string }): Functional {
  return new Functional(args);
}
