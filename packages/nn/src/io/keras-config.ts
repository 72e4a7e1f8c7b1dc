// Keras layer configs both ways: Loom's saved topology (camelCase `{ className, config }`) to the
// snake_case `{ class_name, config }` Keras and TF.js write, and back. Two dialects share the table:
// 'tfjs' (the Keras 2 layout TF.js reads: `batch_input_shape` in the first layer, dtype strings) and
// 'keras3' (`module` / `registered_name`, DTypePolicy objects, a leading InputLayer, `build_config`).
// Options Loom does not have are errors naming the layer and the option; defaults and options that
// do not change a loaded model (initializers: the weights are loaded) are accepted.

import type { LayerJSON } from '../layers/layer.js';
import { given } from '../validate.js';

export type Dialect = 'tfjs' | 'keras3';

/** A Keras layer or object entry (`module`/`registered_name` only in Keras 3). */
export interface KerasObject {
  class_name: string;
  config: Record<string, unknown>;
  module?: string | null;
  registered_name?: string | null;
  [key: string]: unknown;
}

export const camelToSnake = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
export const snakeToCamel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Keras's `to_snake_case` of a class name, which names a layer's group in a `.keras` weights file. */
export function kerasClassSnake(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---- activations ------------------------------------------------------------------------------

const ACTIVATION_TO_KERAS: Record<string, string> = {
  linear: 'linear', relu: 'relu', relu6: 'relu6', elu: 'elu', selu: 'selu', gelu: 'gelu', tanh: 'tanh', sigmoid: 'sigmoid',
  softplus: 'softplus', softsign: 'softsign', silu: 'silu', swish: 'swish', softmax: 'softmax', logSoftmax: 'log_softmax',
  leakyRelu: 'leaky_relu', hardSigmoid: 'hard_sigmoid',
};
const ACTIVATION_FROM_KERAS: Record<string, string> = Object.fromEntries(
  Object.entries(ACTIVATION_TO_KERAS).map(([loom, keras]) => [keras, loom]),
);

function activationOut(where: string, name: unknown, dialect: Dialect): string {
  if (typeof name !== 'string' || !Object.hasOwn(ACTIVATION_TO_KERAS, name)) {
    throw new Error(`${where}: activation ${given(name)} has no Keras equivalent`);
  }
  // Keras 3 redefined hard_sigmoid as relu6(x + 3) / 6; Loom's (and TF.js's) is clip(0.2·x + 0.5, 0, 1).
  if (name === 'hardSigmoid' && dialect === 'keras3') {
    throw new Error(`${where}: activation 'hardSigmoid' (0.2·x + 0.5, the TF.js/Keras 2 definition) differs from Keras 3's ` +
      "hard_sigmoid (relu6(x + 3) / 6); use 'sigmoid', or export with format 'tfjs'");
  }
  if (name === 'leakyRelu' && dialect === 'tfjs') {
    throw new Error(`${where}: activation 'leakyRelu' has no TF.js activation name; use a separate LeakyReLU layer or format 'keras'`);
  }
  return ACTIVATION_TO_KERAS[name];
}

function activationIn(where: string, v: unknown, dialect: Dialect): string {
  // Keras 3 may serialize an activation as a function object { module, class_name, config, registered_name }.
  const name = isObject(v) && typeof v.config === 'string' ? v.config : isObject(v) && typeof v.class_name === 'string' ? v.class_name : v;
  if (name === null || name === undefined) return 'linear';
  if (typeof name !== 'string' || !Object.hasOwn(ACTIVATION_FROM_KERAS, name)) {
    throw new Error(`${where}: activation ${given(name)} is not supported; Loom has ${Object.keys(ACTIVATION_FROM_KERAS).join(', ')}`);
  }
  if (name === 'hard_sigmoid' && dialect === 'keras3') {
    throw new Error(`${where}: Keras 3's hard_sigmoid (relu6(x + 3) / 6) is not Loom's hardSigmoid (0.2·x + 0.5)`);
  }
  return ACTIVATION_FROM_KERAS[name];
}

// ---- regularizers, constraints, dtype ---------------------------------------------------------

const REGULARIZERS = new Set(['L1', 'L2', 'L1L2']);
const CONSTRAINTS = new Set(['MaxNorm', 'NonNeg', 'UnitNorm', 'MinMaxNorm']);

function objectOut(v: unknown, module: string, dialect: Dialect): unknown {
  if (v === null || v === undefined) return null;
  const { className, config } = v as { className: string; config: Record<string, unknown> };
  const snake = Object.fromEntries(Object.entries(config ?? {}).map(([k, x]) => [camelToSnake(k), x]));
  return dialect === 'keras3'
    ? { module, class_name: className, config: snake, registered_name: null }
    : { class_name: className, config: snake };
}

function objectIn(where: string, v: unknown, known: Set<string>, what: string): unknown {
  if (v === null || v === undefined) return undefined;
  if (!isObject(v) || typeof v.class_name !== 'string' || !known.has(v.class_name)) {
    const name = isObject(v) ? v.class_name : v;
    throw new Error(`${where}: ${what} ${given(name)} is not supported; Loom has ${[...known].join(', ')}`);
  }
  const config = isObject(v.config) ? v.config : {};
  return { className: v.class_name, config: Object.fromEntries(Object.entries(config).map(([k, x]) => [snakeToCamel(k), x])) };
}

function dtypeOut(dialect: Dialect): unknown {
  return dialect === 'keras3'
    ? { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null }
    : 'float32';
}

function dtypeIn(where: string, v: unknown): void {
  const name = isObject(v) && isObject(v.config) ? v.config.name : v;
  if (name !== undefined && name !== null && name !== 'float32') {
    throw new Error(`${where}: dtype ${given(name)} is not supported; Loom layers compute in float32`);
  }
}

// ---- the per-class table ----------------------------------------------------------------------

/** How one Loom config key travels: renamed camel→snake unless `keras` says otherwise. */
interface KeyRule {
  keras?: string;
  kind?: 'tuple' | 'activation' | 'regularizer' | 'constraint' | 'layer';
}

interface ClassRule {
  keys: Record<string, KeyRule>;
  /** Keras options Loom lacks, with the values that mean "as Loom does" (anything else is refused). */
  accept?: Record<string, (v: unknown) => boolean>;
  /** Loom-only keys that never leave Loom (execution hints that do not change the result). */
  internal?: string[];
  /** Not expressible in a dialect, with the reason. */
  refuse?: (config: Record<string, unknown>, dialect: Dialect) => string | undefined;
  /** Loom keys filled in on import when Keras leaves them out (Keras's defaults where they differ from Loom's). */
  importDefaults?: (dialect: Dialect) => Record<string, unknown>;
  /** Keras weight names in Loom's weight order (a wrapper's come from its inner layer). */
  weights: (config: Record<string, unknown>) => string[];
}

const isNull = (v: unknown): boolean => v === null || v === undefined;
const isFalse = (v: unknown): boolean => v === false || isNull(v);
const isZero = (v: unknown): boolean => v === 0 || isNull(v);
const isChannelsLast = (v: unknown): boolean => v === 'channels_last' || isNull(v);
const isOne = (v: unknown): boolean => v === 1 || isNull(v);
const isLastAxis = (v: unknown): boolean => v === -1 || (Array.isArray(v) && v.length === 1 && v[0] === -1) || isNull(v);
const anyValue = (): boolean => true;

const INITIALIZERS = ['kernel_initializer', 'bias_initializer', 'recurrent_initializer', 'embeddings_initializer',
  'beta_initializer', 'gamma_initializer', 'moving_mean_initializer', 'moving_variance_initializer'];
const ignoreInitializers = Object.fromEntries(INITIALIZERS.map((k) => [k, anyValue]));
const noActivityRegularizer = { activity_regularizer: isNull };
const kernelBias = (c: Record<string, unknown>): string[] => (c.useBias === false ? ['kernel'] : ['kernel', 'bias']);
const regularized = (names: string[]): Record<string, KeyRule> =>
  Object.fromEntries(names.flatMap((n) => [[`${n}Regularizer`, { kind: 'regularizer' }], [`${n}Constraint`, { kind: 'constraint' }]]));

const RECURRENT_KEYS: Record<string, KeyRule> = {
  units: {}, activation: { kind: 'activation' }, recurrentActivation: { kind: 'activation' }, useBias: {}, returnSequences: {},
  returnState: {}, goBackwards: {}, dropout: {}, recurrentDropout: {}, stateful: {}, seed: {},
  ...regularized(['kernel', 'recurrent', 'bias']),
};
const RECURRENT_ACCEPT = {
  ...ignoreInitializers, ...noActivityRegularizer, unroll: isFalse, implementation: anyValue, use_cudnn: anyValue,
  time_major: isFalse, zero_output_for_mask: anyValue,
};
const recurrentWeights = (c: Record<string, unknown>): string[] =>
  c.useBias === false ? ['kernel', 'recurrent_kernel'] : ['kernel', 'recurrent_kernel', 'bias'];

const POOL_ACCEPT = { data_format: isChannelsLast };
const NO_OPTIONS: ClassRule = { keys: {}, weights: () => [] };

const RULES: Record<string, ClassRule> = {
  InputLayer: NO_OPTIONS,
  Dense: {
    keys: { units: {}, activation: { kind: 'activation' }, useBias: {}, ...regularized(['kernel', 'bias']) },
    accept: { ...ignoreInitializers, ...noActivityRegularizer, lora_rank: isNull, lora_alpha: anyValue, quantization_config: isNull },
    weights: kernelBias,
  },
  Activation: { keys: { activation: { kind: 'activation' } }, weights: () => [] },
  Flatten: { keys: {}, accept: { data_format: isChannelsLast }, weights: () => [] },
  Reshape: { keys: { targetShape: {} }, weights: () => [] },
  Dropout: { keys: { rate: {}, seed: {} }, accept: { noise_shape: isNull }, weights: () => [] },
  Embedding: {
    keys: { inputDim: {}, outputDim: {}, maskZero: {}, ...regularized(['embeddings']) },
    accept: { ...ignoreInitializers, ...noActivityRegularizer, input_length: anyValue, lora_rank: isNull, lora_alpha: anyValue,
      sparse: isFalse, quantization_config: isNull },
    weights: () => ['embeddings'],
  },
  Masking: { keys: { maskValue: {} }, weights: () => [] },
  BatchNormalization: {
    keys: { momentum: {}, epsilon: {}, center: {}, scale: {} },
    accept: { ...ignoreInitializers, axis: isLastAxis, beta_regularizer: isNull, gamma_regularizer: isNull, beta_constraint: isNull,
      gamma_constraint: isNull, synchronized: isFalse, renorm: isFalse },
    weights: (c) => [...(c.scale === false ? [] : ['gamma']), ...(c.center === false ? [] : ['beta']), 'moving_mean', 'moving_variance'],
  },
  LayerNormalization: {
    keys: { epsilon: {} },
    accept: {
      ...ignoreInitializers, center: (v) => v !== false, scale: (v) => v !== false, rms_scaling: isFalse, beta_regularizer: isNull,
      gamma_regularizer: isNull, beta_constraint: isNull, gamma_constraint: isNull,
      // TF.js writes the normalized axis as an absolute index; the layer's rank is checked when it is built.
      axis: (v) => isLastAxis(v) || (Array.isArray(v) && v.length === 1 && Number.isInteger(v[0])),
    },
    weights: () => ['gamma', 'beta'],
  },
  Concatenate: { keys: { axis: {} }, weights: () => [] },
  Add: NO_OPTIONS, Multiply: NO_OPTIONS, Subtract: NO_OPTIONS, Average: NO_OPTIONS, Maximum: NO_OPTIONS, Minimum: NO_OPTIONS,
  RepeatVector: { keys: { n: {} }, weights: () => [] },
  Conv1D: {
    keys: {
      filters: {}, kernelSize: { kind: 'tuple' }, strides: { kind: 'tuple' }, padding: {}, dilationRate: { kind: 'tuple' },
      activation: { kind: 'activation' }, useBias: {}, ...regularized(['kernel', 'bias']),
    },
    accept: { ...ignoreInitializers, ...noActivityRegularizer, data_format: isChannelsLast, groups: isOne, lora_rank: isNull,
      lora_alpha: anyValue },
    weights: kernelBias,
  },
  MaxPooling1D: { keys: { poolSize: { kind: 'tuple' }, strides: { kind: 'tuple' }, padding: {} }, accept: POOL_ACCEPT, weights: () => [] },
  AveragePooling1D: { keys: { poolSize: { kind: 'tuple' }, strides: { kind: 'tuple' }, padding: {} }, accept: POOL_ACCEPT, weights: () => [] },
  GlobalAveragePooling1D: { keys: {}, accept: { ...POOL_ACCEPT, keepdims: isFalse }, weights: () => [] },
  GlobalMaxPooling1D: { keys: {}, accept: { ...POOL_ACCEPT, keepdims: isFalse }, weights: () => [] },
  SimpleRNN: {
    keys: { ...RECURRENT_KEYS }, accept: RECURRENT_ACCEPT, internal: ['fused', 'recurrentActivation'], weights: recurrentWeights,
  },
  LSTM: {
    keys: { ...RECURRENT_KEYS, unitForgetBias: {} }, accept: RECURRENT_ACCEPT, internal: ['fused'], weights: recurrentWeights,
    // TF.js writes unit_forget_bias: null; it only affects initialization, which the loaded weights replace.
    importDefaults: () => ({ unitForgetBias: true }),
  },
  GRU: {
    keys: { ...RECURRENT_KEYS, resetAfter: {} }, accept: RECURRENT_ACCEPT, internal: ['fused'], weights: recurrentWeights,
    refuse: (c, d) => (d === 'tfjs' && c.resetAfter !== false
      ? 'GRU with resetAfter: true (Keras\'s default) has no TF.js equivalent (TF.js supports only reset_after=False, tfjs#5728); ' +
        "build it with resetAfter: false, or export with format 'keras' or 'onnx'"
      : undefined),
    // Keras 2 and TF.js default reset_after to False, Keras 3 to True; configs normally carry it.
    importDefaults: (d) => ({ resetAfter: d === 'keras3' }),
  },
  Bidirectional: {
    keys: { layer: { kind: 'layer' }, mergeMode: {} },
    accept: { backward_layer: anyValue },
    weights: () => [],
  },
  TimeDistributed: { keys: { layer: { kind: 'layer' } }, weights: () => [] },
  Normalization: {
    keys: { axis: {}, invert: {}, mean: {}, variance: {} },
    refuse: (_c, d) => (d === 'tfjs' ? "TF.js has no Normalization layer; export with format 'keras', or normalize before the model" : undefined),
    weights: () => ['mean', 'variance', 'count'],
  },
};

/** The layer classes both Keras and Loom have (what export and import accept). */
export const KERAS_LAYER_CLASSES = Object.keys(RULES);

const BASE_KEYS = ['name', 'trainable', 'batchInputShape'];

function ruleFor(where: string, className: string): ClassRule {
  if (!Object.hasOwn(RULES, className)) {
    throw new Error(`${where}: layer class '${className}' is not supported in Keras/TF.js formats; supported: ${KERAS_LAYER_CLASSES.join(', ')}`);
  }
  return RULES[className];
}

// ---- Loom → Keras -----------------------------------------------------------------------------

function valueOut(where: string, key: string, rule: KeyRule, v: unknown, dialect: Dialect): unknown {
  switch (rule.kind) {
    case 'tuple': return typeof v === 'number' ? [v] : v;
    case 'activation': return activationOut(where, v, dialect);
    case 'regularizer': return objectOut(v, 'keras.regularizers', dialect);
    case 'constraint': return objectOut(v, 'keras.constraints', dialect);
    case 'layer': return layerToKeras(v as LayerJSON, dialect, `${where} ${key}`).entry;
    default: return v;
  }
}

/** One Loom layer as a Keras entry (and its build input shape, for Keras 3's `build_config`). */
export function layerToKeras(json: LayerJSON, dialect: Dialect, where = 'exportModel'): { entry: KerasObject } {
  const here = `${where}: layer '${String(json.config.name)}' (${json.className})`;
  const rule = ruleFor(where, json.className);
  const reason = rule.refuse?.(json.config, dialect);
  if (reason) throw new Error(`${here}: ${reason}`);
  const config: Record<string, unknown> = { name: json.config.name, trainable: json.config.trainable ?? true, dtype: dtypeOut(dialect) };
  for (const [key, v] of Object.entries(json.config)) {
    if (BASE_KEYS.includes(key) || rule.internal?.includes(key)) continue;
    const keyRule = rule.keys[key];
    if (!keyRule) throw new Error(`${here}: option '${key}' has no Keras equivalent`);
    config[keyRule.keras ?? camelToSnake(key)] = valueOut(here, key, keyRule, v, dialect);
  }
  if (json.className === 'Bidirectional' && dialect === 'keras3') {
    // Keras 3 stores the backward copy too: the same config, named and running backwards.
    const fwd = config.layer as KerasObject;
    config.backward_layer = {
      ...fwd, config: { ...fwd.config, name: `backward_${String(fwd.config.name)}`, go_backwards: !fwd.config.go_backwards },
    };
  }
  if (json.className === 'Normalization') {
    // The statistics always travel as the layer's variables (they may have been adapted since construction).
    config.mean = null;
    config.variance = null;
  }
  if (json.className === 'InputLayer') {
    const shape = json.config.batchInputShape;
    const entry = dialect === 'keras3'
      ? { batch_shape: shape, dtype: 'float32', sparse: false, ragged: false, name: json.config.name }
      : { batch_input_shape: shape, dtype: 'float32', sparse: false, name: json.config.name };
    return { entry: wrap('InputLayer', entry, dialect) };
  }
  if (dialect === 'tfjs' && json.config.batchInputShape) config.batch_input_shape = json.config.batchInputShape;
  return { entry: wrap(json.className, config, dialect) };
}

function wrap(className: string, config: Record<string, unknown>, dialect: Dialect): KerasObject {
  return dialect === 'keras3'
    ? { module: 'keras.layers', class_name: className, config, registered_name: null }
    : { class_name: className, config };
}

// ---- Keras → Loom -----------------------------------------------------------------------------

function valueIn(where: string, key: string, rule: KeyRule, v: unknown, dialect: Dialect): unknown {
  switch (rule.kind) {
    case 'tuple': {
      if (Array.isArray(v)) {
        if (v.length !== 1) throw new Error(`${where}: ${key} must have one entry for a 1-D layer, got ${given(v)}`);
        return v[0];
      }
      return v;
    }
    case 'activation': return activationIn(where, v, dialect);
    case 'regularizer': return objectIn(where, v, REGULARIZERS, 'regularizer');
    case 'constraint': return objectIn(where, v, CONSTRAINTS, 'constraint');
    case 'layer': return layerFromKeras(v, dialect, `${where} ${key}`);
    default: return v;
  }
}

/** One Keras layer entry as Loom's `{ className, config }` (the caller adds batchInputShape). */
export function layerFromKeras(entry: unknown, dialect: Dialect, where = 'importModel'): LayerJSON {
  if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config)) {
    throw new Error(`${where}: a layer entry must be { class_name, config }, got ${JSON.stringify(entry)?.slice(0, 100)}`);
  }
  const className = entry.class_name;
  const rule = ruleFor(where, className);
  const src = entry.config;
  const here = `${where}: layer '${String(src.name)}' (${className})`;
  const byKeras = new Map(Object.entries(rule.keys).map(([loom, r]) => [r.keras ?? camelToSnake(loom), [loom, r] as const]));
  const config: Record<string, unknown> = { ...(rule.importDefaults?.(dialect) ?? {}) };
  if (typeof src.name === 'string') config.name = src.name;
  if (typeof src.trainable === 'boolean') config.trainable = src.trainable;
  for (const [key, v] of Object.entries(src)) {
    if (key === 'name' || key === 'trainable') continue;
    if (key === 'dtype') { dtypeIn(here, v); continue; }
    if (key === 'batch_input_shape' || key === 'batch_shape') { config.batchInputShape = v; continue; }
    if (key === 'input_shape' && Array.isArray(v)) { config.batchInputShape = [null, ...v]; continue; }
    if (key === 'input_dtype' || key === 'sparse' || key === 'ragged') continue;
    const known = byKeras.get(key);
    if (known) {
      if (v === null && known[1].kind !== 'activation') continue;
      config[known[0]] = valueIn(here, key, known[1], v, dialect);
      continue;
    }
    const accept = rule.accept?.[key];
    if (accept) {
      if (!accept(v)) throw new Error(`${here}: option ${key}=${JSON.stringify(v)} is not supported by Loom`);
      continue;
    }
    throw new Error(`${here}: option '${key}' is not supported by Loom`);
  }
  return { className, config };
}

// ---- weight names -----------------------------------------------------------------------------

/** A Loom layer's weights as paths below the layer: `kernel`, `forward_lstm/kernel`, ... (Loom order). */
export function kerasWeightPaths(json: LayerJSON): WeightPath[] {
  const rule = ruleFor('weights', json.className);
  const recurrent = (c: string): boolean => c === 'SimpleRNN' || c === 'LSTM' || c === 'GRU';
  if (json.className === 'Bidirectional' || json.className === 'TimeDistributed') {
    const inner = json.config.layer as LayerJSON;
    const names = ruleFor('weights', inner.className).weights(inner.config);
    const cell = recurrent(inner.className);
    if (json.className === 'TimeDistributed') return names.map((path) => ({ path, cell }));
    const fwd = String(inner.config.name);
    return [
      ...names.map((n) => ({ path: `forward_${fwd}/${n}`, cell, direction: 'forward' as const })),
      ...names.map((n) => ({ path: `backward_${fwd}/${n}`, cell, direction: 'backward' as const })),
    ];
  }
  if (json.className === 'Normalization') {
    // Keras keeps the count as an int; with mean and variance in the config the layer has no variables.
    const fromConfig = json.config.mean !== undefined && json.config.mean !== null;
    return rule.weights(json.config).map((path) => ({ path, cell: false, int: path === 'count', fromConfig }));
  }
  return rule.weights(json.config).map((path) => ({ path, cell: recurrent(json.className) }));
}

/** One weight below its layer in Keras's layout. */
export interface WeightPath {
  path: string;
  /** Kept by the layer's cell (recurrent layers). */
  cell: boolean;
  direction?: 'forward' | 'backward';
  /** Stored as an integer (Normalization's count). */
  int?: boolean;
  /** Given by the layer's config rather than stored (a Keras Normalization built with mean and variance). */
  fromConfig?: boolean;
}
