// Loom → ONNX: walks a Sequential or functional model layer by layer and writes the ONNX graph (ops of
// the default domain, opset 13 or later) with the weights as float32 initializers. Loom tensors are
// channels-last ([batch, steps, channels]); ONNX Conv/Pool and the recurrent ops are not, so those
// layers are wrapped in Transposes. The batch dimension stays symbolic ('batch').

import { AveragePooling1D, Conv1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D } from '../layers/conv-pool.js';
import { Activation, Add, Concatenate, Dense, Dropout, Flatten, InputLayer, Reshape } from '../layers/core-layers.js';
import { isShapeList, type Layer, type LayerShape } from '../layers/layer.js';
import { Average, Maximum, Minimum, Multiply, Subtract } from '../layers/merge.js';
import { Bidirectional, GRU, LSTM, Recurrent, SimpleRNN } from '../layers/recurrent.js';
import type { Model } from '../models/model.js';
import {
  ATTR_TYPE, IR_VERSION, modelProto, ONNX_DTYPE, type OnnxAttribute, type OnnxNode, type OnnxTensor, type OnnxValueInfo,
} from './onnx-schema.js';

/** Options of `exportOnnx`. */
export interface OnnxExportOptions {
  /** The default-domain opset to write, 13–21 (default 17). */
  opset?: number;
  /** The graph name (default: the model's name). */
  name?: string;
}

export const MIN_OPSET = 13;
export const MAX_OPSET = 21;
const DEFAULT_OPSET = 17;

/** The layer classes the exporter writes. */
export const EXPORTABLE_LAYERS = [
  'Dense', 'Activation', 'Dropout', 'Flatten', 'Reshape', 'Conv1D', 'MaxPooling1D', 'AveragePooling1D', 'GlobalAveragePooling1D',
  'GlobalMaxPooling1D', 'SimpleRNN', 'LSTM', 'GRU', 'Bidirectional', 'Concatenate', 'Add', 'Multiply', 'Subtract', 'Average',
  'Maximum', 'Minimum',
];

/**
 * The activations a recurrent layer can carry into an ONNX RNN/LSTM/GRU node, by Loom name. No linear:
 * onnxruntime's Affine without alpha/beta is not the identity.
 */
export const RECURRENT_ONNX_ACTIVATIONS: Record<string, string> = {
  tanh: 'Tanh', sigmoid: 'Sigmoid', relu: 'Relu', hardSigmoid: 'HardSigmoid', softsign: 'Softsign', softplus: 'Softplus',
};

// SELU's constants as Loom's selu uses them (ONNX's Selu defaults are their float32 roundings).
const SELU_ALPHA = 1.6732632423543772;
const SELU_GAMMA = 1.0507009873554805;

/** IR version per opset (the ONNX release that introduced the opset), so checkers accept the file. */
function irVersionFor(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return IR_VERSION;
  if (opset <= 20) return 9;
  return 10;
}

const attrInt = (name: string, i: number): OnnxAttribute => ({ name, type: ATTR_TYPE.INT, i });
const attrInts = (name: string, ints: number[]): OnnxAttribute => ({ name, type: ATTR_TYPE.INTS, ints });
const attrFloat = (name: string, f: number): OnnxAttribute => ({ name, type: ATTR_TYPE.FLOAT, f });
const attrString = (name: string, s: string): OnnxAttribute => ({ name, type: ATTR_TYPE.STRING, s: new TextEncoder().encode(s) });
const attrStrings = (name: string, list: string[]): OnnxAttribute =>
  ({ name, type: ATTR_TYPE.STRINGS, strings: list.map((s) => new TextEncoder().encode(s)) });

/** The graph under construction: nodes, initializers and unique value names. */
class GraphWriter {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly taken = new Set<string>();
  private readonly nodeNames = new Set<string>();
  constructor(readonly opset: number) {}

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }

  floats(base: string, data: Float32Array, dims: number[]): string {
    const name = this.fresh(base);
    // raw_data is little-endian; copy so the bytes belong to the message, not to a tensor's buffer.
    const raw = new Uint8Array(data.length * 4);
    const view = new DataView(raw.buffer);
    data.forEach((v, i) => view.setFloat32(4 * i, v, true));
    this.initializers.push({ name, dims, dataType: ONNX_DTYPE.FLOAT, rawData: raw });
    return name;
  }

  int64s(base: string, values: number[]): string {
    const name = this.fresh(base);
    this.initializers.push({ name, dims: [values.length], dataType: ONNX_DTYPE.INT64, int64Data: values });
    return name;
  }

  /** Adds a node; returns its output names (`outputs` of them, '' where `skip` marks an unused optional output). */
  node(op: string, inputs: string[], attribute: OnnxAttribute[], base: string, outputs = 1, skip: number[] = []): string[] {
    const outs = Array.from({ length: outputs }, (_, i) => (skip.includes(i) ? '' : this.fresh(`${base}/${op}:${i}`)));
    let name = `${base}/${op}`;
    for (let i = 1; this.nodeNames.has(name); i++) name = `${base}/${op}_${i}`;
    this.nodeNames.add(name);
    this.nodes.push({ name, opType: op, input: inputs, output: outs, attribute });
    return outs;
  }

  one(op: string, inputs: string[], attribute: OnnxAttribute[], base: string): string {
    return this.node(op, inputs, attribute, base)[0];
  }

  transpose(x: string, perm: number[], base: string): string {
    return this.one('Transpose', [x], [attrInts('perm', perm)], base);
  }

  squeeze(x: string, axes: number[], base: string): string {
    return this.one('Squeeze', [x, this.int64s(`${base}/squeeze_axes`, axes)], [], base);
  }

  /** A reduction over `axes`: ReduceSum takes axes as an input from opset 13, the others from 18. */
  reduce(op: 'ReduceSum' | 'ReduceMean' | 'ReduceMax' | 'ReduceProd', x: string, axes: number[], keepdims: boolean, base: string): string {
    const asInput = op === 'ReduceSum' || this.opset >= 18;
    const keep = attrInt('keepdims', keepdims ? 1 : 0);
    return asInput
      ? this.one(op, [x, this.int64s(`${base}/${op}_axes`, axes)], [keep], base)
      : this.one(op, [x], [attrInts('axes', axes), keep], base);
  }

  /** Renames a value everywhere (to give graph outputs their names). */
  rename(from: string, to: string): void {
    for (const n of this.nodes) {
      n.input = n.input!.map((v) => (v === from ? to : v));
      n.output = n.output!.map((v) => (v === from ? to : v));
    }
  }
}

/** The layer's activation name, with an error naming the layer when it is a custom function. */
function configActivation(layer: Layer, key = 'activation'): string {
  let config: Record<string, unknown>;
  try {
    config = layer.getConfig();
  } catch (e) {
    throw new Error(`exportOnnx: layer '${layer.name}' (${layer.className}) cannot be described (${(e as Error).message}); ` +
      'a custom activation function has no ONNX form: use a built-in activation name');
  }
  return String(config[key]);
}

/** Writes `activation(x)`; linear writes nothing. */
function writeActivation(g: GraphWriter, act: string, x: string, layer: Layer): string {
  const base = layer.name;
  switch (act) {
    case 'linear': return x;
    case 'relu': return g.one('Relu', [x], [], base);
    case 'tanh': return g.one('Tanh', [x], [], base);
    case 'sigmoid': return g.one('Sigmoid', [x], [], base);
    case 'softplus': return g.one('Softplus', [x], [], base);
    case 'softsign': return g.one('Softsign', [x], [], base);
    case 'elu': return g.one('Elu', [x], [attrFloat('alpha', 1)], base);
    case 'selu': return g.one('Selu', [x], [attrFloat('alpha', SELU_ALPHA), attrFloat('gamma', SELU_GAMMA)], base);
    case 'leakyRelu': return g.one('LeakyRelu', [x], [attrFloat('alpha', 0.2)], base);
    case 'hardSigmoid': return g.one('HardSigmoid', [x], [attrFloat('alpha', 0.2), attrFloat('beta', 0.5)], base);
    case 'relu6': {
      const lo = g.floats(`${base}/clip_min`, new Float32Array([0]), []);
      return g.one('Clip', [x, lo, g.floats(`${base}/clip_max`, new Float32Array([6]), [])], [], base);
    }
    case 'softmax': return g.one('Softmax', [x], [attrInt('axis', -1)], base);
    case 'logSoftmax': return g.one('LogSoftmax', [x], [attrInt('axis', -1)], base);
    case 'silu':
    case 'swish': return g.one('Mul', [x, g.one('Sigmoid', [x], [], base)], [], base);
    case 'gelu': {
      if (g.opset >= 20) return g.one('Gelu', [x], [attrString('approximate', 'none')], base);
      // Before opset 20: x · ½ · (1 + erf(x / √2)), the exact form Loom's gelu computes.
      const scaled = g.one('Mul', [x, g.floats(`${base}/inv_sqrt2`, new Float32Array([Math.SQRT1_2]), [])], [], base);
      const erf1 = g.one('Add', [g.one('Erf', [scaled], [], base), g.floats(`${base}/one`, new Float32Array([1]), [])], [], base);
      return g.one('Mul', [g.one('Mul', [x, g.floats(`${base}/half`, new Float32Array([0.5]), [])], [], base), erf1], [], base);
    }
    default:
      throw new Error(`exportOnnx: layer '${layer.name}' uses activation '${act}', which has no ONNX form here; valid: linear, relu, ` +
        'relu6, leakyRelu, elu, selu, gelu, tanh, sigmoid, hardSigmoid, softplus, softsign, silu, swish, softmax, logSoftmax');
  }
}

async function values(layer: Layer, v: { value: { data(): Promise<unknown> } } | undefined): Promise<Float32Array> {
  if (!v) throw new Error(`exportOnnx: layer '${layer.name}' is not built`);
  return (await v.value.data()) as Float32Array;
}

/** [rows, cols] → [cols, rows]. */
export function transpose2d(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

/**
 * A Keras kernel [inDim, gates·units] as ONNX W rows [gates·units, inDim], gate blocks taken in
 * `order` (indices into the Keras gates).
 */
function onnxGateRows(k: Float32Array, inDim: number, units: number, order: number[]): Float32Array {
  const t = transpose2d(k, inDim, order.length * units);
  const out = new Float32Array(t.length);
  order.forEach((g, i) => out.set(t.subarray(g * units * inDim, (g + 1) * units * inDim), i * units * inDim));
  return out;
}

function reorderVector(b: Float32Array, units: number, order: number[]): Float32Array {
  const out = new Float32Array(order.length * units);
  order.forEach((g, i) => out.set(b.subarray(g * units, (g + 1) * units), i * units));
  return out;
}

/** ONNX LSTM gates are i, o, f, c; Keras's are i, f, c, o. GRU (z, r, h) and RNN agree. */
const GATE_ORDER: Record<string, number[]> = { LSTM: [0, 3, 1, 2], GRU: [0, 1, 2], SimpleRNN: [0] };
const ONNX_RNN_OP: Record<string, string> = { LSTM: 'LSTM', GRU: 'GRU', SimpleRNN: 'RNN' };

/** W, R and B of one direction, in ONNX layout. */
async function directionWeights(cell: Recurrent): Promise<{ W: Float32Array; R: Float32Array; B: Float32Array }> {
  const order = GATE_ORDER[cell.className];
  const u = cell.units;
  const inDim = cell.kernel.shape[0];
  const W = onnxGateRows(await values(cell, cell.kernel), inDim, u, order);
  const R = onnxGateRows(await values(cell, cell.recurrentKernel), u, u, order);
  const B = new Float32Array(2 * order.length * u);
  if (cell.bias) {
    const b = await values(cell, cell.bias);
    if (cell instanceof GRU && cell.resetAfter) {
      // Keras reset_after bias [2, 3u]: the input row is ONNX's Wb, the recurrent row its Rb.
      B.set(b.subarray(0, 3 * u), 0);
      B.set(b.subarray(3 * u), 3 * u);
    } else {
      B.set(reorderVector(b, u, order), 0);
    }
  }
  return { W, R, B };
}

function checkRecurrent(cell: Recurrent, owner: Layer): string[] {
  if (cell.stateful) throw new Error(`exportOnnx: layer '${owner.name}' is stateful; ONNX graphs carry no state between calls`);
  if (cell.returnState) {
    throw new Error(`exportOnnx: layer '${owner.name}' has returnState: true; the exporter writes one output per layer ` +
      '(returnState: false)');
  }
  const config = cell.getConfig();
  const names = cell instanceof SimpleRNN
    ? [config.activation as string]
    : cell instanceof LSTM
      ? [config.recurrentActivation as string, config.activation as string, config.activation as string]
      : [config.recurrentActivation as string, config.activation as string];
  return names.map((n) => {
    const onnx = RECURRENT_ONNX_ACTIVATIONS[n];
    if (!onnx) {
      throw new Error(`exportOnnx: layer '${owner.name}' uses activation '${n}', which ONNX's ${ONNX_RNN_OP[cell.className]} op does ` +
        `not take; valid: ${Object.keys(RECURRENT_ONNX_ACTIVATIONS).join(', ')}`);
    }
    return onnx;
  });
}

/** A reversal of axis `axis` (Slice with step −1). */
function reverseAxis(g: GraphWriter, x: string, axis: number, base: string): string {
  const int64Min = -Number.MAX_SAFE_INTEGER;
  return g.one('Slice', [x, g.int64s(`${base}/rev_starts`, [-1]), g.int64s(`${base}/rev_ends`, [int64Min]),
    g.int64s(`${base}/rev_axes`, [axis]), g.int64s(`${base}/rev_steps`, [-1])], [], base);
}

/**
 * simpleRNN / lstm / gru, alone or inside bidirectional: one ONNX RNN/LSTM/GRU node on the time-major
 * input (layout 0, which every runtime implements), then the Transposes, Squeezes and merges that
 * bring Y [steps, dirs, batch, units] or Y_h [dirs, batch, units] to Loom's output.
 */
async function writeRecurrent(g: GraphWriter, layer: Recurrent | Bidirectional, x: string): Promise<string> {
  const base = layer.name;
  const cells = layer instanceof Bidirectional ? [layer.forward, layer.backward] : [layer];
  const first = cells[0];
  if (layer instanceof Bidirectional && first.goBackwards) {
    throw new Error(`exportOnnx: layer '${base}' wraps a layer with goBackwards: true; ONNX's bidirectional op runs the first ` +
      'direction forwards');
  }
  const acts = cells.flatMap((c) => checkRecurrent(c, layer));
  const ws = await Promise.all(cells.map(directionWeights));
  const join = (k: 'W' | 'R' | 'B'): Float32Array => {
    const out = new Float32Array(ws.reduce((n, w) => n + w[k].length, 0));
    let off = 0;
    for (const w of ws) { out.set(w[k], off); off += w[k].length; }
    return out;
  };
  const u = first.units;
  const gates = GATE_ORDER[first.className].length;
  const dirs = cells.length;
  const inDim = first.kernel.shape[0];
  const W = g.floats(`${base}/W`, join('W'), [dirs, gates * u, inDim]);
  const R = g.floats(`${base}/R`, join('R'), [dirs, gates * u, u]);
  const B = g.floats(`${base}/B`, join('B'), [dirs, 2 * gates * u]);
  // HardSigmoid's alpha 0.2 and beta 0.5 are ONNX's defaults and Loom's, so no activation_alpha/beta are written.
  const attrs = [
    attrInt('hidden_size', u), attrStrings('activations', acts),
    attrString('direction', dirs === 2 ? 'bidirectional' : first.goBackwards ? 'reverse' : 'forward'),
  ];
  if (first instanceof GRU) attrs.push(attrInt('linear_before_reset', first.resetAfter ? 1 : 0));
  const xt = g.transpose(x, [1, 0, 2], base);
  const seq = first.returnSequences;
  const [Y, Yh] = g.node(ONNX_RNN_OP[first.className], [xt, W, R, B], attrs, base, 2, seq ? [1] : [0]);
  const mode = layer instanceof Bidirectional ? layer.mergeMode : 'concat';
  const reduceDirs = (v: string, axis: number): string => {
    switch (mode) {
      case 'sum': return g.reduce('ReduceSum', v, [axis], false, base);
      case 'mul': return g.reduce('ReduceProd', v, [axis], false, base);
      case 'ave': return g.reduce('ReduceMean', v, [axis], false, base);
      default: throw new Error(`exportOnnx: layer '${base}' has an unknown merge mode '${mode}'`);
    }
  };
  if (!seq) {
    // Y_h [dirs, batch, units] holds each direction's final state, the state Keras returns for each.
    if (dirs === 1) return g.squeeze(Yh, [0], base);
    if (mode === 'concat') return g.one('Reshape', [g.transpose(Yh, [1, 0, 2], base), g.int64s(`${base}/shape`, [0, -1])], [], base);
    return reduceDirs(Yh, 0);
  }
  if (dirs === 1) {
    let y = g.transpose(g.squeeze(Y, [1], base), [1, 0, 2], base);
    // ONNX aligns a reverse direction's outputs with the input steps; Keras's goBackwards keeps them in processing order.
    if (first.goBackwards) y = reverseAxis(g, y, 1, base);
    return y;
  }
  if (mode === 'concat') return g.one('Reshape', [g.transpose(Y, [2, 0, 1, 3], base), g.int64s(`${base}/shape`, [0, 0, -1])], [], base);
  return g.transpose(reduceDirs(Y, 1), [1, 0, 2], base);
}

/** Keras 'same' pads [before, after] for a known length, or undefined when the length is unknown. */
export function samePads(len: number | null, k: number, stride: number, dilation: number): [number, number] | undefined {
  if (len === null) return undefined;
  const out = Math.ceil(len / stride);
  const total = Math.max((out - 1) * stride + (k - 1) * dilation + 1 - len, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Padding attributes for a Conv/Pool window over steps (channels-first inside the Transposes). */
function padAttrs(layer: Layer, padding: string, len: number | null, k: number, stride: number, dilation: number): OnnxAttribute[] {
  if (padding === 'valid') return [attrInts('pads', [0, 0])];
  if (padding === 'causal') return [attrInts('pads', [(k - 1) * dilation, 0])];
  // With stride 1, 'same' pads do not depend on the length.
  const pads = samePads(stride === 1 ? 1 : len, k, stride, dilation);
  if (pads) return [attrInts('pads', pads)];
  if (dilation > 1) {
    throw new Error(`exportOnnx: layer '${layer.name}' has padding 'same' with strides ${stride} and dilationRate ${dilation} ` +
      'on inputs of unknown length; ONNX runtimes implement SAME_UPPER without dilation only: give the model a fixed number of steps');
  }
  // NOTE: SAME_UPPER (the extra pad at the end, as Keras) where the length is unknown at export.
  return [attrString('auto_pad', 'SAME_UPPER')];
}

async function writeConv1D(g: GraphWriter, layer: Conv1D, x: string, inShape: LayerShape): Promise<string> {
  const base = layer.name;
  const [k, c, f] = layer.kernel.shape;
  // Keras kernel [k, in, filters] → ONNX W [filters, in, k].
  const kd = await values(layer, layer.kernel);
  const w = new Float32Array(kd.length);
  for (let i = 0; i < k; i++) for (let j = 0; j < c; j++) for (let o = 0; o < f; o++) w[(o * c + j) * k + i] = kd[(i * c + j) * f + o];
  const inputs = [g.transpose(x, [0, 2, 1], base), g.floats(`${base}/W`, w, [f, c, k])];
  if (layer.bias) inputs.push(g.floats(`${base}/B`, await values(layer, layer.bias), [f]));
  const attrs = [attrInts('kernel_shape', [k]), attrInts('strides', [layer.strides]), attrInts('dilations', [layer.dilationRate]),
    attrInt('group', 1), ...padAttrs(layer, layer.padding, inShape[1], k, layer.strides, layer.dilationRate)];
  const y = g.transpose(g.one('Conv', inputs, attrs, base), [0, 2, 1], base);
  return writeActivation(g, configActivation(layer), y, layer);
}

function writePool1D(g: GraphWriter, layer: MaxPooling1D | AveragePooling1D, x: string, inShape: LayerShape): string {
  const base = layer.name;
  const op = layer instanceof MaxPooling1D ? 'MaxPool' : 'AveragePool';
  const attrs = [attrInts('kernel_shape', [layer.poolSize]), attrInts('strides', [layer.strides]),
    ...padAttrs(layer, layer.padding, inShape[1], layer.poolSize, layer.strides, 1)];
  // AveragePool's count_include_pad defaults to 0: padding is not counted, as in Loom.
  return g.transpose(g.one(op, [g.transpose(x, [0, 2, 1], base)], attrs, base), [0, 2, 1], base);
}

async function writeDense(g: GraphWriter, layer: Dense, x: string, inShape: LayerShape): Promise<string> {
  const base = layer.name;
  const [inDim, units] = layer.kernel.shape;
  const k = g.floats(`${base}/kernel`, await values(layer, layer.kernel), [inDim, units]);
  const b = layer.bias ? g.floats(`${base}/bias`, await values(layer, layer.bias), [units]) : undefined;
  let y: string;
  if (inShape.length === 2) y = g.one('Gemm', b ? [x, k, b] : [x, k], [], base);
  else {
    // Gemm is 2-D only; MatMul broadcasts over the leading axes as Loom's dense does.
    y = g.one('MatMul', [x, k], [], base);
    if (b) y = g.one('Add', [y, b], [], base);
  }
  return writeActivation(g, configActivation(layer), y, layer);
}

/** The merge ops by Loom class: one variadic op, or a fold of a binary one. */
const MERGE_OPS: Record<string, string> = {
  Add: 'Sum', Multiply: 'Mul', Subtract: 'Sub', Average: 'Mean', Maximum: 'Max', Minimum: 'Min',
};

function writeMerge(g: GraphWriter, layer: Layer, xs: string[]): string {
  const base = layer.name;
  if (layer instanceof Concatenate) return g.one('Concat', xs, [attrInt('axis', layer.axis)], base);
  const op = MERGE_OPS[layer.className];
  if (op === 'Mul') return xs.slice(1).reduce((a, b) => g.one('Mul', [a, b], [], base), xs[0]);
  // Two inputs of Add are written as ONNX Add, the op converters look for first.
  if (op === 'Sum' && xs.length === 2) return g.one('Add', xs, [], base);
  return g.one(op, xs, [], base);
}

/** Writes one layer applied to `xs` (shapes `shapes`); returns the output value name. */
async function writeLayer(g: GraphWriter, layer: Layer, xs: string[], shapes: LayerShape[]): Promise<string> {
  const listInput = layer instanceof Concatenate || layer instanceof Add || layer instanceof Multiply || layer instanceof Subtract ||
    layer instanceof Average || layer instanceof Maximum || layer instanceof Minimum;
  if (listInput) return writeMerge(g, layer, xs);
  if (xs.length !== 1) {
    throw new Error(`exportOnnx: layer '${layer.name}' (${layer.className}) is applied to ${xs.length} inputs; ` +
      'the exporter writes single-input layers (initial states are not supported)');
  }
  const [x] = xs;
  const [s] = shapes;
  if (layer instanceof Dense) return writeDense(g, layer, x, s);
  if (layer instanceof Conv1D) return writeConv1D(g, layer, x, s);
  if (layer instanceof MaxPooling1D || layer instanceof AveragePooling1D) return writePool1D(g, layer, x, s);
  if (layer instanceof GlobalAveragePooling1D) return g.reduce('ReduceMean', x, [1], false, layer.name);
  if (layer instanceof GlobalMaxPooling1D) return g.reduce('ReduceMax', x, [1], false, layer.name);
  if (layer instanceof Recurrent || layer instanceof Bidirectional) return writeRecurrent(g, layer, x);
  if (layer instanceof Activation) {
    const act = configActivation(layer);
    return act === 'linear' ? g.one('Identity', [x], [], layer.name) : writeActivation(g, act, x, layer);
  }
  if (layer instanceof Flatten) return g.one('Flatten', [x], [attrInt('axis', 1)], layer.name);
  if (layer instanceof Reshape) {
    // 0 copies the batch dimension, so the batch stays dynamic.
    return g.one('Reshape', [x, g.int64s(`${layer.name}/shape`, [0, ...layer.targetShape])], [], layer.name);
  }
  // Dropout is the identity at inference.
  if (layer instanceof Dropout) return x;
  throw new Error(`exportOnnx: layer '${layer.name}' is a ${layer.className}, which the ONNX exporter does not write; ` +
    `valid: ${EXPORTABLE_LAYERS.join(', ')}`);
}

function valueInfo(name: string, shape: LayerShape, dimName: (i: number) => string): OnnxValueInfo {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE.FLOAT, shape: { dim: shape.map((d, i) => (d === null ? { dimParam: dimName(i) } : { dimValue: d })) },
      },
    },
  };
}

type TopologyNode = { layer: number; inputs: [number, number][]; listInput: boolean };

/** The model's graph as (layer, input refs) steps; Sequential models are a chain. */
/** The model as a list of steps over value ids: graph inputs first, then one value per step. */
interface Steps { inputs: { name: string; shape: LayerShape }[]; steps: { layer: Layer; inputs: number[] }[]; outputs: number[] }

function modelSteps(model: Model): Steps {
  const shapes = model.inputShapes;
  if (!shapes) throw new Error('exportOnnx: the model is not built yet; call it on data or give the first layer an inputShape');
  for (const l of model.layers) configActivation(l);
  const topo = model.topology() as { className: string; config: { nodes?: TopologyNode[]; outputs?: [number, number][] } };
  const layers = model.layers;
  if (topo.className === 'Sequential') {
    const steps = layers.map((layer, i) => ({ layer, inputs: [i] }));
    return { inputs: [{ name: 'input', shape: shapes[0] }], steps, outputs: [layers.length] };
  }
  const nodes = topo.config.nodes ?? [];
  // Value ids: the graph inputs first, then one per node output (multi-output layers are rejected).
  const valueOf = new Map<number, number>();
  const inputs: { name: string; shape: LayerShape }[] = [];
  const steps: { layer: Layer; inputs: number[] }[] = [];
  nodes.forEach((n, i) => {
    const layer = layers[n.layer];
    if (layer instanceof InputLayer) {
      valueOf.set(i, inputs.length);
      inputs.push({ name: layer.name, shape: layer.batchInputShape! });
    }
  });
  let next = inputs.length;
  const ref = ([node, out]: [number, number]): number => {
    if (out !== 0) {
      throw new Error(`exportOnnx: layer '${layers[nodes[node].layer].name}' has several outputs; the exporter writes one per layer`);
    }
    return valueOf.get(node)!;
  };
  nodes.forEach((n, i) => {
    const layer = layers[n.layer];
    if (layer instanceof InputLayer) return;
    steps.push({ layer, inputs: n.inputs.map(ref) });
    valueOf.set(i, next++);
  });
  return { inputs, steps, outputs: (topo.config.outputs ?? []).map(ref) };
}

/** Serializes a built model as an ONNX ModelProto (opset `options.opset`, default 17) with a dynamic batch dimension. */
export async function writeOnnx(model: Model, options: OnnxExportOptions = {}): Promise<Uint8Array> {
  if (!model || typeof model !== 'object' || !Array.isArray(model.layers) || typeof model.topology !== 'function') {
    throw new Error(`exportOnnx: expected a Loom model (sequential() or model()), got ${model === null ? 'null' : typeof model}`);
  }
  if (typeof options !== 'object' || options === null) throw new Error('exportOnnx: options must be an object { opset?, name? }');
  for (const k of Object.keys(options)) {
    if (k !== 'opset' && k !== 'name') throw new Error(`exportOnnx: unknown option '${k}'; valid: opset, name`);
  }
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new Error(`exportOnnx: opset must be an integer from ${MIN_OPSET} to ${MAX_OPSET}, got ${JSON.stringify(opset)}`);
  }
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    throw new Error(`exportOnnx: name must be a non-empty string, got ${JSON.stringify(options.name)}`);
  }
  const { inputs, steps, outputs } = modelSteps(model);
  const g = new GraphWriter(opset);
  const names: string[] = [];
  const shapes: LayerShape[] = [];
  const dimName = (io: string) => (i: number) => (i === 0 ? 'batch' : `${io}_dim${i}`);
  const graphInputs = inputs.map((inp) => {
    names.push(g.fresh(inp.name));
    shapes.push(inp.shape);
    return valueInfo(names[names.length - 1], inp.shape, dimName(names[names.length - 1]));
  });
  for (const step of steps) {
    const ins = step.inputs.map((i) => names[i]);
    const inShapes = step.inputs.map((i) => shapes[i]);
    const out = await writeLayer(g, step.layer, ins, inShapes);
    const outShape = step.layer.computeOutputShape(inShapes.length === 1 ? inShapes[0] : inShapes);
    if (isShapeList(outShape)) {
      throw new Error(`exportOnnx: layer '${step.layer.name}' has several outputs; the exporter writes one per layer`);
    }
    names.push(out);
    shapes.push(outShape);
  }
  const outputNames = new Set<string>();
  const graphOutputs = outputs.map((v) => {
    // Sequential models have 'input' and 'output'; functional outputs are named after the layers producing them.
    const producer = v >= inputs.length ? steps[v - inputs.length].layer.name : 'output';
    const wanted = g.fresh(model.className === 'Sequential' ? 'output' : producer);
    const current = names[v];
    // A graph input, or a value already given to an earlier output, is copied by Identity.
    if (v < inputs.length || outputNames.has(current) || names.slice(0, inputs.length).includes(current)) {
      g.nodes.push({ name: g.fresh(`${wanted}/Identity`), opType: 'Identity', input: [current], output: [wanted], attribute: [] });
    } else {
      g.rename(current, wanted);
      for (let j = 0; j < names.length; j++) if (names[j] === current) names[j] = wanted;
    }
    outputNames.add(wanted);
    return valueInfo(wanted, shapes[v], dimName(wanted));
  });
  const Proto = await modelProto();
  const message = {
    irVersion: irVersionFor(opset), producerName: 'loom', producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: opset }],
    graph: { name: options.name ?? model.name, node: g.nodes, initializer: g.initializers, input: graphInputs, output: graphOutputs },
  };
  return Proto.encode(Proto.fromObject(message)).finish();
}
