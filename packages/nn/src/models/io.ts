// The save format, both ways: `saveModel` (behind `model.save()`) writes topology, weight specs and
// one weight buffer; `loadModel` reads it back, validated (a corrupt or truncated save gives a clear
// error and creates nothing). Also JSON text conversion, and file helpers for Node and browsers.

import { tensor, type Tensor } from '@loom/core';
import { deserializeLayer } from '../layers/classes.js';
import { withWeightGuard, type Layer, type LayerJSON } from '../layers/layer.js';
import { given } from '../validate.js';
import { Functional } from './functional.js';
import type { Model } from './model.js';
import { Sequential } from './sequential.js';

/** What `save()` produces and `loadModel()` accepts. */
export interface SavedModel {
  format: 'loom-nn-model';
  version: 1;
  topology: Record<string, unknown>;
  weightSpecs: { name: string; shape: number[]; dtype: 'float32' }[];
  weightData: ArrayBuffer;
  training?: { loss: string };
}

/** Serializes a built model: JSON-able `topology` and `weightSpecs`, binary `weightData` (float32, in weight order). */
export async function saveModel(model: Model): Promise<SavedModel> {
  if (!model.inputShapes) throw new Error('save: the model is not built yet; call it on data or give the first layer an inputShape');
  const specs = model.weights.map((v) => ({ name: v.name, shape: [...v.shape], dtype: 'float32' as const }));
  const data = await weightValues(model);
  const loss = model.lossName;
  return {
    format: 'loom-nn-model', version: 1, topology: model.topology(), weightSpecs: specs, weightData: data.buffer,
    ...(loss ? { training: { loss } } : {}),
  };
}

/** @internal Every weight's values, in `model.weights` order, in one float32 buffer (read with `await data()`). */
export async function weightValues(model: Model): Promise<Float32Array<ArrayBuffer>> {
  const vars = model.weights;
  const data = new Float32Array(vars.reduce((n, v) => n + v.value.size, 0));
  let off = 0;
  for (const v of vars) {
    const d = (await v.value.data()) as Float32Array;
    data.set(d, off);
    off += d.length;
  }
  return data;
}

/** The JSON text of a saved model (topology and weight specs; weights stay binary). */
export function savedModelToJSON(saved: SavedModel): string {
  const { weightData: _omit, ...rest } = saved;
  return JSON.stringify(rest);
}

/** Parses `savedModelToJSON` text and joins it with the binary weights. */
export function savedModelFromJSON(json: string, weightData: ArrayBuffer): SavedModel {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new Error(`loadModel: the model JSON does not parse (${(e as Error).message}); the file may be truncated or corrupt`);
  }
  return { ...(parsed as SavedModel), weightData };
}

export type WeightSpec = SavedModel['weightSpecs'][number];

/** Checks every weight spec (name, float32, a shape of non-negative integers); returns each one's element count. */
function specSizes(specs: unknown): number[] {
  if (!Array.isArray(specs)) throw new Error(`loadModel: weightSpecs must be a list of { name, shape, dtype }, got ${given(specs)}`);
  return specs.map((s: WeightSpec, i) => {
    const ok = typeof s === 'object' && s !== null && typeof s.name === 'string' && s.dtype === 'float32' &&
      Array.isArray(s.shape) && s.shape.every((d) => Number.isSafeInteger(d) && d >= 0);
    if (!ok) {
      throw new Error(`loadModel: weightSpecs[${i}] must be { name: string, shape: non-negative integers, dtype: 'float32' }, ` +
        `got ${JSON.stringify(s)?.slice(0, 120)}`);
    }
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(n)) throw new Error(`loadModel: weightSpecs[${i}] ('${s.name}') has shape [${s.shape}], too large`);
    return n;
  });
}

/**
 * A guard for every weight the topology creates: its shape must be one the save lists and has not
 * been used yet, so a small save cannot make the loader allocate (and randomly fill) large weights.
 */
function specGuard(specs: readonly WeightSpec[], where: string): (layer: string, weight: string, shape: readonly number[]) => void {
  const left = new Map<string, number>();
  for (const s of specs) left.set(s.shape.join(','), (left.get(s.shape.join(',')) ?? 0) + 1);
  let created = 0;
  return (layer, weight, shape) => {
    const key = shape.join(',');
    const n = left.get(key) ?? 0;
    const k = created++;
    if (n > 0) {
      left.set(key, n - 1);
      return;
    }
    if (k >= specs.length) {
      throw new Error(`${where}: the topology has more weights than the save lists (${specs.length}): layer '${layer}' ` +
        `needs '${weight}' of shape [${key}]`);
    }
    throw new Error(`${where}: weight ${k} ('${specs[k].name}') has shape [${specs[k].shape}] but the layer needs [${key}] ` +
      `('${weight}'), and no other weight in the save has that shape`);
  };
}

/** Recreates a model from `model.save()` output; the result predicts exactly what the saved model did. */
export function loadModel(saved: SavedModel): Model {
  if (!saved || typeof saved !== 'object' || saved.format !== 'loom-nn-model') {
    throw new Error("loadModel: not a saved Loom model (expected format 'loom-nn-model')");
  }
  if (saved.version !== 1) throw new Error(`loadModel: unsupported version ${String(saved.version)}; this build reads version 1`);
  const sizes = specSizes(saved.weightSpecs);
  const specs = saved.weightSpecs;
  if (!(saved.weightData instanceof ArrayBuffer)) throw new Error('loadModel: weightData must be an ArrayBuffer');
  const expected = sizes.reduce((a, b) => a + b, 0) * 4;
  if (saved.weightData.byteLength !== expected) {
    throw new Error(`loadModel: weight data has ${saved.weightData.byteLength} bytes but the specs need ${expected}; ` +
      'the weights file is truncated or does not belong to this model');
  }
  const all = new Float32Array(saved.weightData);
  let off = 0;
  const slices = sizes.map((n) => {
    const d = all.subarray(off, off + n);
    off += n;
    return d;
  });
  return instantiateModel(saved.topology, specs, (model) => {
    const vars = model.weights;
    if (vars.length !== specs.length) {
      throw new Error(`loadModel: the topology has ${vars.length} weights but the save lists ${specs.length}`);
    }
    return vars.map((v, i) => {
      const s = specs[i].shape;
      if (s.length !== v.shape.length || s.some((d, j) => d !== v.shape[j])) {
        throw new Error(`loadModel: weight ${i} ('${specs[i].name}') has shape [${s}] but the layer needs [${v.shape}]`);
      }
      return slices[i];
    });
  });
}

/**
 * @internal Recreates a model from a Loom topology, allowing only weights whose shapes `specs` lists
 * (so a small file cannot make the loader allocate large weights), then sets every weight to what
 * `values` returns for it (in `model.weights` order). On any error, everything created is freed.
 */
export function instantiateModel(
  topology: unknown, specs: readonly WeightSpec[], values: (model: Model) => Float32Array[], where = 'loadModel',
  allow?: (layer: string, weight: string, shape: readonly number[]) => boolean,
): Model {
  const topo = topology as { className?: unknown; config?: { layers?: LayerJSON[]; name?: string } };
  if (!topo || typeof topo !== 'object' || !topo.config || typeof topo.config !== 'object' || !Array.isArray(topo.config.layers)) {
    throw new Error(`${where}: topology must be { className, config: { layers } }`);
  }
  if (topo.className !== 'Sequential' && topo.className !== 'Model') {
    throw new Error(`${where}: unknown model class ${given(topo.className)}; valid: Sequential, Model`);
  }
  const created: Layer[] = [];
  let model: Model | undefined;
  try {
    // Every weight a layer builds passes the guard first; nothing is allocated that the save does not hold.
    const guard = specGuard(specs, where);
    const check = allow ? (l: string, w: string, sh: readonly number[]) => { if (!allow(l, w, sh)) guard(l, w, sh); } : guard;
    model = withWeightGuard(check, () => {
      for (const lj of topo.config!.layers!) created.push(deserializeLayer(lj));
      return topo.className === 'Sequential'
        ? new Sequential({ layers: created, name: topo.config!.name })
        : Functional.fromTopology(topo.config as Record<string, unknown>, created);
    });
    const vars = model.weights;
    const ts: Tensor[] = [];
    try {
      values(model).forEach((d, i) => ts.push(tensor(d.slice(), [...vars[i].shape])));
      model.setWeights(ts);
    } finally {
      for (const t of ts) t.dispose();
    }
    return model;
  } catch (e) {
    if (model) model.dispose();
    else for (const l of created) l.dispose();
    throw e;
  }
}

// NOTE: the specifier is a variable so browser bundlers leave Node's fs out of web builds.
const NODE_FS = 'node:fs/promises';
const nodeFs = (): Promise<typeof import('node:fs/promises')> => import(/* @vite-ignore */ NODE_FS);

/** Node: writes `<base>.json` and `<base>.weights.bin`. */
export async function saveModelToFiles(model: Model, base: string): Promise<void> {
  const fs = await nodeFs();
  const saved = await model.save();
  await fs.writeFile(`${base}.json`, savedModelToJSON(saved));
  await fs.writeFile(`${base}.weights.bin`, new Uint8Array(saved.weightData));
}

/** Node: reads what `saveModelToFiles` wrote. */
export async function loadModelFromFiles(base: string): Promise<Model> {
  const fs = await nodeFs();
  const json = await fs.readFile(`${base}.json`, 'utf8');
  const bin = await fs.readFile(`${base}.weights.bin`);
  const buf = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  return loadModel(savedModelFromJSON(json, buf));
}

/** Browser: offers the model as two downloads (`<name>.json`, `<name>.weights.bin`). */
export async function downloadModel(model: Model, name = 'model'): Promise<void> {
  if (typeof document === 'undefined') throw new Error('downloadModel: needs a browser document; in Node use saveModelToFiles');
  const saved = await model.save();
  const files: [string, Blob][] = [
    [`${name}.json`, new Blob([savedModelToJSON(saved)], { type: 'application/json' })],
    [`${name}.weights.bin`, new Blob([saved.weightData], { type: 'application/octet-stream' })],
  ];
  for (const [file, blob] of files) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = file;
    a.click();
    URL.revokeObjectURL(a.href);
  }
}

const IDB_STORE = 'models';

/** One model in IndexedDB: the JSON text and the weights. */
type StoredEntry = { json: string; weightData: ArrayBuffer };

function openDb(dbName: string): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined') {
    return Promise.reject(new Error('IndexedDB is not available here; in Node use saveModelToFiles'));
  }
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(dbName, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(IDB_STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB: open failed'));
  });
}

function idbRequest<T>(db: IDBDatabase, mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(IDB_STORE, mode);
    const req = f(tx.objectStore(IDB_STORE));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB: transaction failed'));
  });
}

/** Browser: stores the model under `key` in IndexedDB (database `dbName`, default 'loom-nn'). */
export async function saveModelToIndexedDB(model: Model, key: string, dbName = 'loom-nn'): Promise<void> {
  const saved = await model.save();
  const db = await openDb(dbName);
  try {
    await idbRequest(db, 'readwrite', (s) => s.put({ json: savedModelToJSON(saved), weightData: saved.weightData }, key));
  } finally {
    db.close();
  }
}

/** Browser: loads a model stored with `saveModelToIndexedDB`. */
export async function loadModelFromIndexedDB(key: string, dbName = 'loom-nn'): Promise<Model> {
  const db = await openDb(dbName);
  let entry: StoredEntry | undefined;
  try {
    entry = await idbRequest(db, 'readonly', (s) => s.get(key) as IDBRequest<StoredEntry | undefined>);
  } finally {
    db.close();
  }
  if (!entry) throw new Error(`loadModelFromIndexedDB: no model stored under '${key}' in '${dbName}'`);
  return loadModel(savedModelFromJSON(entry.json, entry.weightData));
}

/** The model as JSON text (topology + weight specs) plus its weights as one ArrayBuffer. */
export async function modelToJSON(model: Model): Promise<{ json: string; weightData: ArrayBuffer }> {
  const saved = await model.save();
  return { json: savedModelToJSON(saved), weightData: saved.weightData };
}

/** Recreates a model from `modelToJSON` output. */
export function modelFromJSON(json: string, weightData: ArrayBuffer): Model {
  return loadModel(savedModelFromJSON(json, weightData));
}
