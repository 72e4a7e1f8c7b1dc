// Every layer class by its saved class name, in one explicit table (no registration by import side
// effects), and the function that recreates a layer from its JSON form when a model is loaded.

import { AveragePooling1D, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D } from './conv-pool.js';
import {
  Activation, Add, BatchNormalization, Concatenate, Dense, Dropout, Embedding, Flatten, InputLayer, LayerNormalization, Masking,
  Reshape,
} from './core-layers.js';
import { MultiHeadAttention } from './attention.js';
import {
  AveragePooling2D, Conv2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D,
} from './conv2d.js';
import type { Layer, LayerJSON } from './layer.js';
import { Average, Maximum, Minimum, Multiply, RepeatVector, Subtract } from './merge.js';
import { Normalization } from './normalization.js';
import { Bidirectional, GRU, LSTM, SimpleRNN, TimeDistributed } from './recurrent.js';

/** Each key must be the `className` its class saves under (checked by the compiler). */
type ClassTable<T> = { [K in keyof T]: new (args: never) => Layer & { readonly className: K } };

function classTable<T extends ClassTable<T>>(table: T): T {
  return table;
}

/** The layer classes `loadModel` can recreate, keyed by the `className` in a saved topology. */
export const LAYER_CLASSES = classTable({
  InputLayer, Dense, Activation, Flatten, Reshape, Dropout, Embedding, Masking, BatchNormalization, LayerNormalization, Concatenate, Add,
  Conv1D, MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D,
  SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed,
  RepeatVector, Multiply, Subtract, Average, Maximum, Minimum,
  Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MultiHeadAttention, Normalization,
});

const isLayerJSON = (v: unknown): v is LayerJSON =>
  typeof v === 'object' && v !== null && typeof (v as LayerJSON).className === 'string' && typeof (v as LayerJSON).config === 'object';

/** Recreates a layer from `serializeLayer` output; a wrapper's `layer` entry is recreated first. */
export function deserializeLayer(json: LayerJSON): Layer {
  if (!json || typeof json !== 'object' || typeof json.className !== 'string' || !json.config || typeof json.config !== 'object') {
    throw new Error(`model load: a layer entry must be { className, config }, got ${JSON.stringify(json)?.slice(0, 80)}`);
  }
  if (!Object.hasOwn(LAYER_CLASSES, json.className)) {
    throw new Error(`model load: unknown layer class '${json.className}'; known: ${Object.keys(LAYER_CLASSES).join(', ')}`);
  }
  const Class = LAYER_CLASSES[json.className as keyof typeof LAYER_CLASSES] as new (args: Record<string, unknown>) => Layer;
  const inner = json.config.layer;
  return new Class(isLayerJSON(inner) ? { ...json.config, layer: deserializeLayer(inner) } : json.config);
}
