// The training configuration formats carry: Keras 3's `compile_config` and TF.js's `trainingConfig`
// (loss name and optimizer with its hyperparameters). A loaded model comes back compiled when both the
// loss and the optimizer are ones Loom has; otherwise it loads uncompiled, ready for `compile()`.

import { LOSSES } from '../losses.js';
import type { Model } from '../models/model.js';
import { optimizers, type Optimizer } from '../optimizers.js';
import { camelToSnake, snakeToCamel, type Dialect } from './keras-config.js';

type OptimizerName = keyof typeof optimizers;

/** Keras class name → Loom factory (TF.js spells RMSprop 'RMSProp'). */
const OPTIMIZER_CLASSES: Record<string, OptimizerName> = {
  SGD: 'sgd', Adam: 'adam', AdamW: 'adamW', RMSprop: 'rmsprop', RMSProp: 'rmsprop', Adagrad: 'adagrad', Adamax: 'adamax', Nadam: 'nadam',
};

/** Loom option ↔ Keras 3 key where camel→snake does not give it. */
const KERAS_KEYS: Record<string, string> = { beta1: 'beta_1', beta2: 'beta_2', clipValue: 'clipvalue', clipNorm: 'clipnorm', globalClipNorm: 'global_clipnorm' };
const LOOM_KEYS = Object.fromEntries(Object.entries(KERAS_KEYS).map(([a, b]) => [b, a]));

const snakeLoss = (loss: string): string => camelToSnake(loss);

function optimizerOut(opt: Optimizer, dialect: Dialect): Record<string, unknown> | undefined {
  const cfg = opt.getConfig();
  if (typeof cfg.learningRate !== 'number') return undefined; // a schedule function cannot be written down
  if (dialect === 'tfjs') {
    // TF.js rebuilds only these from their positional arguments; others would load with NaN settings.
    if (opt.className === 'Adam') {
      return { class_name: 'Adam', config: { learning_rate: cfg.learningRate, beta1: cfg.beta1, beta2: cfg.beta2, epsilon: cfg.epsilon } };
    }
    if (opt.className === 'SGD' && !cfg.momentum) return { class_name: 'SGD', config: { learning_rate: cfg.learningRate } };
    return undefined;
  }
  const config: Record<string, unknown> = { name: opt.className.toLowerCase() };
  for (const [k, v] of Object.entries(cfg)) if (v !== undefined) config[KERAS_KEYS[k] ?? camelToSnake(k)] = v;
  return { module: 'keras.optimizers', class_name: opt.className, config, registered_name: null };
}

/** The compile configuration of a compiled model in the dialect's layout, or undefined. */
export function compileConfigOut(model: Model, dialect: Dialect): Record<string, unknown> | undefined {
  const loss = model.lossName;
  if (!loss || !model.optimizer || !Object.hasOwn(LOSSES, loss)) return undefined;
  const optimizer = optimizerOut(model.optimizer, dialect);
  if (!optimizer) return undefined;
  return dialect === 'keras3'
    ? { optimizer, loss: snakeLoss(loss), loss_weights: null, metrics: null, weighted_metrics: null, run_eagerly: false,
      steps_per_execution: 1, jit_compile: false }
    : { loss: snakeLoss(loss), metrics: null, optimizer_config: optimizer };
}

/** Compiles `model` from a stored compile configuration when Loom has its loss and optimizer. */
export function compileConfigIn(model: Model, config: unknown, dialect: Dialect): void {
  if (typeof config !== 'object' || config === null) return;
  const c = config as Record<string, unknown>;
  const rawLoss = c.loss;
  const lossText = typeof rawLoss === 'string' ? rawLoss
    : typeof rawLoss === 'object' && rawLoss !== null && typeof (rawLoss as { class_name?: unknown }).class_name === 'string'
      ? (rawLoss as { class_name: string }).class_name : undefined;
  if (!lossText) return;
  const camel = snakeToCamel(lossText);
  const loss = camel.charAt(0).toLowerCase() + camel.slice(1);
  if (!Object.hasOwn(LOSSES, loss)) return;
  const opt = dialect === 'keras3' ? c.optimizer : c.optimizer_config;
  const o = typeof opt === 'string' ? { class_name: opt, config: {} } : (opt as { class_name?: string; config?: Record<string, unknown> } | undefined);
  const cls = o?.class_name && Object.hasOwn(OPTIMIZER_CLASSES, o.class_name) ? OPTIMIZER_CLASSES[o.class_name]
    : o?.class_name && Object.hasOwn(optimizers, o.class_name.toLowerCase()) ? (o.class_name.toLowerCase() as OptimizerName) : undefined;
  if (!cls) return;
  const factory = optimizers[cls] as (options: Record<string, unknown>) => Optimizer;
  // Keep only the hyperparameters this optimizer takes; Keras also writes name, weight_decay: null, ema, ...
  const probe = factory({}).getConfig();
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o?.config ?? {})) {
    const key = LOOM_KEYS[k] ?? snakeToCamel(k);
    if (v !== null && v !== undefined && Object.hasOwn(probe, key)) options[key] = v;
  }
  model.compile({ optimizer: factory(options), loss });
}
