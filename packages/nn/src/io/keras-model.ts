// Whole models in Keras's layout, both dialects: Sequential and functional topologies converted to
// and from Loom's, and every Loom weight paired with where Keras keeps it — a TF.js weight name
// (`lstm/recurrent_kernel`, `bidirectional/forward_gru/kernel`) and a Keras 3 variable path
// (`layers/lstm/cell/vars/1`). The container formats (tfjs.ts, keras.ts) only move bytes.

import { serializeLayer, type Layer, type LayerJSON, type LayerShape } from '../layers/layer.js';
import { instantiateModel, type WeightSpec } from '../models/io.js';
import type { Model } from '../models/model.js';
import { given } from '../validate.js';
import {
  kerasClassSnake, kerasWeightPaths, layerFromKeras, layerToKeras, type Dialect, type KerasObject,
} from './keras-config.js';

/** Where one Loom weight lives in Keras files. */
export interface WeightRef {
  /** TF.js / Keras 2 weight name, e.g. `bidirectional/forward_gru/kernel`. */
  tfjsName: string;
  /** Keras 3 `.keras` variable path in `model.weights.h5`, e.g. `layers/lstm/cell/vars/0`. */
  h5Path: string;
  /** Keras 3 variable path (safetensors keys), e.g. `lstm/lstm_cell/kernel`. */
  variablePath: string;
  layer: string;
  shape: number[];
  /** Stored as an integer dataset (Normalization's count). */
  int?: boolean;
  /** The value, when the layer's config gives it and files store nothing (Normalization with mean/variance). */
  value?: Float32Array;
}

/** A statistic a layer's config gives (a number for every entry, or one per entry); count is 0. */
function configValue(config: Record<string, unknown>, leaf: string, shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = leaf === 'count' ? 0 : config[leaf];
  const flat = Array.isArray(v) ? v.flat(Infinity) : [v];
  if (flat.length === 1) return new Float32Array(n).fill(Number(flat[0]));
  if (flat.length !== n) throw new Error(`importModel: the ${leaf} in the config has ${flat.length} entries but the layer needs ${n}`);
  return Float32Array.from(flat as number[]);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Each layer's group in a Keras 3 weights file: Keras names it by class (snake_case, numbered on
 * repeats) in its own layer order, not by the layer's name; a Sequential model's InputLayer is not
 * in its layer list. `order` (layer names) is the order of a file being read; default the model's.
 */
export function layerGroups(model: Model, order?: readonly string[]): { layer: Layer; group: string }[] {
  const sequential = model.className === 'Sequential';
  const layers = model.layers.filter((l) => !(sequential && l.className === 'InputLayer'));
  const ordered = order ? [...layers].sort((a, b) => rank(order, a.name) - rank(order, b.name)) : layers;
  const used = new Map<string, number>();
  const group = new Map<Layer, string>();
  for (const l of ordered) {
    const base = kerasClassSnake(l.className);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    group.set(l, `layers/${n === undefined ? base : `${base}_${n + 1}`}`);
  }
  return layers.map((layer) => ({ layer, group: group.get(layer)! }));
}

const rank = (order: readonly string[], name: string): number => {
  const i = order.indexOf(name);
  return i < 0 ? order.length : i;
};

/** The Keras references of a model's weights, in `model.weights` order. */
export function weightRefs(model: Model, order?: readonly string[]): WeightRef[] {
  const refs: WeightRef[] = [];
  for (const { layer, group } of layerGroups(model, order)) {
    const json = serializeLayer(layer);
    const paths = kerasWeightPaths(json);
    const vars = layer.weights;
    if (paths.length !== vars.length) {
      throw new Error(`exportModel: layer '${layer.name}' has ${vars.length} weights but its Keras form has ${paths.length}`);
    }
    const inner = json.config.layer as LayerJSON | undefined;
    let forward = 0;
    let backward = 0;
    paths.forEach((p, i) => {
      const leaf = p.path.split('/').pop()!;
      let h5: string;
      let variable: string;
      if (p.direction) {
        const k = p.direction === 'forward' ? forward++ : backward++;
        const innerName = `${layer.name}/${p.direction}_${String(inner!.config.name)}`;
        h5 = `${group}/${p.direction}_layer/${p.cell ? 'cell/' : ''}vars/${k}`;
        variable = `${innerName}/${p.cell ? `${kerasClassSnake(inner!.className)}_cell/` : ''}${leaf}`;
      } else if (inner) {
        h5 = `${group}/layer/${p.cell ? 'cell/' : ''}vars/${i}`;
        variable = `${layer.name}/${String(inner.config.name)}/${p.cell ? `${kerasClassSnake(inner.className)}_cell/` : ''}${leaf}`;
      } else {
        h5 = `${group}/${p.cell ? 'cell/' : ''}vars/${i}`;
        variable = `${layer.name}/${p.cell ? `${kerasClassSnake(layer.className)}_cell/` : ''}${leaf}`;
      }
      const shape = [...vars[i].shape];
      refs.push({
        tfjsName: `${layer.name}/${p.path}`, h5Path: h5, variablePath: variable, layer: layer.name, shape,
        ...(p.int ? { int: true } : {}), ...(p.fromConfig ? { value: configValue(json.config, leaf, shape) } : {}),
      });
    });
  }
  return refs;
}

// ---- Loom → Keras -----------------------------------------------------------------------------

type NodeJSON = { layer: number; inputs: [number, number][]; listInput: boolean };
interface FunctionalJSON { name: string; layers: LayerJSON[]; nodes: NodeJSON[]; inputs: [number, number][]; outputs: [number, number][] }

const asList = (s: LayerShape | LayerShape[]): LayerShape[] => (Array.isArray(s[0]) ? (s as LayerShape[]) : [s as LayerShape]);

/** The model's Keras topology: `{ class_name, config }` (Keras 3 adds module, build_config, ...). */
export function modelToKeras(model: Model, dialect: Dialect): KerasObject {
  const topo = model.topology() as { className: string; config: Record<string, unknown> };
  const layerObjects = model.layers;
  if (topo.className === 'Sequential') {
    const jsons = topo.config.layers as LayerJSON[];
    const entries: KerasObject[] = [];
    let shape = model.inputShapes![0];
    if (dialect === 'keras3') {
      entries.push(layerToKeras({ className: 'InputLayer', config: { name: 'input_layer', batchInputShape: shape } }, dialect).entry);
    }
    jsons.forEach((json, i) => {
      const { entry } = layerToKeras(json, dialect);
      if (dialect === 'keras3') {
        delete entry.config.batch_input_shape;
        entry.build_config = { input_shape: shape };
      }
      entries.push(entry);
      shape = layerObjects[i].computeOutputShape(shape) as LayerShape;
    });
    const config = { name: topo.config.name, trainable: true, layers: entries };
    return dialect === 'keras3'
      ? {
        module: 'keras', class_name: 'Sequential', config: { ...config, dtype: entries[1]?.config.dtype ?? 'float32', build_input_shape: model.inputShapes![0] },
        registered_name: null, build_config: { input_shape: model.inputShapes![0] },
      }
      : { class_name: 'Sequential', config };
  }
  return functionalToKeras(topo.config as unknown as FunctionalJSON, layerObjects, dialect);
}

function functionalToKeras(cfg: FunctionalJSON, layerObjects: Layer[], dialect: Dialect): KerasObject {
  // Keras refers to a tensor as [layer name, node index within that layer, output index].
  const nodeIndexInLayer: number[] = [];
  const seenPerLayer = new Map<number, number>();
  const nodeShapes: LayerShape[][] = [];
  for (const n of cfg.nodes) {
    const k = seenPerLayer.get(n.layer) ?? 0;
    seenPerLayer.set(n.layer, k + 1);
    nodeIndexInLayer.push(k);
    const layer = layerObjects[n.layer];
    if (layer.className === 'InputLayer') nodeShapes.push([layer.batchInputShape!]);
    else {
      const ins = n.inputs.map(([node, out]) => nodeShapes[node][out]);
      nodeShapes.push(asList(layer.computeOutputShape(n.listInput ? ins : ins[0])));
    }
  }
  const ref = ([node, out]: [number, number]): [string, number, number] =>
    [String(cfg.layers[cfg.nodes[node].layer].config.name), nodeIndexInLayer[node], out];
  const kerasTensor = (r: [number, number]): unknown => ({
    class_name: '__keras_tensor__', config: { shape: nodeShapes[r[0]][r[1]], dtype: 'float32', keras_history: ref(r) },
  });
  const layers = cfg.layers.map((json, li) => {
    const { entry } = layerToKeras(json, dialect);
    if (json.className === 'InputLayer') return { ...entry, name: json.config.name, inbound_nodes: [] };
    delete entry.config.batch_input_shape;
    const nodes = cfg.nodes.filter((n) => n.layer === li);
    const inbound = nodes.map((n) => {
      if (dialect === 'tfjs') return n.inputs.map((r) => [...ref(r), {}]);
      const args = n.inputs.map(kerasTensor);
      return { args: n.listInput ? [args] : args, kwargs: {} };
    });
    const extra = dialect === 'keras3' && nodes[0]
      ? { build_config: { input_shape: nodes[0].listInput ? nodes[0].inputs.map((r) => nodeShapes[r[0]][r[1]]) : nodeShapes[nodes[0].inputs[0][0]][nodes[0].inputs[0][1]] } }
      : {};
    return { ...entry, name: json.config.name, inbound_nodes: inbound, ...extra };
  });
  const ends = (list: [number, number][]): unknown => {
    const refs = list.map(ref);
    // Keras 3 writes a single input or output unwrapped, and a model called on one tensor expects that.
    return dialect === 'keras3' && refs.length === 1 ? refs[0] : refs;
  };
  const config = { name: cfg.name, trainable: true, layers, input_layers: ends(cfg.inputs), output_layers: ends(cfg.outputs) };
  return dialect === 'keras3'
    ? { module: 'keras.src.models.functional', class_name: 'Functional', config, registered_name: 'Functional' }
    : { class_name: 'Model', config };
}

// ---- Keras → Loom -----------------------------------------------------------------------------

/** A Keras topology (either dialect) as Loom's saved topology. */
export function modelFromKeras(topology: unknown, dialect: Dialect, where = 'importModel'): Record<string, unknown> {
  if (!isObject(topology) || typeof topology.class_name !== 'string' || !isObject(topology.config)) {
    throw new Error(`${where}: the model topology must be { class_name, config }, got ${JSON.stringify(topology)?.slice(0, 100)}`);
  }
  const cls = topology.class_name;
  const cfg = topology.config;
  const layerList = cfg.layers;
  if (!Array.isArray(layerList)) throw new Error(`${where}: the ${cls} config has no layers list`);
  if (cls === 'Sequential') return sequentialFromKeras(cfg, layerList, topology, dialect, where);
  if (cls === 'Model' || cls === 'Functional') return functionalFromKeras(cfg, layerList, dialect, where);
  throw new Error(`${where}: model class '${cls}' is not supported; valid: Sequential, Model, Functional`);
}

function sequentialFromKeras(
  cfg: Record<string, unknown>, entries: unknown[], topology: Record<string, unknown>, dialect: Dialect, where: string,
): Record<string, unknown> {
  let inputShape: unknown;
  const layers: LayerJSON[] = [];
  for (const e of entries) {
    const json = layerFromKeras(e, dialect, where);
    if (json.className === 'InputLayer') {
      inputShape = json.config.batchInputShape;
      continue;
    }
    layers.push(json);
  }
  if (layers.length === 0) throw new Error(`${where}: the Sequential model has no layers`);
  const first = layers[0].config;
  if (first.batchInputShape === undefined) {
    const build = isObject(topology.build_config) ? topology.build_config.input_shape : undefined;
    const shape = inputShape ?? cfg.build_input_shape ?? build;
    if (!Array.isArray(shape)) {
      throw new Error(`${where}: the Sequential model has no input shape (no InputLayer, batch_input_shape or build_config)`);
    }
    first.batchInputShape = shape;
  }
  return { className: 'Sequential', config: { name: cfg.name, layers } };
}

/** Keras's inbound node list of one layer as [[layer name, node index, output index], ...] per call. */
function inboundCalls(entry: Record<string, unknown>, where: string): { refs: [string, number, number][]; list: boolean }[] {
  const nodes = entry.inbound_nodes;
  if (!Array.isArray(nodes)) throw new Error(`${where}: layer '${String(entry.name)}' has no inbound_nodes list`);
  const asRef = (r: unknown): [string, number, number] => {
    const h = isObject(r) && isObject(r.config) ? r.config.keras_history : r;
    if (!Array.isArray(h) || typeof h[0] !== 'string' || !Number.isInteger(h[1]) || !Number.isInteger(h[2])) {
      throw new Error(`${where}: layer '${String(entry.name)}' has an invalid inbound reference ${JSON.stringify(r)?.slice(0, 80)}`);
    }
    return [h[0], h[1] as number, h[2] as number];
  };
  return nodes.map((node) => {
    if (isObject(node)) {
      // Keras 3: { args: [tensor] } or { args: [[tensor, tensor]] } for a merge layer.
      const args = Array.isArray(node.args) ? node.args : [];
      if (isObject(node.kwargs) && Object.keys(node.kwargs).some((k) => node.kwargs && (node.kwargs as Record<string, unknown>)[k] !== null)) {
        const keys = Object.keys(node.kwargs).filter((k) => (node.kwargs as Record<string, unknown>)[k] !== null);
        if (keys.some((k) => k !== 'training' && k !== 'mask')) {
          throw new Error(`${where}: layer '${String(entry.name)}' is called with keyword arguments ${keys.join(', ')}, which Loom does not support`);
        }
      }
      if (args.length === 1 && Array.isArray(args[0])) return { refs: (args[0] as unknown[]).map(asRef), list: true };
      return { refs: args.map(asRef), list: false };
    }
    if (!Array.isArray(node)) throw new Error(`${where}: layer '${String(entry.name)}' has an invalid inbound node`);
    return { refs: node.map(asRef), list: node.length > 1 };
  });
}

function functionalFromKeras(cfg: Record<string, unknown>, entries: unknown[], dialect: Dialect, where: string): Record<string, unknown> {
  const layers: LayerJSON[] = [];
  const index = new Map<string, number>();
  const calls: { refs: [string, number, number][]; list: boolean }[][] = [];
  entries.forEach((e, i) => {
    if (!isObject(e)) throw new Error(`${where}: layers[${i}] must be an object`);
    const json = layerFromKeras(e, dialect, where);
    const name = String(e.name ?? json.config.name);
    json.config.name = name;
    if (index.has(name)) throw new Error(`${where}: two layers are named '${name}'`);
    index.set(name, i);
    layers.push(json);
    calls.push(json.className === 'InputLayer' ? [] : inboundCalls(e, where));
  });
  // Loom's nodes in an order where every input comes first: repeatedly take calls whose inputs exist.
  const nodes: NodeJSON[] = [];
  const nodeOf = new Map<string, number>(); // "layer:call" → node index
  layers.forEach((l, i) => {
    if (l.className === 'InputLayer') {
      nodeOf.set(`${String(l.config.name)}:0`, nodes.length);
      nodes.push({ layer: i, inputs: [], listInput: false });
    }
  });
  const pending = calls.flatMap((cs, li) => cs.map((c, k) => ({ li, k, c })));
  while (pending.length) {
    const ready = pending.findIndex(({ c }) => c.refs.every(([name, k]) => nodeOf.has(`${name}:${k}`)));
    if (ready < 0) {
      const { li, c } = pending[0];
      const missing = c.refs.find(([name, k]) => !nodeOf.has(`${name}:${k}`))!;
      throw new Error(`${where}: layer '${String(layers[li].config.name)}' takes input from '${missing[0]}' (node ${missing[1]}), ` +
        'which is not a layer of the model or forms a cycle');
    }
    const { li, k, c } = pending.splice(ready, 1)[0];
    nodeOf.set(`${String(layers[li].config.name)}:${k}`, nodes.length);
    nodes.push({ layer: li, inputs: c.refs.map(([name, node, out]) => [nodeOf.get(`${name}:${node}`)!, out]), listInput: c.list });
  }
  const ends = (v: unknown, what: string): [number, number][] => {
    const list = Array.isArray(v) && typeof v[0] === 'string' ? [v] : v;
    if (!Array.isArray(list) || list.length === 0) throw new Error(`${where}: the model's ${what} must be a list of [layer, node, index]`);
    return list.map((r) => {
      const ok = Array.isArray(r) && typeof r[0] === 'string' && nodeOf.has(`${r[0]}:${r[1]}`) && Number.isInteger(r[2]);
      if (!ok) throw new Error(`${where}: the model's ${what} refer to ${given(r)}, which is not a layer output`);
      return [nodeOf.get(`${r[0]}:${r[1]}`)!, r[2] as number];
    });
  };
  return {
    className: 'Model',
    config: { name: cfg.name, layers, nodes, inputs: ends(cfg.input_layers, 'input_layers'), outputs: ends(cfg.output_layers, 'output_layers') },
  };
}

/** Builds a Loom model from a Keras topology, reading each weight through `read(ref)`. */
export function instantiateFromKeras(
  topology: unknown, dialect: Dialect, specs: readonly WeightSpec[],
  read: (ref: WeightRef) => Float32Array, where = 'importModel',
): Model {
  const loomTopology = modelFromKeras(topology, dialect, where);
  const layerList = (loomTopology.config as { layers: LayerJSON[] }).layers;
  const order = layerList.map((l) => String(l.config.name));
  // Statistics a Normalization's config gives are not in the file; allow them (within a sane size).
  const statsInConfig = new Set(layerList.filter((l) => l.className === 'Normalization' && l.config.mean !== undefined && l.config.mean !== null)
    .map((l) => String(l.config.name)));
  const allow = (layer: string, _weight: string, shape: readonly number[]): boolean =>
    statsInConfig.has(layer) && shape.reduce((a, b) => a * b, 1) <= 1 << 20;
  return instantiateModel(loomTopology, specs, (model) => {
    const refs = weightRefs(model, order);
    return refs.map((ref) => {
      const data = ref.value ?? read(ref);
      const n = ref.shape.reduce((a, b) => a * b, 1);
      if (data.length !== n) {
        throw new Error(`${where}: weight '${ref.tfjsName}' has ${data.length} values but layer '${ref.layer}' needs shape [${ref.shape}]`);
      }
      return data;
    });
  }, where, allow);
}
