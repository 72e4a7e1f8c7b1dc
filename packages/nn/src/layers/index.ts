// The `layers` namespace: one factory per layer, Keras/TF.js style (`layers.dense({ units })`), and
// the layer classes and argument types users name.

import {
  AveragePooling1D, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D, type Conv1DArgs, type Pool1DArgs,
} from './conv-pool.js';
import {
  Activation, Add, BatchNormalization, Concatenate, Dense, Dropout, Embedding, Flatten, LayerNormalization, Masking, Reshape,
  type ActivationSpec, type BatchNormArgs, type DenseArgs, type EmbeddingArgs,
} from './core-layers.js';
import { MultiHeadAttention, type MultiHeadAttentionArgs } from './attention.js';
import {
  AveragePooling2D, Conv2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D, type Conv2DArgs, type GlobalPool2DArgs,
  type Pool2DArgs,
} from './conv2d.js';
import type { Layer, LayerArgs } from './layer.js';
import { Average, Maximum, Minimum, Multiply, RepeatVector, Subtract } from './merge.js';
import { Normalization, type NormalizationArgs } from './normalization.js';
import { Bidirectional, GRU, LSTM, SimpleRNN, TimeDistributed, type MergeMode, type Recurrent, type RecurrentArgs } from './recurrent.js';

/** Layer factories. */
export const layers = {
  dense: (a: DenseArgs) => new Dense(a),
  activation: (a: LayerArgs & { activation: ActivationSpec }) => new Activation(a),
  flatten: (a: LayerArgs = {}) => new Flatten(a),
  reshape: (a: LayerArgs & { targetShape: number[] }) => new Reshape(a),
  dropout: (a: LayerArgs & { rate: number; seed?: number }) => new Dropout(a),
  embedding: (a: EmbeddingArgs) => new Embedding(a),
  masking: (a: LayerArgs & { maskValue?: number } = {}) => new Masking(a),
  batchNormalization: (a: BatchNormArgs = {}) => new BatchNormalization(a),
  layerNormalization: (a: LayerArgs & { epsilon?: number } = {}) => new LayerNormalization(a),
  concatenate: (a: LayerArgs & { axis?: number } = {}) => new Concatenate(a),
  add: (a: LayerArgs = {}) => new Add(a),
  conv1d: (a: Conv1DArgs) => new Conv1D(a),
  maxPooling1d: (a: Pool1DArgs = {}) => new MaxPooling1D(a),
  averagePooling1d: (a: Pool1DArgs = {}) => new AveragePooling1D(a),
  globalAveragePooling1d: (a: LayerArgs = {}) => new GlobalAveragePooling1D(a),
  globalMaxPooling1d: (a: LayerArgs = {}) => new GlobalMaxPooling1D(a),
  simpleRNN: (a: RecurrentArgs) => new SimpleRNN(a),
  lstm: (a: RecurrentArgs) => new LSTM(a),
  gru: (a: RecurrentArgs) => new GRU(a),
  bidirectional: (a: LayerArgs & { layer: Recurrent; mergeMode?: MergeMode }) => new Bidirectional(a),
  timeDistributed: (a: LayerArgs & { layer: Layer }) => new TimeDistributed(a),
  repeatVector: (a: LayerArgs & { n: number }) => new RepeatVector(a),
  multiply: (a: LayerArgs = {}) => new Multiply(a),
  subtract: (a: LayerArgs = {}) => new Subtract(a),
  average: (a: LayerArgs = {}) => new Average(a),
  maximum: (a: LayerArgs = {}) => new Maximum(a),
  minimum: (a: LayerArgs = {}) => new Minimum(a),
  conv2d: (a: Conv2DArgs) => new Conv2D(a),
  maxPooling2d: (a: Pool2DArgs = {}) => new MaxPooling2D(a),
  averagePooling2d: (a: Pool2DArgs = {}) => new AveragePooling2D(a),
  globalAveragePooling2d: (a: GlobalPool2DArgs = {}) => new GlobalAveragePooling2D(a),
  globalMaxPooling2d: (a: GlobalPool2DArgs = {}) => new GlobalMaxPooling2D(a),
  multiHeadAttention: (a: MultiHeadAttentionArgs) => new MultiHeadAttention(a),
  normalization: (a: NormalizationArgs = {}) => new Normalization(a),
};

// The classes users name (instanceof checks, types, subclassing `Layer`); helpers the layers share
// (`one`, `single`, `isShapeList`, `Node`, `LayerScope`) and the loader's class table stay internal.
export { Layer, SymbolicTensor } from './layer.js';
export type { LayerArgs, LayerInput, LayerJSON, LayerShape } from './layer.js';
export {
  Activation, Add, BatchNormalization, Concatenate, Dense, Dropout, Embedding, Flatten, input, InputLayer, LayerNormalization, Masking,
  Reshape,
} from './core-layers.js';
export type { ActivationSpec, BatchNormArgs, DenseArgs, EmbeddingArgs } from './core-layers.js';
export { AveragePooling1D, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D } from './conv-pool.js';
export type { Conv1DArgs, Pool1DArgs } from './conv-pool.js';
export { Bidirectional, GRU, LSTM, Recurrent, SimpleRNN, TimeDistributed } from './recurrent.js';
export type { MergeMode, RecurrentArgs } from './recurrent.js';
export { Average, Maximum, Minimum, Multiply, RepeatVector, Subtract } from './merge.js';
export { AveragePooling2D, Conv2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from './conv2d.js';
export type { Conv2DArgs, GlobalPool2DArgs, Pool2DArgs } from './conv2d.js';
export { MultiHeadAttention } from './attention.js';
export type { AttentionCallOptions, MultiHeadAttentionArgs } from './attention.js';
export { Normalization } from './normalization.js';
export type { AdaptBatch, AdaptData, NormalizationArgs } from './normalization.js';
