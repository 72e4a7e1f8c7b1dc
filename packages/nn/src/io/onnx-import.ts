// ONNX → Loom. Pass 1 (onnx-read.ts) describes every ONNX value in Loom terms and collects layer specs
// as plain data; pass 2 here fuses bias adds and activations into the dense/conv1d before them; pass 3
// creates the layers and the model. Nothing is allocated before pass 3, and pass 3 disposes what it
// made if anything fails.

import * as core from '@loom/core';
import { deserializeLayer } from '../layers/classes.js';
import { input as symbolicInput } from '../layers/core-layers.js';
import type { Layer, LayerShape, SymbolicTensor } from '../layers/layer.js';
import { Functional } from '../models/functional.js';
import type { Model } from '../models/model.js';
import { Sequential } from '../models/sequential.js';
import { samePads } from './onnx-export.js';
import {
  attr, attrI, CHANNELS_FIRST, fail, fuseCompositeActivations, GraphReader, identity, readNode, readTensor, same,
  type Const, type LoomRef, type Spec,
} from './onnx-read.js';
import { modelProto, ONNX_DTYPE, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxValueInfo } from './onnx-schema.js';

/** Pass 2: a bias add or activation right after a linear dense/conv1d that nothing else reads joins that layer. */
function fuse(specs: Spec[], outputs: Set<number>): Map<number, number> {
  const uses = new Map<number, number>();
  for (const s of specs) for (const i of s.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  const producer = new Map<number, Spec>();
  const alias = new Map<number, number>();
  const resolve = (id: number): number => alias.get(id) ?? id;
  for (const s of specs) {
    s.inputs = s.inputs.map(resolve);
    const p = s.inputs.length === 1 ? producer.get(s.inputs[0]) : undefined;
    const alone = p && uses.get(p.out) === 1 && !outputs.has(p.out) && (p.className === 'Dense' || p.className === 'Conv1D');
    if (s.className === 'BiasAdd') {
      if (!alone || p!.config.useBias || p!.config.activation !== 'linear') {
        throw new Error(`importOnnx: node '${s.node}' adds a constant that is not the bias of a MatMul/Gemm/Conv right before it`);
      }
      const units = (p!.config.units ?? p!.config.filters) as number;
      const b = s.weights[0].data;
      if (b.length !== units && b.length !== 1) {
        throw new Error(`importOnnx: node '${s.node}' adds a bias of ${b.length} values to ${units} units`);
      }
      p!.weights.push({ data: b.length === units ? b : new Float32Array(units).fill(b[0]), shape: [units] });
      p!.config.useBias = true;
    } else if (s.className === 'Activation' && alone && p!.config.activation === 'linear') {
      p!.config.activation = s.config.activation;
    } else {
      producer.set(s.out, s);
      continue;
    }
    s.dead = true;
    alias.set(s.out, p!.out);
    uses.set(p!.out, uses.get(s.out) ?? 0);
    if (outputs.has(s.out)) outputs.add(p!.out);
  }
  // Chains of fusions (bias, then activation) resolve to the layer that absorbed them all.
  for (const [k, v] of alias) alias.set(k, resolve(v));
  return alias;
}

/** The Loom padding for resolved pads, or an error naming the node. */
function paddingFor(s: Spec, len: number | null): string {
  const p = s.pads!;
  if (p.pads === 'same') return 'same';
  const [a, b] = p.pads;
  if (a === 0 && b === 0) return 'valid';
  if (p.causalOk && a === (p.k - 1) * p.dilation && b === 0) return 'causal';
  const sp = samePads(p.stride === 1 ? 1 : len, p.k, p.stride, p.dilation);
  if (sp && sp[0] === a && sp[1] === b) return 'same';
  throw new Error(`importOnnx: node '${s.node}': pads [${a}, ${b}] for window ${p.k} (stride ${p.stride}, dilation ${p.dilation}) on ` +
    `${len ?? 'an unknown number of'} steps are none of Loom's paddings (valid [0, 0], ` +
    `${p.causalOk ? `causal [${(p.k - 1) * p.dilation}, 0], ` : ''}` +
    `same ${sp ? `[${sp}]` : '(needs a known length)'})`);
}

/** The kernel rows of a dense after a channels-first flatten, reordered from channel-major to Loom's step-major order. */
function permuteRows(k: Float32Array, units: number, steps: number, channels: number): Float32Array {
  const out = new Float32Array(k.length);
  for (let l = 0; l < steps; l++) {
    for (let c = 0; c < channels; c++) {
      out.set(k.subarray((c * steps + l) * units, (c * steps + l + 1) * units), (l * channels + c) * units);
    }
  }
  return out;
}

function shapeOf(info: OnnxValueInfo): LayerShape | undefined {
  const dims = info.type?.tensorType?.shape?.dim;
  if (!dims) return undefined;
  return dims.map((d) => (d.dimValue !== undefined && Number(d.dimValue) > 0 ? Number(d.dimValue) : null));
}

/** Pass 3: the layers and the model. */
function build(g: GraphReader, specs: Spec[], outputs: LoomRef[], outputNames: string[], name: string): Model {
  const live = specs.filter((s) => !s.dead);
  const created: Layer[] = [];
  const weightTensors: core.Tensor[] = [];
  let model: Model | undefined;
  try {
    const uses = new Map<number, number>();
    for (const s of live) for (const i of s.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
    for (const o of outputs) uses.set(o.id, (uses.get(o.id) ?? 0) + 1);
    const chain = g.inputs.length === 1 && outputs.length === 1 && live.every((s, i) => !s.listInput && s.inputs.length === 1 &&
      s.inputs[0] === (i === 0 ? g.inputs[0].id : live[i - 1].out) && uses.get(s.inputs[0]) === 1) &&
      outputs[0].id === (live.length ? live[live.length - 1].out : g.inputs[0].id);
    const shapes = new Map<number, LayerShape>();
    const syms = new Map<number, SymbolicTensor>();
    for (const inp of g.inputs) shapes.set(inp.id, inp.shape);
    const taken = new Set<string>();
    if (!chain) {
      for (const inp of g.inputs) {
        syms.set(inp.id, symbolicInput({ shape: inp.shape.slice(1) as number[], name: uniqueName(inp.name, taken) }));
      }
    }
    const layers: Layer[] = [];
    for (const s of live) {
      const inShape = shapes.get(s.inputs[0])!;
      const config: Record<string, unknown> = { ...s.config, name: uniqueName(s.node, taken) };
      if (s.pads) config.padding = paddingFor(s, inShape[1] ?? null);
      if (chain && layers.length === 0) config.batchInputShape = inShape;
      const layer = deserializeLayer({ className: s.className, config });
      created.push(layer);
      layers.push(layer);
      if (s.rowsFrom !== undefined) {
        const [, steps, channels] = shapes.get(s.rowsFrom)!;
        if (steps === null || channels === null) {
          throw new Error(`importOnnx: node '${s.node}' follows a flatten of a tensor whose length is unknown`);
        }
        s.weights[0] = { data: permuteRows(s.weights[0].data, s.weights[0].shape[1], steps, channels), shape: s.weights[0].shape };
      }
      const ins = s.inputs.map((i) => shapes.get(i)!);
      const outShape = layer.computeOutputShape(s.listInput ? ins : ins[0]) as LayerShape;
      shapes.set(s.out, outShape);
      if (!chain) {
        const sym = layer.apply(s.listInput ? s.inputs.map((i) => syms.get(i)!) : syms.get(s.inputs[0])!) as SymbolicTensor;
        syms.set(s.out, sym);
      }
    }
    if (chain && live.length === 0) {
      // A graph that only passes its input through becomes one linear activation.
      const config = { activation: 'linear', batchInputShape: g.inputs[0].shape, name: uniqueName(outputNames[0], taken) };
      const layer = deserializeLayer({ className: 'Activation', config });
      created.push(layer);
      layers.push(layer);
    }
    model = chain
      ? new Sequential({ layers, name })
      : new Functional({ inputs: g.inputs.map((i) => syms.get(i.id)!), outputs: outputs.map((o) => syms.get(o.id)!), name });
    live.forEach((s, i) => {
      const vars = layers[i].weights;
      if (vars.length !== s.weights.length) {
        throw new Error(`importOnnx: node '${s.node}' gives ${s.weights.length} weights but the ${s.className} layer has ${vars.length}`);
      }
      vars.forEach((v, j) => {
        const w = s.weights[j];
        if (!same(w.shape, v.shape)) {
          throw new Error(`importOnnx: node '${s.node}': weight ${j} has shape [${w.shape}] but the ${s.className} layer ` +
            `needs [${v.shape}]`);
        }
        const t = core.tensor(w.data, w.shape);
        weightTensors.push(t);
        v.assign(t);
      });
    });
    return model;
  } catch (e) {
    if (model) model.dispose();
    else for (const l of created) l.dispose();
    throw e;
  } finally {
    core.dispose(weightTensors);
  }
}

/**
 * A layer name from a node name: its scope ('dense' of 'dense/Gemm', 'fc1' of PyTorch's '/fc1/Gemm'),
 * made of safe characters and unique among `taken`.
 */
function uniqueName(node: string, taken: Set<string>): string {
  const parts = node.split('/').filter((p) => p !== '');
  const scope = parts.length > 1 ? parts.slice(0, -1).join('_') : (parts[0] ?? 'layer');
  const clean = scope.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '') || 'layer';
  let name = clean;
  for (let i = 1; taken.has(name); i++) name = `${clean}_${i}`;
  taken.add(name);
  return name;
}

/** Decodes ONNX bytes; anything that is not a ModelProto with a graph is reported as such. */
async function decode(bytes: Uint8Array | ArrayBuffer): Promise<OnnxModel> {
  if (!(bytes instanceof Uint8Array) && !(bytes instanceof ArrayBuffer)) {
    throw new Error(`importOnnx: expected the model bytes as a Uint8Array or ArrayBuffer, got ${bytes === null ? 'null' : typeof bytes}`);
  }
  const buf = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const Proto = await modelProto();
  let decoded: OnnxModel;
  try {
    decoded = Proto.toObject(Proto.decode(buf), { longs: Number, arrays: true, defaults: false }) as OnnxModel;
  } catch (e) {
    throw new Error(`importOnnx: not an ONNX model: the bytes do not parse as an ONNX ModelProto (${(e as Error).message}); ` +
      'the file may be truncated or of another format');
  }
  const g = decoded.graph;
  if (!decoded.irVersion || !g || !(g.output ?? []).length) {
    const missing = !decoded.irVersion ? 'an IR version' : 'a graph with outputs';
    throw new Error(`importOnnx: not an ONNX model: ${buf.length} bytes without ${missing}`);
  }
  return decoded;
}

/** Reads ONNX bytes into a Sequential model (a chain) or a functional one. */
export async function readOnnx(bytes: Uint8Array | ArrayBuffer): Promise<Model> {
  const m = await decode(bytes);
  const graph = m.graph as OnnxGraph;
  const opset = (m.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
  if (opset === undefined) throw new Error('importOnnx: the model imports no default-domain opset');
  if (opset < 7) throw new Error(`importOnnx: opset ${opset} is too old; valid: 7 or later`);
  const g = new GraphReader(Number(opset));
  const consts = new Map<string, Const>();
  for (const t of graph.initializer ?? []) {
    const c = readTensor(t, 'initializer');
    consts.set(t.name!, c);
    g.refs.set(t.name!, c);
  }
  const nodes0 = graph.node ?? [];
  for (const n of nodes0) {
    if (n.opType === 'Constant' && attr(n, 'value')?.t) consts.set(n.output![0], readTensor(attr(n, 'value')!.t!, `Constant '${n.name}'`));
  }
  const uses = new Map<string, number>();
  for (const n of nodes0) for (const i of n.input ?? []) if (i) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of graph.output ?? []) uses.set(o.name!, (uses.get(o.name!) ?? 0) + 1);
  const nodes = fuseCompositeActivations(nodes0, consts, uses);
  // Graph inputs (those that are not initializers, which older files also list as inputs).
  const realInputs = (graph.input ?? []).filter((i) => !consts.has(i.name!));
  if (!realInputs.length) throw new Error('importOnnx: the graph has no inputs (only initializers)');
  realInputs.forEach((info, k) => {
    const shape = shapeOf(info);
    if (!shape || shape.length < 2) {
      throw new Error(`importOnnx: graph input '${info.name}' needs a known rank of at least 2 ([batch, ...]), ` +
        `got ${shape ? `[${shape}]` : 'no shape'}`);
    }
    if (info.type?.tensorType?.elemType !== ONNX_DTYPE.FLOAT) {
      throw new Error(`importOnnx: graph input '${info.name}' must be float32 (ONNX type 1), got type ${info.type?.tensorType?.elemType}`);
    }
    // An input read straight by Conv/Pool is channels-first, one read straight by a time-major LSTM is [steps, batch, features]:
    // the Loom model takes it channels-last, batch first.
    const readers = nodes.filter((n) => n.input?.[0] === info.name).map((n) => n.opType);
    let perm = identity(shape.length);
    const channelsFirst = readers.some((r) => ['Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool'].includes(r!));
    const timeMajor = nodes.some((n) => n.input?.[0] === info.name && ['LSTM', 'GRU', 'RNN'].includes(n.opType!) &&
      attrI(n, 'layout', 0) === 0);
    if (shape.length === 3 && channelsFirst) perm = CHANNELS_FIRST;
    else if (shape.length === 3 && timeMajor) perm = [1, 0, 2];
    const loomShape = identity(shape.length).map((j) => shape[perm.indexOf(j)]);
    const id = g.newValue(shape.length, k);
    g.inputs.push({ name: info.name!, shape: [null, ...loomShape.slice(1)], id });
    g.refs.set(info.name!, { kind: 'loom', id, perm });
  });
  for (const n of nodes) readNode(g, n);
  const outNames = (graph.output ?? []).map((o) => o.name!);
  const outs = outNames.map((name) => {
    const r = g.refs.get(name);
    const pseudo: OnnxNode = { name: `graph output '${name}'`, opType: 'output', input: [name] };
    if (!r) return fail(pseudo, 'no node produces it');
    if (r.kind === 'const' || r.kind === 'zeros' || r.kind === 'shape') {
      return fail(pseudo, 'it is a constant or computed from shapes only');
    }
    const l = r.kind === 'rnn' ? g.materialize(pseudo, r) : r;
    if (l.flatFrom !== undefined || !same(l.perm, identity(g.values[l.id].rank))) {
      fail(pseudo, `it is a transposed view of a Loom tensor (ONNX dims = Loom dims [${l.perm}]); Loom models output ` +
        'channels-last tensors');
    }
    return l;
  });
  const alias = fuse(g.specs, new Set(outs.map((o) => o.id)));
  const resolved = outs.map((o) => ({ ...o, id: alias.get(o.id) ?? o.id }));
  return build(g, g.specs, resolved, outNames, graph.name || 'onnx_model');
}
