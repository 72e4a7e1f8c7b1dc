// ONNX interchange: `exportOnnx` writes a Loom model as an ONNX ModelProto for inference elsewhere
// (ONNX Runtime, Triton, TensorRT); `importOnnx` reads the same subset back (and the patterns
// PyTorch's exporter writes for those layers). protobufjs loads on first use.

import type { Model } from '../models/model.js';
import { writeOnnx, type OnnxExportOptions } from './onnx-export.js';
import { readOnnx } from './onnx-import.js';

export type { OnnxExportOptions } from './onnx-export.js';

/**
 * The model as ONNX bytes (opset 13–21, default 17), batch dimension symbolic ('batch'). Layers:
 * dense, activation, dropout (identity), flatten, reshape, conv1d, 1-D and global pooling, simpleRNN,
 * lstm, gru (both resetAfter modes), bidirectional, and the merges concatenate, add, multiply,
 * subtract, average, maximum, minimum; anything else is an error naming the layer.
 */
export async function exportOnnx(model: Model, options: OnnxExportOptions = {}): Promise<Uint8Array> {
  return writeOnnx(model, options);
}

/**
 * A Loom model from ONNX bytes: Sequential when the graph is a chain, functional otherwise. Reads what
 * `exportOnnx` writes and PyTorch's forms of the same layers (Gemm or MatMul + Add, 1-D Conv and
 * pooling on channels-first inputs, LSTM/GRU/RNN with their Transposes and Squeezes); the model's
 * inputs are channels-last and batch-first (an ONNX [batch, channels, steps] input becomes
 * [batch, steps, channels]). Anything else is an error naming the node and its op.
 */
export async function importOnnx(bytes: Uint8Array | ArrayBuffer): Promise<Model> {
  return readOnnx(bytes);
}
