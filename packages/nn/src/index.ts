// @loom/nn: learning on top of @loom/core — autodiff, layers, losses, optimizers, training, data utilities.
// Every export is named here; helpers the modules share (gradient tables, graph nodes, shape checks,
// the loader's class table) stay internal.

import type { Layer } from './layers/layer.js';
import { Functional, type FunctionalArgs } from './models/functional.js';
import type { ModelArgs } from './models/model.js';
import { Sequential } from './models/sequential.js';

export { grad, grads, valueAndGrad, valueAndGrads, variable, Variable, variableGrads } from './autograd/index.js';
export { ACTIVATIONS, activationName, getActivation, hardSigmoid, linear, softsign } from './activations.js';
export type { ActivationFn, ActivationName } from './activations.js';
export * as losses from './losses.js';
export type { CrossentropyOptions, LossFn, LossOptions, Reduction } from './losses.js';
export * as initializers from './initializers.js';
export { setSeed } from './initializers.js';
export type { Initializer } from './initializers.js';
export * as regularizers from './regularizers.js';
export type { Regularizer } from './regularizers.js';
export * as constraints from './constraints.js';
export type { Constraint } from './constraints.js';
export * as metrics from './metrics.js';
export type { AUCOptions, Metric, ThresholdMetricOptions } from './metrics.js';
export {
  Adagrad, Adam, Adamax, AdamW, cosineDecay, exponentialDecay, getOptimizer, Nadam, Optimizer, optimizers, RMSprop, SGD, stepDecay,
} from './optimizers.js';
export type { LearningRate, LearningRateSchedule, OptimizerOptions } from './optimizers.js';
export {
  csvLogger, earlyStopping, formatLogValue, historyToCSV, historyToJSON, modelCheckpoint, progressCallback, reduceLROnPlateau,
  verboseLogger,
} from './callbacks.js';
export type {
  Callback, CSVLoggerOptions, EarlyStoppingOptions, History, Logs, ModelCheckpointOptions, Progress, TrainableModel,
  VerboseLoggerOptions,
} from './callbacks.js';
export {
  Activation, Add, AveragePooling1D, BatchNormalization, Bidirectional, Concatenate, Conv1D, Dense, Dropout, Embedding, Flatten,
  GlobalAveragePooling1D, GlobalMaxPooling1D, GRU, input, InputLayer, Layer, LayerNormalization, layers, LSTM, MaxPooling1D,
  Recurrent, Reshape, SimpleRNN, SymbolicTensor, TimeDistributed,
} from './layers/index.js';
export {
  Average, AveragePooling2D, Conv2D, GlobalAveragePooling2D, GlobalMaxPooling2D, Maximum, MaxPooling2D, Minimum, MultiHeadAttention,
  Multiply, Normalization, RepeatVector, Subtract,
} from './layers/index.js';
export type {
  AdaptBatch, AdaptData, AttentionCallOptions, Conv2DArgs, GlobalPool2DArgs, MultiHeadAttentionArgs, NormalizationArgs, Pool2DArgs,
} from './layers/index.js';
export type {
  ActivationSpec, BatchNormArgs, Conv1DArgs, DenseArgs, LayerArgs, LayerInput, LayerJSON, LayerShape, MergeMode, Pool1DArgs,
  RecurrentArgs,
} from './layers/index.js';
export { Model } from './models/model.js';
export type { BatchOptions, CompileArgs, ModelArgs } from './models/model.js';
export type { Batch, BatchSource } from './data/batches.js';
export type { DataInput, DataLike, FitArgs, NestedArray, TensorOrList, Verbosity } from './models/fit.js';
export { Sequential } from './models/sequential.js';
export type { SequentialArgs } from './models/sequential.js';
export { Functional } from './models/functional.js';
export type { FunctionalArgs } from './models/functional.js';
export {
  loadModel, loadModelFromFiles, loadModelFromIndexedDB, modelFromJSON, modelToJSON, savedModelFromJSON,
  savedModelToJSON, saveModelToFiles, saveModelToIndexedDB,
} from './models/io.js';
export type { SavedModel } from './models/io.js';
export { downloadModel, exportModel, exportModelFiles, exportModelToFiles, exportOnnx, importModel, importOnnx } from './io/index.js';
export type {
  ExportOptions, ExportResult, ImportOptions, ModelFormat, ModelSource, OnnxExportOptions, TfjsArtifacts, TfjsModelJSON, TfjsWeightSpec,
} from './io/index.js';
export {
  batchDataset, chronologicalSplit, csvBatches, CsvTable, loadCsv, Normalizer, normalizer, timeseriesDataset,
  timeseriesDatasetAsync,
} from './data/index.js';
export type {
  BatchDataset, BatchDatasetOptions, ChronologicalSplit, CsvBatchOptions, CsvBatchSource, CsvDtype, CsvOptions, CsvSource,
  MissingPolicy, NormalizerState, SeriesLike, SplitFractions, TimeseriesDataset, TimeseriesOptions, WindowBatch,
} from './data/index.js';

/** A stack of layers: `sequential([layers.dense({ units: 8, inputShape: [4] }), ...])`. */
export function sequential(layerList: Layer[] = [], options: ModelArgs = {}): Sequential {
  return new Sequential({ layers: layerList, name: options.name, seed: options.seed });
}

/** A functional model from symbolic inputs to outputs (see `input()` and `layer.apply()`). */
export function model(args: FunctionalArgs): Functional {
  return new Functional(args);
}
