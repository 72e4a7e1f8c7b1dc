// ONNX → Loom, pass 1: walks the graph in node order and describes each ONNX value in Loom terms — a
// Loom tensor seen through a transpose, a constant, a recurrent output still being reshaped, or a
// run-time shape — and collects the layers to create as plain data (class, config, weights). Nothing
// here allocates a tensor or a layer.

import type { LayerShape } from '../layers/layer.js';
import { transpose2d } from './onnx-export.js';
import { ONNX_DTYPE, type OnnxAttribute, type OnnxNode, type OnnxTensor } from './onnx-schema.js';

/** A constant: initializer or Constant node output. */
export interface Const { kind: 'const'; dims: number[]; data: Float64Array }

/**
 * A Loom tensor as ONNX sees it: ONNX dim i is Loom dim perm[i], or a unit dim the Loom tensor
 * lacks where perm[i] is −1 (after a keepdims reduction). `flatFrom` marks the flatten of a
 * channels-first tensor: its element order differs from Loom's, and only a dense layer after it can
 * absorb that (by permuting its kernel rows).
 */
export interface LoomRef { kind: 'loom'; id: number; perm: number[]; flatFrom?: number }

type Label = 'T' | 'D' | 'B' | 'H';
type Merge = 'concat' | 'sum' | 'mul' | 'ave';

/** A recurrent node's Y or Y_h while Transposes, Squeezes, Reshapes and reductions bring it to Loom's form. */
interface RnnRef {
  kind: 'rnn'; rnn: RnnInfo; which: 'Y' | 'Yh'; labels: (Label | 'DH')[]; reversed: boolean; merge?: Merge; done?: LoomRef;
}

/**
 * Values computed from tensor shapes at run time (Shape → Gather → Concat …, as PyTorch writes for a
 * dynamic batch), and the zeros made from them (ConstantOfShape): only usable as zero initial states.
 */
interface ShapeRef { kind: 'shape' }
interface ZerosRef { kind: 'zeros' }

type Ref = Const | LoomRef | RnnRef | ShapeRef | ZerosRef;

/** Integer ops PyTorch uses to compute shapes; on shape values they give shape values. */
const SHAPE_OPS = new Set(['Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Slice', 'Cast', 'Mul', 'Add', 'Sub', 'Div', 'Reshape']);

interface RnnInfo {
  node: string; className: 'LSTM' | 'GRU' | 'SimpleRNN'; units: number; dirs: number; reverse: boolean; x: number;
  activation: string; recurrentActivation: string; resetAfter: boolean; weights: { data: Float32Array; shape: number[] }[][];
  useBias: boolean;
  /** The layers made from this node so far, by output form, so two readers of one output share one layer. */
  made: Map<string, number>;
}

/** A layer to create: its class and config, its weights in Loom order, and the Loom values it reads. */
export interface Spec {
  className: string; config: Record<string, unknown>; weights: { data: Float32Array; shape: number[] }[]; inputs: number[];
  listInput: boolean; out: number; node: string;
  /** conv1d and pooling: pads resolved against the input length when the layer is built. */
  pads?: { pads: [number, number] | 'same'; k: number; stride: number; dilation: number; causalOk: boolean };
  /** dense after the flatten of a channels-first value: the Loom value that was flattened. */
  rowsFrom?: number;
  dead?: boolean;
}

export const fail = (node: OnnxNode, msg: string): never => {
  throw new Error(`importOnnx: node '${node.name || node.output?.[0] || '?'}' (${node.opType}): ${msg}`);
};

export const identity = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
export const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

export function attr(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attribute?.find((a) => a.name === name);
}
export const attrI = (node: OnnxNode, name: string, dflt: number): number => {
  const a = attr(node, name);
  return a?.i !== undefined ? Number(a.i) : dflt;
};
const attrF = (node: OnnxNode, name: string, dflt: number): number => attr(node, name)?.f ?? dflt;
const attrInts = (node: OnnxNode, name: string): number[] | undefined => attr(node, name)?.ints?.map(Number);
const attrS = (node: OnnxNode, name: string): string | undefined => {
  const s = attr(node, name)?.s;
  return s ? new TextDecoder().decode(s) : undefined;
};
const attrStrings = (node: OnnxNode, name: string): string[] | undefined =>
  attr(node, name)?.strings?.map((s) => new TextDecoder().decode(s));

/** The numbers of an initializer or Constant tensor (float32, float64, int32, int64). */
export function readTensor(t: OnnxTensor, where: string): Const {
  const dims = (t.dims ?? []).map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  if (t.dataLocation === 1) {
    throw new Error(`importOnnx: tensor '${t.name}' keeps its data in an external file; save the model with all data inside`);
  }
  const raw = t.rawData && t.rawData.length ? t.rawData : undefined;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  const data = new Float64Array(n);
  const type = t.dataType;
  const size = type === ONNX_DTYPE.FLOAT || type === ONNX_DTYPE.INT32 ? 4 : 8;
  if (type !== ONNX_DTYPE.FLOAT && type !== ONNX_DTYPE.DOUBLE && type !== ONNX_DTYPE.INT32 && type !== ONNX_DTYPE.INT64) {
    throw new Error(`importOnnx: tensor '${t.name}' (${where}) has ONNX data type ${type}; valid: float, double, int32, int64`);
  }
  if (view && view.byteLength !== n * size) {
    throw new Error(`importOnnx: tensor '${t.name}' (${where}) holds ${view.byteLength} bytes but its shape [${dims}] needs ${n * size}`);
  }
  const lists: Record<number, number[] | undefined> = {
    [ONNX_DTYPE.FLOAT]: t.floatData, [ONNX_DTYPE.DOUBLE]: t.doubleData, [ONNX_DTYPE.INT32]: t.int32Data, [ONNX_DTYPE.INT64]: t.int64Data,
  };
  const list = lists[type];
  if (!view && (list?.length ?? 0) !== n) {
    throw new Error(`importOnnx: tensor '${t.name}' (${where}) holds ${list?.length ?? 0} values but its shape [${dims}] needs ${n}`);
  }
  for (let i = 0; i < n; i++) {
    if (!view) data[i] = Number(list![i]);
    else if (type === ONNX_DTYPE.FLOAT) data[i] = view.getFloat32(4 * i, true);
    else if (type === ONNX_DTYPE.DOUBLE) data[i] = view.getFloat64(8 * i, true);
    else if (type === ONNX_DTYPE.INT32) data[i] = view.getInt32(4 * i, true);
    else data[i] = Number(view.getBigInt64(8 * i, true));
  }
  return { kind: 'const', dims, data };
}

/** The Loom activation an elementwise ONNX node computes, or undefined when the op is not one. */
function activationOf(node: OnnxNode, arg: (i: number) => Const | undefined): string | undefined {
  const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
  const want = (name: string, value: number, dflt: number, loom: string): void => {
    const v = attrF(node, name, dflt);
    if (!near(v, value)) fail(node, `${name} ${v} differs from Loom's ${loom} (${name} ${value})`);
  };
  switch (node.opType) {
    case 'Relu': return 'relu';
    case 'Tanh': return 'tanh';
    case 'Sigmoid': return 'sigmoid';
    case 'Softplus': return 'softplus';
    case 'Softsign': return 'softsign';
    case 'Elu': want('alpha', 1, 1, 'elu'); return 'elu';
    case 'Selu': want('alpha', 1.6732632423543772, 1.67326319217681884765625, 'selu');
      want('gamma', 1.0507009873554805, 1.05070102214813232421875, 'selu'); return 'selu';
    case 'LeakyRelu': want('alpha', 0.2, 0.01, 'leakyRelu'); return 'leakyRelu';
    case 'HardSigmoid': want('alpha', 0.2, 0.2, 'hardSigmoid'); want('beta', 0.5, 0.5, 'hardSigmoid'); return 'hardSigmoid';
    case 'Gelu': if ((attrS(node, 'approximate') ?? 'none') !== 'none') fail(node, "approximate 'tanh' differs from Loom's gelu (exact)");
      return 'gelu';
    case 'Clip': {
      const lo = node.input?.[1] ? arg(1)?.data[0] : attr(node, 'min')?.f;
      const hi = node.input?.[2] ? arg(2)?.data[0] : attr(node, 'max')?.f;
      if (lo === 0 && hi === 6) return 'relu6';
      if (lo === 0 && hi === undefined) return 'relu';
      return fail(node, `Clip to [${lo ?? '-inf'}, ${hi ?? 'inf'}] is not a Loom activation; valid: [0, 6] (relu6), [0, inf] (relu)`);
    }
    case 'LoomSilu': return 'silu';
    case 'LoomGelu': return 'gelu';
    default: return undefined;
  }
}

/** ONNX recurrent activation names → Loom's. */
const RNN_ACTIVATIONS: Record<string, string> = {
  tanh: 'tanh', sigmoid: 'sigmoid', relu: 'relu', hardsigmoid: 'hardSigmoid', softsign: 'softsign', softplus: 'softplus',
};

/** For each Keras gate, the ONNX gate block it comes from (ONNX LSTM: i, o, f, c; Keras: i, f, c, o). */
const KERAS_FROM_ONNX: Record<string, number[]> = { LSTM: [0, 2, 3, 1], GRU: [0, 1, 2], SimpleRNN: [0] };

/**
 * Rewrites the multi-node forms of silu (x·sigmoid(x)) and exact gelu (x·½·(1 + erf(x/√2)), as this
 * exporter and PyTorch's write it) into single pseudo-nodes, so the walk sees one activation.
 */
export function fuseCompositeActivations(nodes: OnnxNode[], consts: Map<string, Const>, uses: Map<string, number>): OnnxNode[] {
  const producer = new Map<string, OnnxNode>();
  for (const n of nodes) for (const o of n.output ?? []) producer.set(o, n);
  const single = (v: string) => uses.get(v) === 1;
  const scalar = (v: string, value: number) => {
    const c = consts.get(v);
    return c !== undefined && c.data.length === 1 && Math.abs(c.data[0] - value) <= 1e-6 * Math.abs(value);
  };
  const removed = new Set<OnnxNode>();
  const replaced = new Map<OnnxNode, OnnxNode>();
  /** The factors of a product of Mul nodes whose intermediate results have no other use. */
  const factors = (v: string, inner: OnnxNode[], top: boolean): string[] => {
    const p = producer.get(v);
    if (p?.opType !== 'Mul' || (!top && !single(v))) return [v];
    inner.push(p);
    return (p.input ?? []).flatMap((i) => factors(i, inner, false));
  };
  for (const n of nodes) {
    if (n.opType !== 'Mul' || removed.has(n)) continue;
    const [a, b] = n.input ?? [];
    // silu: Mul(x, Sigmoid(x)) in either order.
    for (const [x, s] of [[a, b], [b, a]]) {
      const sig = producer.get(s);
      if (sig?.opType === 'Sigmoid' && sig.input?.[0] === x && single(s)) {
        removed.add(sig);
        replaced.set(n, { ...n, opType: 'LoomSilu', input: [x] });
        break;
      }
    }
    if (replaced.has(n)) continue;
    const inner: OnnxNode[] = [];
    const fs = factors(n.output![0], inner, true);
    const half = fs.filter((f) => scalar(f, 0.5));
    const rest = fs.filter((f) => !scalar(f, 0.5));
    if (half.length !== 1 || rest.length !== 2) continue;
    for (const [x, e] of [[rest[0], rest[1]], [rest[1], rest[0]]]) {
      const add = producer.get(e);
      if (add?.opType !== 'Add' || !single(e)) continue;
      const [p, q] = add.input ?? [];
      const erfOut = scalar(q, 1) ? p : scalar(p, 1) ? q : undefined;
      const erf = erfOut ? producer.get(erfOut) : undefined;
      if (erf?.opType !== 'Erf' || !single(erfOut!)) continue;
      const scaled = erf.input![0];
      const sc = producer.get(scaled);
      const ok = single(scaled) && sc && sc.input?.includes(x) && (
        (sc.opType === 'Mul' && sc.input.some((i) => scalar(i, Math.SQRT1_2))) ||
        (sc.opType === 'Div' && sc.input[0] === x && scalar(sc.input[1], Math.SQRT2)));
      if (!ok) continue;
      for (const m of [...inner.slice(1), add, erf, sc!]) removed.add(m);
      replaced.set(n, { ...n, opType: 'LoomGelu', input: [x] });
      break;
    }
  }
  return nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
}

/** Everything pass 1 learns about the graph. */
export class GraphReader {
  readonly refs = new Map<string, Ref>();
  readonly specs: Spec[] = [];
  /** Per Loom value: its rank, and where it comes from (graph input k, or a spec). */
  readonly values: { rank: number; input?: number }[] = [];
  readonly inputs: { name: string; shape: LayerShape; id: number }[] = [];
  constructor(readonly opset: number) {}

  newValue(rank: number, inputIndex?: number): number {
    this.values.push({ rank, input: inputIndex });
    return this.values.length - 1;
  }

  spec(node: OnnxNode, className: string, config: Record<string, unknown>, inputs: number[], rank: number,
    weights: Spec['weights'] = [], extra: Partial<Spec> = {}): number {
    const out = this.newValue(rank);
    const name = node.name || node.output?.[0] || node.opType!;
    this.specs.push({ className, config, weights, inputs, listInput: false, out, node: name, ...extra });
    return out;
  }

  ref(node: OnnxNode, i: number): Ref {
    const name = node.input?.[i];
    if (!name) return fail(node, `input ${i} is missing`);
    const r = this.refs.get(name);
    if (!r) return fail(node, `input '${name}' is neither a graph input, an initializer nor an earlier node's output`);
    return r;
  }

  constant(node: OnnxNode, i: number, what: string): Const {
    const r = this.ref(node, i);
    if (r.kind === 'shape') {
      fail(node, `${what} (input ${i}) is computed from a tensor shape at run time; export with constant shapes ` +
        '(constant folding, fixed non-batch dims)');
    }
    if (r.kind !== 'const') fail(node, `${what} (input ${i}) must be a constant (initializer), got a computed value`);
    return r as Const;
  }

  optionalConstant(node: OnnxNode, i: number): Const | undefined {
    const name = node.input?.[i];
    if (!name) return undefined;
    return this.constant(node, i, `input '${name}'`);
  }

  /** A Loom value (recurrent outputs are turned into their layer here). */
  loom(node: OnnxNode, i: number): LoomRef {
    const r = this.ref(node, i);
    if (r.kind === 'const' || r.kind === 'zeros') {
      return fail(node, `input ${i} ('${node.input![i]}') is a constant; Loom layers compute from the model's inputs`);
    }
    if (r.kind === 'shape') {
      return fail(node, `input ${i} ('${node.input![i]}') is computed from a tensor shape, which Loom layers do not read`);
    }
    const l = r.kind === 'rnn' ? this.materialize(node, r) : r;
    if (l.flatFrom !== undefined && !['Gemm', 'MatMul'].includes(node.opType!)) {
      fail(node, 'its input is the flatten of a channels-first tensor, whose element order only a following Gemm/MatMul can absorb');
    }
    return l;
  }

  /** A Loom value as ONNX sees it untransposed (dim i is Loom dim i). */
  plain(node: OnnxNode, i: number, what = 'this op'): LoomRef {
    const l = this.loom(node, i);
    if (!same(l.perm, identity(this.values[l.id].rank))) {
      fail(node, `${what} reads its input in a transposed layout (ONNX dims = Loom dims [${l.perm}]), which Loom's channels-last ` +
        'layers cannot express');
    }
    return l;
  }

  /** Turns a recurrent output into the simpleRNN/lstm/gru (or bidirectional) layer that computes it. */
  materialize(node: OnnxNode, r: RnnRef): LoomRef {
    if (r.done) return r.done;
    const info = r.rnn;
    const where = `the ${r.which === 'Y' ? 'Y' : 'Y_h'} output of '${info.node}'`;
    if (r.labels.includes('D')) {
      fail(node, `${where} still has its directions axis; squeeze it (one direction) or merge it (Reshape to concat, ReduceSum/Mean/Prod)`);
    }
    if (info.dirs === 2 && !r.merge) fail(node, `${where}: the two directions must be merged`);
    const seq = r.which === 'Y';
    if (seq) {
      const wantReversed = info.dirs === 1 && info.reverse;
      if (r.reversed !== wantReversed) {
        fail(node, `${where} is in ${r.reversed ? 'reversed' : 'input'} step order, which Loom's ${info.reverse ? 'goBackwards ' : ''}` +
          `${info.className} does not produce`);
      }
    }
    const order: (Label | 'DH')[] = seq ? ['B', 'T', 'H'] : ['B', 'H'];
    const perm = r.labels.map((l) => order.indexOf(l === 'DH' ? 'H' : l));
    const cell = {
      units: info.units, activation: info.activation, recurrentActivation: info.recurrentActivation, useBias: info.useBias,
      returnSequences: seq, goBackwards: info.dirs === 1 && info.reverse,
      ...(info.className === 'GRU' ? { resetAfter: info.resetAfter } : {}),
      ...(info.className === 'LSTM' ? { unitForgetBias: false } : {}),
    };
    const rank = seq ? 3 : 2;
    const key = `${r.which}:${r.merge ?? ''}`;
    const made = info.made.get(key);
    if (made !== undefined) return (r.done = { kind: 'loom', id: made, perm });
    const out = info.dirs === 1
      ? this.spec(node, info.className, cell, [info.x], rank, info.weights[0], { node: info.node })
      : this.spec(node, 'Bidirectional', { layer: { className: info.className, config: cell }, mergeMode: r.merge }, [info.x], rank,
        [...info.weights[0], ...info.weights[1]], { node: info.node });
    info.made.set(key, out);
    r.done = { kind: 'loom', id: out, perm };
    return r.done;
  }
}

/** The perm of a channels-first ONNX view [batch, channels, steps] of a Loom [batch, steps, channels] tensor. */
export const CHANNELS_FIRST = [0, 2, 1];

/** The integer list of a constant (Reshape shapes, Squeeze axes, Slice arguments). */
const ints = (c: Const): number[] => Array.from(c.data);

function readConv(g: GraphReader, node: OnnxNode, pool: 'MaxPool' | 'AveragePool' | undefined): void {
  const x = g.loom(node, 0);
  if (g.values[x.id].rank !== 3 || !same(x.perm, CHANNELS_FIRST)) {
    fail(node, `expects a channels-first [batch, channels, steps] view of a Loom [batch, steps, channels] tensor, ` +
      `got ONNX dims = Loom dims [${x.perm}]${g.values[x.id].rank !== 3 ? ` of rank ${g.values[x.id].rank}` : ''} ` +
      '(only 1-D windows are supported)');
  }
  const dil = attrInts(node, 'dilations') ?? [1];
  const strides = attrInts(node, 'strides') ?? [1];
  const autoPad = attrS(node, 'auto_pad') ?? 'NOTSET';
  let k: number;
  let weights: Spec['weights'] = [];
  let config: Record<string, unknown>;
  if (pool) {
    k = (attrInts(node, 'kernel_shape') ?? [])[0];
    if ((attrInts(node, 'kernel_shape') ?? []).length !== 1) fail(node, 'needs a 1-D kernel_shape');
    if (attrI(node, 'ceil_mode', 0) !== 0) fail(node, 'ceil_mode 1 is not supported (Loom pools floor the output length)');
    if (dil.some((d) => d !== 1)) fail(node, `dilations [${dil}] are not supported for pooling`);
    if ((node.output?.length ?? 1) > 1 && node.output![1]) fail(node, 'the Indices output is not supported');
    config = { poolSize: k, strides: strides[0] };
  } else {
    const W = g.constant(node, 1, 'the weights W');
    if (W.dims.length !== 3) fail(node, `W has shape [${W.dims}]; only 1-D convolutions ([filters, channels, k]) are supported`);
    const ks = attrInts(node, 'kernel_shape');
    if (ks && (ks.length !== 1 || ks[0] !== W.dims[2])) fail(node, `kernel_shape [${ks}] does not match W [${W.dims}]`);
    if (attrI(node, 'group', 1) !== 1) fail(node, `group ${attrI(node, 'group', 1)} is not supported (valid: 1)`);
    const [f, c, kk] = W.dims;
    k = kk;
    // ONNX W [filters, in, k] → Keras kernel [k, in, filters].
    const kernel = new Float32Array(W.data.length);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < c; j++) for (let o = 0; o < f; o++) kernel[(i * c + j) * f + o] = W.data[(o * c + j) * k + i];
    }
    weights = [{ data: kernel, shape: [k, c, f] }];
    const B = g.optionalConstant(node, 2);
    if (B) {
      if (B.data.length !== f) fail(node, `bias B has ${B.data.length} values, expected ${f}`);
      weights.push({ data: Float32Array.from(B.data), shape: [f] });
    }
    config = { filters: f, kernelSize: k, strides: strides[0], dilationRate: dil[0], activation: 'linear', useBias: !!B };
  }
  if (strides.length !== 1 || dil.length !== 1) fail(node, `strides [${strides}] / dilations [${dil}] must have one entry (1-D windows)`);
  let pads: [number, number] | 'same';
  if (autoPad === 'SAME_UPPER') pads = 'same';
  else if (autoPad === 'VALID') pads = [0, 0];
  else if (autoPad === 'NOTSET') {
    const p = attrInts(node, 'pads') ?? [0, 0];
    if (p.length !== 2) fail(node, `pads [${p}] must have two entries (1-D windows)`);
    pads = [p[0], p[1]];
  } else return fail(node, `auto_pad '${autoPad}' is not supported; valid: NOTSET, VALID, SAME_UPPER`);
  if (pool === 'AveragePool' && attrI(node, 'count_include_pad', 0) !== 0 && pads !== 'same' && (pads[0] || pads[1])) {
    fail(node, 'count_include_pad 1 with padding is not supported (Loom averages over the real steps only)');
  }
  const className = pool === 'MaxPool' ? 'MaxPooling1D' : pool ? 'AveragePooling1D' : 'Conv1D';
  const out = g.spec(node, className, config, [x.id], 3, weights,
    { pads: { pads, k, stride: strides[0], dilation: pool ? 1 : dil[0], causalOk: !pool } });
  g.refs.set(node.output![0], { kind: 'loom', id: out, perm: CHANNELS_FIRST });
}

function readRecurrent(g: GraphReader, node: OnnxNode): void {
  const className = node.opType === 'RNN' ? 'SimpleRNN' : (node.opType as 'LSTM' | 'GRU');
  const x = g.loom(node, 0);
  const layout = attrI(node, 'layout', 0);
  const wantPerm = layout === 0 ? [1, 0, 2] : [0, 1, 2];
  if (g.values[x.id].rank !== 3 || !same(x.perm, wantPerm)) {
    fail(node, `with layout ${layout} X must be ${layout === 0 ? 'time-major [steps, batch, features]' : '[batch, steps, features]'} ` +
      `over a Loom [batch, steps, features] tensor, got ONNX dims = Loom dims [${x.perm}]`);
  }
  const W = g.constant(node, 1, 'W');
  const R = g.constant(node, 2, 'R');
  if (W.dims.length !== 3 || R.dims.length !== 3) {
    fail(node, `W [${W.dims}] and R [${R.dims}] must be rank 3 ([directions, gates·hidden, in])`);
  }
  const B = g.optionalConstant(node, 3);
  if (node.input?.[4]) fail(node, 'sequence_lens is not supported (Loom runs every step)');
  for (const i of [5, 6, 7]) {
    // Zero initial states (constants, or ConstantOfShape for a dynamic batch) are Loom's default.
    if (!node.input?.[i] || g.ref(node, i).kind === 'zeros') continue;
    const c = g.optionalConstant(node, i);
    if (c && c.data.some((v) => v !== 0)) fail(node, `${['initial_h', 'initial_c', 'P (peepholes)'][i - 5]} must be absent or zeros`);
  }
  if (attr(node, 'clip')) fail(node, 'clip is not supported');
  if (attrI(node, 'input_forget', 0) !== 0) fail(node, 'input_forget 1 is not supported');
  if (attr(node, 'activation_alpha') || attr(node, 'activation_beta')) fail(node, 'activation_alpha/activation_beta are not supported');
  const gates = KERAS_FROM_ONNX[className].length;
  const units = attrI(node, 'hidden_size', R.dims[2]);
  const direction = attrS(node, 'direction') ?? 'forward';
  if (!['forward', 'reverse', 'bidirectional'].includes(direction)) fail(node, `direction '${direction}' is not valid`);
  const dirs = direction === 'bidirectional' ? 2 : 1;
  const inDim = W.dims[2];
  if (!same(W.dims, [dirs, gates * units, inDim]) || !same(R.dims, [dirs, gates * units, units]) ||
      (B && !same(B.dims, [dirs, 2 * gates * units]))) {
    fail(node, `weights W [${W.dims}], R [${R.dims}]${B ? `, B [${B.dims}]` : ''} do not fit hidden_size ${units} and ` +
      `${dirs} direction(s)`);
  }
  const defaults = className === 'LSTM' ? ['Sigmoid', 'Tanh', 'Tanh'] : className === 'GRU' ? ['Sigmoid', 'Tanh'] : ['Tanh'];
  const names = attrStrings(node, 'activations') ?? [...defaults, ...(dirs === 2 ? defaults : [])];
  const acts = names.map((n) => {
    const a = RNN_ACTIVATIONS[n.toLowerCase()];
    if (!a) fail(node, `activation '${n}' has no Loom equivalent; valid: ${Object.keys(RNN_ACTIVATIONS).join(', ')}`);
    return a;
  });
  const per = defaults.length;
  if (acts.length !== per * dirs) fail(node, `activations lists ${acts.length} functions, expected ${per * dirs}`);
  const dir0 = acts.slice(0, per);
  if (acts.slice(per).some((a, i) => a !== dir0[i % per])) {
    fail(node, 'both directions must use the same activations (one Loom layer copy runs each way)');
  }
  if (className === 'LSTM' && dir0[1] !== dir0[2]) fail(node, `LSTM activations g '${dir0[1]}' and h '${dir0[2]}' must be equal in Loom`);
  const resetAfter = className === 'GRU' && attrI(node, 'linear_before_reset', 0) !== 0;
  const order = KERAS_FROM_ONNX[className];
  const weights = Array.from({ length: dirs }, (_, d) => {
    // ONNX rows [gates·units, in] in its gate order → Keras kernel [in, gates·units] in Keras's.
    const toKeras = (src: Float64Array, inD: number): Float32Array => {
      const rows = new Float32Array(gates * units * inD);
      const base = d * gates * units * inD;
      order.forEach((og, kg) => rows.set(src.subarray(base + og * units * inD, base + (og + 1) * units * inD), kg * units * inD));
      return transpose2d(rows, gates * units, inD);
    };
    const list: { data: Float32Array; shape: number[] }[] = [
      { data: toKeras(W.data, inDim), shape: [inDim, gates * units] },
      { data: toKeras(R.data, units), shape: [units, gates * units] },
    ];
    if (B) {
      const b = B.data.subarray(d * 2 * gates * units, (d + 1) * 2 * gates * units);
      const wb = b.subarray(0, gates * units);
      const rb = b.subarray(gates * units);
      if (resetAfter) list.push({ data: Float32Array.from(b), shape: [2, gates * units] });
      else {
        // Without reset-after every gate adds Wb + Rb, so Loom's single bias is their sum.
        const sum = new Float32Array(gates * units);
        order.forEach((og, kg) => { for (let j = 0; j < units; j++) sum[kg * units + j] = wb[og * units + j] + rb[og * units + j]; });
        list.push({ data: sum, shape: [gates * units] });
      }
    }
    return list;
  });
  const info: RnnInfo = {
    node: node.name || node.output?.[0] || 'rnn', className, units, dirs, reverse: direction === 'reverse', x: x.id,
    activation: className === 'SimpleRNN' ? dir0[0] : dir0[1], recurrentActivation: className === 'SimpleRNN' ? 'sigmoid' : dir0[0],
    resetAfter, weights, useBias: !!B, made: new Map(),
  };
  const [y, yh, yc] = node.output ?? [];
  if (yc) fail(node, 'the Y_c output is not supported (Loom layers return the sequence or the last h)');
  const t: (Label | 'DH')[] = layout === 0 ? ['T', 'D', 'B', 'H'] : ['B', 'T', 'D', 'H'];
  const h: (Label | 'DH')[] = layout === 0 ? ['D', 'B', 'H'] : ['B', 'D', 'H'];
  if (y) g.refs.set(y, { kind: 'rnn', rnn: info, which: 'Y', labels: t, reversed: false });
  if (yh) g.refs.set(yh, { kind: 'rnn', rnn: info, which: 'Yh', labels: h, reversed: false });
}

/** The axes argument of Squeeze/Reduce*: an input from opset 13 (Squeeze, ReduceSum) or 18 (other reductions), else an attribute. */
function axesOf(g: GraphReader, node: OnnxNode, inputFrom: number): number[] | undefined {
  if (g.opset >= inputFrom && node.input?.[1]) return ints(g.constant(node, 1, 'axes'));
  return attrInts(node, 'axes');
}

const norm = (a: number, rank: number): number => (a < 0 ? a + rank : a);

/** Structural ops on a recurrent output (Transpose, Squeeze, Reshape, Flatten, Gather, Slice, reductions). */
function readRnnStructure(g: GraphReader, node: OnnxNode, r: RnnRef): boolean {
  const op = node.opType!;
  const L = r.labels;
  const next = (labels: (Label | 'DH')[], extra: Partial<RnnRef> = {}): true => {
    g.refs.set(node.output![0], { ...r, labels, done: undefined, ...extra });
    return true;
  };
  const dAxis = L.indexOf('D');
  // Once the directions axis is gone, the output is a finished layer output: ops other than Transpose
  // and a steps reversal read it as a Loom value.
  if (dAxis < 0 && op !== 'Transpose' && op !== 'Slice') return false;
  switch (op) {
    case 'Transpose': {
      const perm = attrInts(node, 'perm') ?? identity(L.length).reverse();
      return next(perm.map((p) => L[p]));
    }
    case 'Squeeze': {
      const axes = (axesOf(g, node, 13) ?? []).map((a) => norm(a, L.length));
      if (r.rnn.dirs !== 1 || axes.length !== 1 || axes[0] !== dAxis) {
        fail(node, 'only the directions axis of a one-direction output can be squeezed here');
      }
      return next(L.filter((_, i) => i !== dAxis));
    }
    case 'Gather': {
      const idx = g.constant(node, 1, 'indices');
      const axis = norm(attrI(node, 'axis', 0), L.length);
      if (r.rnn.dirs !== 1 || axis !== dAxis || idx.dims.length !== 0 || ![0, -1].includes(idx.data[0])) {
        fail(node, 'only a scalar Gather of the single direction of a recurrent output is supported');
      }
      return next(L.filter((_, i) => i !== dAxis));
    }
    case 'Reshape':
    case 'Flatten': {
      // Joining the directions axis with the units axis that follows it is Keras's concat merge.
      let merged: (Label | 'DH')[] | undefined;
      if (dAxis >= 0 && L[dAxis + 1] === 'H' && r.rnn.dirs === 2) merged = [...L.slice(0, dAxis), 'DH', ...L.slice(dAxis + 2)];
      if (r.rnn.dirs === 1 && dAxis >= 0) merged = L.filter((_, i) => i !== dAxis);
      if (!merged) return fail(node, `cannot reshape a recurrent output with axes [${L}] into a Loom layer's output`);
      if (op === 'Flatten') {
        if (norm(attrI(node, 'axis', 1), L.length) !== merged.length - 1 || merged.length !== 2) {
          fail(node, 'this Flatten does not merge the directions into the units');
        }
      } else {
        const shape = ints(g.constant(node, 1, 'shape'));
        if (shape.length !== merged.length || shape.filter((d) => d === -1).length > 1) {
          fail(node, `shape [${shape}] does not merge the directions into the units`);
        }
      }
      return next(merged, r.rnn.dirs === 2 ? { merge: 'concat' } : {});
    }
    case 'ReduceSum':
    case 'ReduceMean':
    case 'ReduceProd': {
      const axes = (axesOf(g, node, op === 'ReduceSum' ? 13 : 18) ?? []).map((a) => norm(a, L.length));
      if (axes.length !== 1 || axes[0] !== dAxis || attrI(node, 'keepdims', 1) !== 0 || r.rnn.dirs !== 2) {
        fail(node, 'only a keepdims=0 reduction over the directions axis of a bidirectional output is supported');
      }
      return next(L.filter((_, i) => i !== dAxis), { merge: op === 'ReduceSum' ? 'sum' : op === 'ReduceMean' ? 'ave' : 'mul' });
    }
    case 'Slice': {
      const arg = (i: number) => (node.input?.[i] ? ints(g.constant(node, i, 'slice argument')) : undefined);
      const [starts, ends, axes, steps] = [1, 2, 3, 4].map(arg);
      const axis = norm((axes ?? [0])[0], L.length);
      const reversal = starts?.length === 1 && starts[0] === -1 && ends?.length === 1 && ends[0] <= -(2 ** 31) && steps?.[0] === -1;
      if (!reversal || L[axis] !== 'T') {
        fail(node, 'only a reversal of the steps axis (starts -1, steps -1) of a recurrent output is supported');
      }
      return next(L, { reversed: !r.reversed });
    }
    default:
      return false;
  }
}

const MERGES: Record<string, string> = {
  Add: 'Add', Sum: 'Add', Mul: 'Multiply', Sub: 'Subtract', Mean: 'Average', Max: 'Maximum', Min: 'Minimum',
};

/** Pass 1 over one node. */
export function readNode(g: GraphReader, node: OnnxNode): void {
  const op = node.opType ?? '';
  if (node.domain && node.domain !== 'ai.onnx') {
    fail(node, `ops of domain '${node.domain}' are not supported (only the default ONNX domain)`);
  }
  const out = node.output?.[0];
  if (!node.output?.some((o) => o)) fail(node, 'has no output');
  const set = (r: Ref) => g.refs.set(out!, r);
  const first = node.input?.[0] ? g.refs.get(node.input[0]) : undefined;
  if (first?.kind === 'rnn' && readRnnStructure(g, node, first)) return;
  const ins = (node.input ?? []).map((i) => (i ? g.refs.get(i) : undefined));
  const onShapes = ins.some((r) => r?.kind === 'shape') && ins.every((r) => !r || r.kind === 'shape' || r.kind === 'const');
  if (op === 'Shape' || (SHAPE_OPS.has(op) && onShapes)) {
    set({ kind: 'shape' });
    return;
  }
  const zeros = ins[0]?.kind === 'zeros' || (ins[0]?.kind === 'const' && ins[0].data.every((v) => v === 0));
  if (op === 'ConstantOfShape' || (op === 'Expand' && zeros)) {
    const v = attr(node, 'value')?.t;
    if (v && readTensor(v, `ConstantOfShape '${node.name}'`).data.some((x) => x !== 0)) {
      fail(node, 'only zeros (initial states) are supported');
    }
    if (op === 'Expand' && ins[1]?.kind !== 'shape' && ins[1]?.kind !== 'const') {
      fail(node, 'the shape must be a constant or computed from shapes');
    }
    set({ kind: 'zeros' });
    return;
  }
  if (op === 'Constant') {
    const a = attr(node, 'value');
    if (!a?.t) fail(node, 'only Constant nodes with a tensor value are supported');
    set(readTensor(a!.t!, `Constant '${node.name}'`));
    return;
  }
  if (op === 'Identity' || op === 'Dropout') {
    if (op === 'Dropout' && node.output?.[1]) fail(node, 'the mask output is not supported');
    set(g.ref(node, 0));
    return;
  }
  const act = activationOf(node, (i) => g.optionalConstant(node, i));
  if (act !== undefined) {
    const x = g.loom(node, 0);
    set({ kind: 'loom', id: g.spec(node, 'Activation', { activation: act }, [x.id], g.values[x.id].rank), perm: x.perm });
    return;
  }
  switch (op) {
    case 'Softmax':
    case 'LogSoftmax': {
      const x = g.loom(node, 0);
      const rank = g.values[x.id].rank;
      const axis = norm(attrI(node, 'axis', g.opset >= 13 ? -1 : 1), x.perm.length);
      // Before opset 13 the op flattens from `axis`; that is a last-axis softmax only when axis is the last one.
      if (x.perm[axis] !== rank - 1 || (g.opset < 13 && axis !== x.perm.length - 1)) {
        fail(node, `axis ${axis} is not the last Loom axis (Loom's softmax runs over the last axis)`);
      }
      const activation = op === 'Softmax' ? 'softmax' : 'logSoftmax';
      set({ kind: 'loom', id: g.spec(node, 'Activation', { activation }, [x.id], rank), perm: x.perm });
      return;
    }
    case 'Gemm': {
      const a = g.loom(node, 0);
      if (attrI(node, 'transA', 0) !== 0) fail(node, 'transA 1 is not supported');
      if (a.flatFrom === undefined) g.plain(node, 0, 'Gemm');
      const B = g.constant(node, 1, 'the weight matrix B');
      const C = g.optionalConstant(node, 2);
      const alpha = attrF(node, 'alpha', 1);
      const beta = attrF(node, 'beta', 1);
      const [r0, c0] = B.dims;
      const transB = attrI(node, 'transB', 0) !== 0;
      const [inDim, units] = transB ? [c0, r0] : [r0, c0];
      const k = transB ? transpose2d(Float32Array.from(B.data), r0, c0) : Float32Array.from(B.data);
      if (alpha !== 1) for (let i = 0; i < k.length; i++) k[i] *= alpha;
      const weights = [{ data: k, shape: [inDim, units] }];
      if (C) {
        if (C.data.length !== units && C.data.length !== 1) {
          fail(node, `C has shape [${C.dims}]; valid: [${units}], [1, ${units}] or a scalar`);
        }
        weights.push({ data: Float32Array.from({ length: units }, (_, i) => beta * C.data[C.data.length === 1 ? 0 : i]), shape: [units] });
      }
      const id = g.spec(node, 'Dense', { units, activation: 'linear', useBias: !!C }, [a.id], 2, weights, { rowsFrom: a.flatFrom });
      set({ kind: 'loom', perm: [0, 1], id });
      return;
    }
    case 'MatMul': {
      const a = g.loom(node, 0);
      if (a.flatFrom === undefined) g.plain(node, 0, 'MatMul');
      const B = g.constant(node, 1, 'the weight matrix (input 1)');
      if (B.dims.length !== 2) fail(node, `the weight matrix has shape [${B.dims}]; valid: [in, units]`);
      const rank = g.values[a.id].rank;
      const id = g.spec(node, 'Dense', { units: B.dims[1], activation: 'linear', useBias: false }, [a.id], rank,
        [{ data: Float32Array.from(B.data), shape: B.dims }], { rowsFrom: a.flatFrom });
      set({ kind: 'loom', perm: identity(rank), id });
      return;
    }
    case 'Conv': readConv(g, node, undefined); return;
    case 'MaxPool':
    case 'AveragePool': readConv(g, node, op); return;
    case 'LSTM':
    case 'GRU':
    case 'RNN': readRecurrent(g, node); return;
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
    case 'ReduceMean':
    case 'ReduceMax': {
      const x = g.loom(node, 0);
      const global = op.startsWith('Global');
      const axes = global ? [2] : (axesOf(g, node, 18) ?? []).map((a) => norm(a, x.perm.length));
      const keep = global || attrI(node, 'keepdims', 1) !== 0;
      if (g.values[x.id].rank !== 3 || axes.length !== 1 || x.perm[axes[0]] !== 1 || x.perm[0] !== 0) {
        fail(node, 'only a reduction over the steps axis of a [batch, steps, channels] tensor (global 1-D pooling) is supported');
      }
      const cls = op === 'GlobalMaxPool' || op === 'ReduceMax' ? 'GlobalMaxPooling1D' : 'GlobalAveragePooling1D';
      const id = g.spec(node, cls, {}, [x.id], 2);
      // Loom [batch, channels]: its dims in the ONNX order, the reduced axis a unit dim (−1) when kept.
      const perm = x.perm.flatMap((p, i) => (i === axes[0] ? (keep ? [-1] : []) : [p === 2 ? 1 : p]));
      set({ kind: 'loom', id, perm });
      return;
    }
    case 'Transpose': {
      const x = g.loom(node, 0);
      const perm = attrInts(node, 'perm') ?? identity(x.perm.length).reverse();
      set({ ...x, perm: perm.map((p) => x.perm[p]) });
      return;
    }
    case 'Squeeze':
    case 'Unsqueeze': {
      const x = g.loom(node, 0);
      const rankOut = x.perm.length + (op === 'Unsqueeze' ? (axesOf(g, node, 13) ?? []).length : -(axesOf(g, node, 13) ?? []).length);
      const axes = (axesOf(g, node, 13) ?? []).map((a) => norm(a, op === 'Squeeze' ? x.perm.length : rankOut));
      if (op === 'Squeeze') {
        if (!axes.length || axes.some((a) => x.perm[a] !== -1)) {
          fail(node, 'only unit axes left by a keepdims reduction can be squeezed (Loom keeps its tensor ranks)');
        }
        set({ ...x, perm: x.perm.filter((_, i) => !axes.includes(i)) });
      } else {
        const perm = [...x.perm];
        for (const a of [...axes].sort((p, q) => p - q)) perm.splice(a, 0, -1);
        set({ ...x, perm });
      }
      return;
    }
    case 'Flatten':
    case 'Reshape': {
      const x = g.loom(node, 0);
      const real = x.perm.filter((p) => p !== -1);
      const rank = g.values[x.id].rank;
      let flat: boolean;
      let target: number[] | undefined;
      if (op === 'Flatten') {
        if (norm(attrI(node, 'axis', 1), x.perm.length) !== 1) fail(node, 'only axis 1 (keep the batch) is supported');
        flat = true;
      } else {
        const shape = ints(g.constant(node, 1, 'shape'));
        if (attrI(node, 'allowzero', 0) !== 0) fail(node, 'allowzero 1 is not supported');
        if (shape.length === 0 || ![0, -1].includes(shape[0]) || shape.slice(1).some((d) => d === 0 || d < -1) ||
            shape.filter((d) => d === -1).length > 1) {
          fail(node, `shape [${shape}] must keep the batch (first entry 0 or -1) and give the other dims as positive numbers ` +
            '(at most one -1)');
        }
        flat = shape.length === 2;
        target = shape.slice(1);
        if (shape[0] === -1 && !flat) fail(node, `shape [${shape}]: with -1 for the batch the other dims must be one (flatten)`);
      }
      if (real[0] !== 0) fail(node, 'the batch must stay the first axis');
      const ordered = same(real, identity(rank));
      if (flat && ordered && rank === 2) { set({ kind: 'loom', id: x.id, perm: [0, 1] }); return; }
      if (flat && ordered) { set({ kind: 'loom', id: g.spec(node, 'Flatten', {}, [x.id], 2), perm: [0, 1] }); return; }
      if (flat && rank === 3 && same(real, CHANNELS_FIRST)) {
        // PyTorch's Conv → Flatten: channel-major order; the dense after it takes permuted kernel rows.
        set({ kind: 'loom', id: g.spec(node, 'Flatten', {}, [x.id], 2), perm: [0, 1], flatFrom: x.id });
        return;
      }
      if (!ordered || !target || x.perm.length !== rank) {
        fail(node, `reshapes a transposed view (ONNX dims = Loom dims [${x.perm}]), which Loom cannot express`);
      }
      const rankOut = target!.length + 1;
      set({ kind: 'loom', id: g.spec(node, 'Reshape', { targetShape: target }, [x.id], rankOut), perm: identity(rankOut) });
      return;
    }
    case 'Concat': {
      const xs = (node.input ?? []).map((_, i) => g.loom(node, i));
      const p = xs[0].perm;
      if (xs.some((x) => !same(x.perm, p)) || p.includes(-1)) fail(node, 'its inputs must share one layout without unit axes');
      const axis = p[norm(attrI(node, 'axis', 0), p.length)];
      if (axis === 0) fail(node, 'concatenation along the batch axis is not a Loom layer');
      const id = g.spec(node, 'Concatenate', { axis }, xs.map((x) => x.id), g.values[xs[0].id].rank, [], { listInput: true });
      set({ kind: 'loom', id, perm: p });
      return;
    }
    case 'Add':
    case 'Sum':
    case 'Mul':
    case 'Sub':
    case 'Mean':
    case 'Max':
    case 'Min': {
      const refs = (node.input ?? []).map((_, i) => g.ref(node, i));
      const c = refs.findIndex((r) => r.kind === 'const' || r.kind === 'zeros');
      if (refs[c]?.kind === 'zeros') fail(node, `${op} with a run-time zeros tensor is not a Loom layer`);
      if (op === 'Add' && refs.length === 2 && c >= 0) {
        // x + constant: the bias of the dense/conv before it (fused in pass 2).
        const x = g.loom(node, 1 - c);
        const b = refs[c] as Const;
        const rank = g.values[x.id].rank;
        if (b.dims.slice(0, -1).some((d) => d !== 1) || x.perm[x.perm.length - 1] !== rank - 1) {
          fail(node, `adds a constant of shape [${b.dims}] that is not a bias over the last Loom axis`);
        }
        const bias = [{ data: Float32Array.from(b.data), shape: [b.data.length] }];
        set({ kind: 'loom', id: g.spec(node, 'BiasAdd', {}, [x.id], rank, bias), perm: x.perm });
        return;
      }
      if (c >= 0) fail(node, `${op} with a constant operand is not a Loom layer (only x + bias after MatMul/Conv)`);
      if (refs.length < 2 || (op === 'Sub' && refs.length !== 2)) fail(node, `needs ${op === 'Sub' ? 'two' : 'at least two'} inputs`);
      const xs = refs.map((_, i) => g.loom(node, i));
      const p = xs[0].perm;
      if (xs.some((x) => !same(x.perm, p)) || p.includes(-1)) fail(node, 'its inputs must share one layout without unit axes');
      const id = g.spec(node, MERGES[op], {}, xs.map((x) => x.id), g.values[xs[0].id].rank, [], { listInput: true });
      set({ kind: 'loom', id, perm: p });
      return;
    }
    default:
      fail(node, `op type '${op}' is not supported; valid: Gemm, MatMul (+ Add), Conv, MaxPool, AveragePool, GlobalAveragePool, ` +
        'GlobalMaxPool, ReduceMean, ReduceMax, LSTM, GRU, RNN, Relu, Tanh, Sigmoid, Softmax, LogSoftmax, Elu, Selu, LeakyRelu, ' +
        'HardSigmoid, Softplus, Softsign, Gelu, Clip, Erf (gelu), Flatten, Reshape, Transpose, Squeeze, Concat, Add, Sum, Mul, Sub, ' +
        'Mean, Max, Min, Identity, Dropout, Constant');
  }
}
