// The TensorFlow.js Layers format both ways: `model.json` (Keras 2 topology + `weightsManifest`)
// with binary shards, or TF.js's in-memory `ModelArtifacts` ({ modelTopology, weightSpecs,
// weightData }) that `tf.io.fromMemory` and `model.save(tf.io.withSaveHandler(...))` use.
// Float32 and int32 weights, and the uint8 / uint16 / float16 quantization TF.js's converter writes.

import type { Model } from '../models/model.js';
import { weightValues, type WeightSpec } from '../models/io.js';
import { given } from '../validate.js';
import { compileConfigIn, compileConfigOut } from './compile-config.js';
import { halfToFloat } from './half.js';
import { instantiateFromKeras, modelToKeras, weightRefs } from './keras-model.js';

/** One weight as TF.js lists it. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool' | string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number; original_dtype?: string };
}

/** TF.js's in-memory model artifacts (what `tf.io.fromMemory` takes and save handlers receive). */
export interface TfjsArtifacts {
  modelTopology: Record<string, unknown>;
  weightSpecs: TfjsWeightSpec[];
  weightData: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: Record<string, unknown>;
}

/** The `model.json` a TF.js model is served as (weights in shard files named by `paths`). */
export interface TfjsModelJSON {
  modelTopology: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: Record<string, unknown>;
}

const GENERATED_BY = 'Loom @loom/nn';

// ---- export -----------------------------------------------------------------------------------

/** A model as TF.js artifacts; `tf.loadLayersModel(tf.io.fromMemory(artifacts))` loads it. */
export async function exportTfjs(model: Model): Promise<TfjsArtifacts> {
  if (!model.inputShapes) throw new Error('exportModel: the model is not built yet; call it on data or give the first layer an inputShape');
  const topology = modelToKeras(model, 'tfjs');
  const refs = weightRefs(model);
  const data = await weightValues(model);
  const trainingConfig = compileConfigOut(model, 'tfjs');
  return {
    modelTopology: { ...topology, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
    weightSpecs: refs.map((r) => ({ name: r.tfjsName, shape: r.shape, dtype: 'float32' })),
    weightData: data.buffer,
    format: 'layers-model',
    generatedBy: GENERATED_BY,
    convertedBy: null,
    ...(trainingConfig ? { trainingConfig } : {}),
  };
}

/** The `model.json` object and its one shard for artifacts (written next to each other). */
export function tfjsModelJSON(artifacts: TfjsArtifacts, shardName = 'group1-shard1of1.bin'): { json: TfjsModelJSON; shard: Uint8Array } {
  const { weightSpecs, weightData, ...rest } = artifacts;
  return { json: { ...rest, weightsManifest: [{ paths: [shardName], weights: weightSpecs }] }, shard: new Uint8Array(joinBuffers(weightData)) };
}

function joinBuffers(data: ArrayBuffer | ArrayBuffer[]): ArrayBuffer {
  if (!Array.isArray(data)) return data;
  const out = new Uint8Array(data.reduce((n, b) => n + b.byteLength, 0));
  let off = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), off);
    off += b.byteLength;
  }
  return out.buffer;
}

// ---- import -----------------------------------------------------------------------------------

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function specBytes(s: TfjsWeightSpec, i: number): number {
  const ok = typeof s === 'object' && s !== null && typeof s.name === 'string' && Array.isArray(s.shape) &&
    s.shape.every((d) => Number.isSafeInteger(d) && d >= 0);
  if (!ok) throw new Error(`importModel: weightSpecs[${i}] must be { name, shape, dtype }, got ${JSON.stringify(s)?.slice(0, 100)}`);
  const stored = s.quantization?.dtype ?? s.dtype;
  if (!Object.hasOwn(BYTES, stored)) {
    throw new Error(`importModel: weight '${s.name}' has dtype ${given(stored)}; valid: float32, int32, bool, or uint8/uint16/float16 quantization`);
  }
  return s.shape.reduce((a, b) => a * b, 1) * BYTES[stored];
}

/** Decodes one weight to float32 (dequantizing as TF.js does: value = q·scale + min). */
function decode(s: TfjsWeightSpec, bytes: Uint8Array): Float32Array {
  const n = s.shape.reduce((a, b) => a * b, 1);
  const buf = bytes.slice().buffer;
  const q = s.quantization;
  if (q) {
    if (q.dtype === 'float16') return Float32Array.from(new Uint16Array(buf, 0, n), halfToFloat);
    const scale = q.scale ?? 1;
    const min = q.min ?? 0;
    const raw = q.dtype === 'uint8' ? new Uint8Array(buf, 0, n) : new Uint16Array(buf, 0, n);
    return Float32Array.from(raw, (v) => v * scale + min);
  }
  if (s.dtype === 'float32') return new Float32Array(buf, 0, n);
  if (s.dtype === 'int32') return Float32Array.from(new Int32Array(buf, 0, n));
  return Float32Array.from(new Uint8Array(buf, 0, n));
}

/** Recreates a model from TF.js artifacts. */
export function importTfjsArtifacts(artifacts: TfjsArtifacts): Model {
  if (!artifacts || typeof artifacts !== 'object' || typeof artifacts.modelTopology !== 'object' || artifacts.modelTopology === null) {
    throw new Error('importModel: TF.js artifacts need { modelTopology, weightSpecs, weightData }');
  }
  if (!Array.isArray(artifacts.weightSpecs)) throw new Error('importModel: TF.js artifacts have no weightSpecs list');
  // A model.json may nest the Keras topology under model_config (tensorflowjs_converter output).
  const topo = (artifacts.modelTopology as { model_config?: unknown }).model_config ?? artifacts.modelTopology;
  const data = new Uint8Array(joinBuffers(artifacts.weightData ?? new ArrayBuffer(0)));
  const sizes = artifacts.weightSpecs.map(specBytes);
  const need = sizes.reduce((a, b) => a + b, 0);
  if (data.byteLength !== need) {
    throw new Error(`importModel: the weight data has ${data.byteLength} bytes but the weight specs need ${need}; ` +
      'a shard is truncated or missing, or belongs to another model');
  }
  const byName = new Map<string, { spec: TfjsWeightSpec; bytes: Uint8Array }>();
  let off = 0;
  artifacts.weightSpecs.forEach((s, i) => {
    byName.set(s.name, { spec: s, bytes: data.subarray(off, off + sizes[i]) });
    off += sizes[i];
  });
  const used = new Set<string>();
  const specs: WeightSpec[] = artifacts.weightSpecs.map((s) => ({ name: s.name, shape: s.shape, dtype: 'float32' }));
  const model = instantiateFromKeras(topo, 'tfjs', specs, (ref) => {
    const name = findWeight(byName, used, ref.tfjsName);
    used.add(name);
    const { spec, bytes } = byName.get(name)!;
    if (spec.shape.length !== ref.shape.length || spec.shape.some((d, j) => d !== ref.shape[j])) {
      throw new Error(`importModel: weight '${name}' has shape [${spec.shape}] but layer '${ref.layer}' needs [${ref.shape}]`);
    }
    return decode(spec, bytes);
  });
  const unused = artifacts.weightSpecs.filter((s) => !used.has(s.name)).map((s) => s.name);
  try {
    if (unused.length) {
      throw new Error(`importModel: the weights ${unused.slice(0, 5).join(', ')}${unused.length > 5 ? ', ...' : ''} belong to no layer of the topology`);
    }
    compileConfigIn(model, artifacts.trainingConfig, 'tfjs');
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/**
 * The stored name of a weight: exact, or (files converted from Keras 2 name cell weights
 * `lstm/lstm_cell/kernel`) the one unused name under the same layer ending in the same leaf.
 */
function findWeight(byName: Map<string, unknown>, used: Set<string>, name: string): string {
  if (byName.has(name) && !used.has(name)) return name;
  const parts = name.split('/');
  const layer = parts[0];
  const leaf = parts[parts.length - 1];
  const direction = parts.length > 2 ? parts[1].split('_')[0] : undefined;
  const candidates = [...byName.keys()].filter((k) => {
    if (used.has(k)) return false;
    const p = k.replace(/:0$/, '').split('/');
    return p[0] === layer && p[p.length - 1] === leaf && (direction === undefined || p.some((x) => x.startsWith(`${direction}_`)));
  });
  if (candidates.length === 1) return candidates[0];
  throw new Error(`importModel: the weights have no entry '${name}'${candidates.length > 1 ? ` (several match: ${candidates.join(', ')})` : ''}; ` +
    `listed: ${[...byName.keys()].slice(0, 8).join(', ')}${byName.size > 8 ? ', ...' : ''}`);
}

/** Reads a `model.json` object whose shards `readShard(path)` returns (in manifest order). */
export async function importTfjsModelJSON(json: TfjsModelJSON, readShard: (path: string) => Promise<ArrayBuffer>): Promise<Model> {
  if (!json || typeof json !== 'object' || !json.modelTopology) throw new Error('importModel: not a TF.js model.json (no modelTopology)');
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new Error(`importModel: the model.json format is ${given(json.format)}; Loom reads TF.js Layers models ('layers-model'), ` +
      'not graph models');
  }
  if (!Array.isArray(json.weightsManifest)) throw new Error('importModel: the model.json has no weightsManifest');
  const weightSpecs: TfjsWeightSpec[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of json.weightsManifest) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new Error('importModel: every weightsManifest entry must be { paths, weights }');
    }
    weightSpecs.push(...group.weights);
    for (const p of group.paths) {
      let buf: ArrayBuffer;
      try {
        buf = await readShard(p);
      } catch (e) {
        throw new Error(`importModel: the manifest names weight file '${p}', which cannot be read (${(e as Error).message})`);
      }
      buffers.push(buf);
    }
  }
  const { weightsManifest: _m, ...rest } = json;
  return importTfjsArtifacts({ ...rest, weightSpecs, weightData: buffers });
}
