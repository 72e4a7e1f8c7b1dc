// Keras 3 `.keras` files both ways: a zip of `config.json` (the serialized model), `metadata.json`
// and `model.weights.h5`, whose groups follow Keras's object tree (`layers/<class>/vars/<i>`, a
// recurrent layer's weights under `cell/`, a Bidirectional's under `forward_layer/` and
// `backward_layer/`). fflate (zip) and h5wasm (HDF5, ~4 MB) load only when a `.keras` file is
// read or written, so they never weigh on the core bundle.

import type { Model } from '../models/model.js';
import type { WeightSpec } from '../models/io.js';
import { instantiateFromKeras, layerGroups, modelToKeras, weightRefs } from './keras-model.js';
import { compileConfigIn, compileConfigOut } from './compile-config.js';

type H5 = typeof import('h5wasm');
type H5FS = { writeFile(path: string, data: Uint8Array): void; readFile(path: string): Uint8Array; unlink(path: string): void };

let h5Module: Promise<{ h5: H5; fs: H5FS }> | undefined;
let fileCounter = 0;

/** h5wasm, loaded once; its files live in its in-memory file system (the module's FS, ready after `ready`). */
async function h5wasm(): Promise<{ h5: H5; fs: H5FS }> {
  h5Module ??= import('h5wasm').then(async (h5) => {
    const module = (await h5.ready) as unknown as { FS: H5FS };
    return { h5, fs: module.FS };
  });
  return h5Module;
}

/** Runs `fn` on a scratch HDF5 file in h5wasm's memory file system and removes it afterwards. */
async function withH5File<T>(bytes: Uint8Array | undefined, fn: (file: InstanceType<H5['File']>, path: string, h5: H5) => T): Promise<{ result: T; bytes?: Uint8Array }> {
  const { h5, fs } = await h5wasm();
  const path = `/loom-${Date.now()}-${fileCounter++}.h5`;
  if (bytes) fs.writeFile(path, bytes);
  let file: InstanceType<H5['File']> | undefined;
  try {
    file = new h5.File(path, bytes ? 'r' : 'w');
    const result = fn(file, path, h5);
    file.close();
    file = undefined;
    return { result, bytes: bytes ? undefined : fs.readFile(path) };
  } finally {
    if (file) file.close();
    try { fs.unlink(path); } catch { /* never created */ }
  }
}

/** The Keras release whose file layout this writes (written to metadata.json, as Keras does). */
const KERAS_VERSION = '3.10.0';

/** A model as the bytes of a Keras 3 `.keras` file. */
export async function exportKeras(model: Model): Promise<Uint8Array> {
  if (!model.inputShapes) throw new Error('exportModel: the model is not built yet; call it on data or give the first layer an inputShape');
  const topology = modelToKeras(model, 'keras3');
  const compile = compileConfigOut(model, 'keras3');
  if (compile) topology.compile_config = compile;
  const refs = weightRefs(model);
  const values = await Promise.all(model.weights.map(async (v) => (await v.value.data()) as Float32Array));
  const { bytes: h5 } = await withH5File(undefined, (file) => {
    const groups = new Map<string, ReturnType<typeof file.create_group>>();
    // Creates every group on the way to `path` (h5wasm makes one level at a time).
    const group = (path: string): ReturnType<typeof file.create_group> => {
      const found = groups.get(path);
      if (found) return found;
      const cut = path.lastIndexOf('/');
      const parent = cut < 0 ? file : group(path.slice(0, cut));
      const g = parent.create_group(path.slice(cut + 1));
      groups.set(path, g);
      return g;
    };
    group('vars').create_attribute('name', model.name);
    for (const { layer, group: g } of layerGroups(model)) {
      group(`${g}/vars`).create_attribute('name', layer.name);
    }
    refs.forEach((r, i) => {
      const cut = r.h5Path.lastIndexOf('/');
      const vars = r.h5Path.slice(0, cut);
      if (!groups.has(vars)) group(vars).create_attribute('name', vars.split('/').slice(-2, -1)[0]);
      const data = r.int ? Int32Array.from(values[i]) : values[i];
      group(vars).create_dataset({ name: r.h5Path.slice(cut + 1), data, shape: r.shape, dtype: r.int ? '<i4' : '<f' });
    });
  });
  const { strToU8, zipSync } = await import('fflate');
  const metadata = { keras_version: KERAS_VERSION, date_saved: new Date().toISOString().slice(0, 19).replace('T', '@'), generator: 'Loom @loom/nn' };
  return zipSync({
    'metadata.json': strToU8(JSON.stringify(metadata)),
    'config.json': strToU8(JSON.stringify(topology)),
    'model.weights.h5': h5!,
  }, { level: 0 });
}

/** Recreates a model from the bytes of a Keras 3 `.keras` file. */
export async function importKeras(bytes: Uint8Array): Promise<Model> {
  const { strFromU8, unzipSync } = await import('fflate');
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new Error(`importModel: not a .keras file (not a zip archive: ${(e as Error).message})`);
  }
  for (const member of ['config.json', 'model.weights.h5']) {
    if (!files[member]) {
      throw new Error(`importModel: the .keras archive has no ${member} (it holds ${Object.keys(files).join(', ') || 'nothing'}); ` +
        'expected config.json, metadata.json and model.weights.h5');
    }
  }
  let topology: Record<string, unknown>;
  try {
    topology = JSON.parse(strFromU8(files['config.json']));
  } catch (e) {
    throw new Error(`importModel: the .keras config.json does not parse (${(e as Error).message})`);
  }
  const { result: model } = await withH5File(files['model.weights.h5'], (file, _path, h5) => {
    // Every dataset under layers/, for the allocation guard and to catch weights no layer takes.
    const datasets = new Map<string, InstanceType<H5['Dataset']>>();
    const walk = (g: InstanceType<H5['Group']>, prefix: string): void => {
      for (const key of g.keys()) {
        const child = g.get(key);
        const path = prefix ? `${prefix}/${key}` : key;
        if (child instanceof h5.Dataset) datasets.set(path, child);
        else if (child instanceof h5.Group) walk(child, path);
      }
    };
    const layersGroup = file.get('layers');
    if (layersGroup instanceof h5.Group) walk(layersGroup, 'layers');
    const specs: WeightSpec[] = [...datasets].map(([name, d]) => ({ name, shape: [...(d.shape ?? [])], dtype: 'float32' }));
    const used = new Set<string>();
    const m = instantiateFromKeras(topology, 'keras3', specs, (ref) => {
      const d = datasets.get(ref.h5Path);
      if (!d) {
        throw new Error(`importModel: model.weights.h5 has no dataset '${ref.h5Path}' for layer '${ref.layer}'; ` +
          `it holds ${[...datasets.keys()].slice(0, 6).join(', ')}${datasets.size > 6 ? ', ...' : ''}`);
      }
      used.add(ref.h5Path);
      const shape = d.shape ?? [];
      if (shape.length !== ref.shape.length || shape.some((s, i) => s !== ref.shape[i])) {
        throw new Error(`importModel: '${ref.h5Path}' has shape [${shape}] but layer '${ref.layer}' needs [${ref.shape}]`);
      }
      const v = d.value;
      // A scalar dataset (a count) reads as a plain number.
      if (typeof v === 'number' || typeof v === 'bigint') return Float32Array.of(Number(v));
      if (!ArrayBuffer.isView(v)) throw new Error(`importModel: '${ref.h5Path}' is not a numeric dataset`);
      return Float32Array.from(v as unknown as ArrayLike<number>);
    });
    const unused = [...datasets.keys()].filter((k) => !used.has(k));
    if (unused.length) {
      m.dispose();
      throw new Error(`importModel: model.weights.h5 holds ${unused.slice(0, 4).join(', ')}, which belong to no layer of config.json`);
    }
    return m;
  });
  try {
    compileConfigIn(model, topology.compile_config, 'keras3');
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
