// Models in and out: `importModel(source, { format })` and `exportModel(model, { format })` for
// TF.js Layers (`model.json` + shards), Keras 3 (`.keras`), ONNX (`.onnx`) and safetensors (weights
// only), beside Loom's own format. Sources are paths in Node, URLs in browsers (and Node), bytes or
// in-memory artifacts. Format libraries load on first use.

import { loadModel, saveModel, savedModelFromJSON, savedModelToJSON, type SavedModel } from '../models/io.js';
import type { Model } from '../models/model.js';
import { given } from '../validate.js';
import type { OnnxExportOptions } from './onnx.js';
import type { TfjsArtifacts, TfjsModelJSON } from './tfjs.js';

/** The formats `importModel` and `exportModel` speak. */
export type ModelFormat = 'loom' | 'tfjs' | 'keras' | 'onnx' | 'safetensors';
const FORMATS: readonly ModelFormat[] = ['loom', 'tfjs', 'keras', 'onnx', 'safetensors'];

/** What `importModel` reads: a path (Node), a URL, file bytes, or in-memory artifacts. */
export type ModelSource = string | URL | Uint8Array | ArrayBuffer | TfjsArtifacts | TfjsModelJSON | SavedModel;

export interface ImportOptions {
  /** Inferred from the file extension, the bytes or the object when not given. */
  format?: ModelFormat;
  /** safetensors holds weights only: the model (built with the same layers) to load them into. */
  model?: Model;
}

export interface ExportOptions {
  format: ModelFormat;
}

/** What `exportModel` returns for each format. */
export interface ExportResult {
  loom: SavedModel;
  tfjs: TfjsArtifacts;
  keras: Uint8Array;
  onnx: Uint8Array;
  safetensors: Uint8Array;
}

const NODE_FS = 'node:fs/promises';
const NODE_PATH = 'node:path';
const nodeFs = (): Promise<typeof import('node:fs/promises')> => import(/* @vite-ignore */ NODE_FS);
const nodePath = (): Promise<typeof import('node:path')> => import(/* @vite-ignore */ NODE_PATH);
const inBrowser = (): boolean => typeof document !== 'undefined' || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';
const isUrlText = (s: string): boolean => /^(https?|blob|data):/i.test(s);

function checkFormat(op: string, format: unknown): ModelFormat {
  if (!FORMATS.includes(format as ModelFormat)) {
    throw new Error(`${op}: format must be one of ${FORMATS.map((f) => `'${f}'`).join(', ')}, got ${given(format)}`);
  }
  return format as ModelFormat;
}

/** A model in another format: TF.js artifacts, or the bytes of a `.keras`, `.onnx` or `.safetensors` file. */
export async function exportModel<F extends ModelFormat>(model: Model, options: { format: F }): Promise<ExportResult[F]>;
export async function exportModel(model: Model, options: ExportOptions): Promise<ExportResult[ModelFormat]> {
  if (!model || typeof (model as Model).topology !== 'function') throw new Error(`exportModel: expected a Loom model, got ${given(model)}`);
  const format = checkFormat('exportModel', options?.format);
  switch (format) {
    case 'loom': return saveModel(model);
    case 'tfjs': return exportTfjs(model);
    case 'keras': return exportKeras(model);
    case 'onnx': return exportOnnx(model);
    case 'safetensors': return exportSafetensors(model);
  }
}

function formatOfPath(path: string): ModelFormat | undefined {
  const p = path.split(/[?#]/)[0].toLowerCase();
  if (p.endsWith('.keras')) return 'keras';
  if (p.endsWith('.onnx')) return 'onnx';
  if (p.endsWith('.safetensors')) return 'safetensors';
  if (p.endsWith('.json')) return 'tfjs'; // a Loom save is recognised by its content
  return undefined;
}

function formatOfBytes(bytes: Uint8Array): ModelFormat | undefined {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'keras'; // 'PK', a zip archive
  return undefined;
}

// Every format loads on first use: its code and libraries (h5wasm, fflate, protobufjs) stay out of the main chunk.
const tfjs = (): Promise<typeof import('./tfjs.js')> => import('./tfjs.js');
const exportTfjs = async (m: Model): Promise<TfjsArtifacts> => (await tfjs()).exportTfjs(m);
const exportSafetensors = async (m: Model): Promise<Uint8Array> => (await import('./safetensors.js')).exportSafetensors(m);
const exportKeras = async (m: Model): Promise<Uint8Array> => (await import('./keras.js')).exportKeras(m);
const importKeras = async (b: Uint8Array): Promise<Model> => (await import('./keras.js')).importKeras(b);

/** ONNX export with options (opset 13–21, default 17; graph name); `exportModel(m, { format: 'onnx' })` uses the defaults. */
export async function exportOnnx(model: Model, options: OnnxExportOptions = {}): Promise<Uint8Array> {
  return (await import('./onnx.js')).exportOnnx(model, options);
}

/** A Loom model from the bytes of an `.onnx` file (the subset `exportOnnx` writes, and PyTorch's forms of those layers). */
export async function importOnnx(bytes: Uint8Array | ArrayBuffer): Promise<Model> {
  return (await import('./onnx.js')).importOnnx(bytes);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

async function readBytes(location: string | URL): Promise<Uint8Array> {
  const text = String(location);
  if (location instanceof URL || isUrlText(text) || inBrowser()) {
    const res = await fetch(location);
    if (!res.ok) throw new Error(`importModel: fetching ${text} failed: HTTP ${res.status} ${res.statusText}`);
    return new Uint8Array(await res.arrayBuffer());
  }
  const fs = await nodeFs();
  const b = await fs.readFile(text);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A location next to `base` (a shard beside its model.json). */
async function sibling(base: string | URL, name: string): Promise<string | URL> {
  const text = String(base);
  if (base instanceof URL || isUrlText(text)) return new URL(name, base);
  if (inBrowser()) return new URL(name, new URL(text, globalThis.location?.href)).href;
  const path = await nodePath();
  return path.join(path.dirname(text), name);
}

const toBuffer = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/**
 * Loads a model saved in another framework's format (or Loom's). In Node `source` may be a path; in
 * browsers a URL; anywhere, file bytes or in-memory artifacts. A model the format's compile settings
 * describe with a loss and optimizer Loom has comes back compiled.
 */
export async function importModel(source: ModelSource, options: ImportOptions = {}): Promise<Model> {
  if (source === null || source === undefined) throw new Error('importModel: needs a source (a path, URL, bytes or artifacts)');
  if (options.format !== undefined) checkFormat('importModel', options.format);
  const location = typeof source === 'string' || source instanceof URL ? source : undefined;
  let format = options.format ?? (location ? formatOfPath(String(location)) : undefined);
  if (location) {
    if (format === undefined) {
      throw new Error(`importModel: cannot tell the format of ${String(location)}; pass { format: 'tfjs' | 'keras' | 'onnx' | 'safetensors' | 'loom' }`);
    }
    if (format === 'tfjs' || format === 'loom') {
      const json = JSON.parse(new TextDecoder().decode(await readBytes(location))) as TfjsModelJSON | SavedModel;
      if (format === 'loom' || (json as SavedModel).format === 'loom-nn-model') {
        const bin = await readBytes(await sibling(location, String(location).replace(/^.*\//, '').replace(/\.json$/, '.weights.bin')));
        return loadModel(savedModelFromJSON(JSON.stringify(json), toBuffer(bin)));
      }
      return (await tfjs()).importTfjsModelJSON(json as TfjsModelJSON, async (p) => toBuffer(await readBytes(await sibling(location, p))));
    }
    return importBytes(await readBytes(location), format, options);
  }
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : source;
    format ??= formatOfBytes(bytes);
    if (format === undefined) throw new Error("importModel: cannot tell the format of these bytes; pass { format: 'keras' | 'onnx' | 'safetensors' }");
    return importBytes(bytes, format, options);
  }
  if (isObject(source)) {
    if ((source as SavedModel).format === 'loom-nn-model' || format === 'loom') return loadModel(source as SavedModel);
    if ('weightsManifest' in source) {
      throw new Error('importModel: a model.json object needs its weight files; pass its path or URL, or TF.js artifacts ' +
        '{ modelTopology, weightSpecs, weightData }');
    }
    if ('modelTopology' in source && (format === undefined || format === 'tfjs')) return (await tfjs()).importTfjsArtifacts(source as TfjsArtifacts);
  }
  throw new Error(`importModel: cannot read ${given(source)} as ${format ?? 'a model'}; give a path, URL, file bytes, ` +
    'TF.js artifacts { modelTopology, weightSpecs, weightData } or a Loom save');
}

async function importBytes(bytes: Uint8Array, format: ModelFormat, options: ImportOptions): Promise<Model> {
  switch (format) {
    case 'keras': return importKeras(bytes);
    case 'onnx': return importOnnx(bytes);
    case 'safetensors': {
      if (!options.model) {
        throw new Error('importModel: safetensors holds weights only; pass the model to load them into: ' +
          "importModel(bytes, { format: 'safetensors', model })");
      }
      (await import('./safetensors.js')).importSafetensors(options.model, bytes);
      return options.model;
    }
    default:
      throw new Error(`importModel: format '${format}' is read from a model.json path/URL or in-memory artifacts, not raw bytes`);
  }
}

/**
 * The files an export is written as, named after `name` (`model.json` + `model.weights.bin` for 'tfjs'
 * and 'loom', one `.keras` / `.onnx` / `.safetensors` file otherwise) — for uploads, workers, zips.
 */
export async function exportModelFiles(model: Model, options: ExportOptions & { name?: string }): Promise<{ name: string; bytes: Uint8Array }[]> {
  const format = checkFormat('exportModelFiles', options?.format);
  return (await exportFiles(model, format, options.name ?? 'model')).map(([name, bytes]) => ({ name, bytes }));
}

async function exportFiles(model: Model, format: ModelFormat, base: string): Promise<[string, Uint8Array][]> {
  const enc = new TextEncoder();
  if (format === 'tfjs') {
    const shardName = `${base}.weights.bin`;
    const { json, shard } = (await tfjs()).tfjsModelJSON(await exportTfjs(model), shardName);
    return [[`${base}.json`, enc.encode(JSON.stringify(json))], [shardName, shard]];
  }
  if (format === 'loom') {
    const saved = await saveModel(model);
    return [[`${base}.json`, enc.encode(savedModelToJSON(saved))], [`${base}.weights.bin`, new Uint8Array(saved.weightData)]];
  }
  const bytes = format === 'keras' ? await exportKeras(model) : format === 'onnx' ? await exportOnnx(model) : await exportSafetensors(model);
  return [[`${base}.${format}`, bytes]];
}

/**
 * Node: writes the model in `format` to `path` — `model.json` + `model.weights.bin` for 'tfjs' (path is
 * the model.json), one file otherwise (`.keras`, `.onnx`, `.safetensors`). Returns the paths written.
 */
export async function exportModelToFiles(model: Model, path: string, options: ExportOptions): Promise<string[]> {
  const format = checkFormat('exportModelToFiles', options?.format);
  if (typeof path !== 'string' || path === '') throw new Error(`exportModelToFiles: path must be a file path, got ${given(path)}`);
  const fs = await nodeFs();
  const p = await nodePath();
  const base = p.basename(path).replace(/\.[^.]*$/, '') || 'model';
  const files = await exportFiles(model, format, base);
  const written: string[] = [];
  for (const [name, bytes] of files) {
    // One file goes exactly where asked; a model.json's shard goes beside it.
    const target = files.length === 1 ? path : p.join(p.dirname(path), name);
    await fs.writeFile(target, bytes);
    written.push(target);
  }
  return written;
}

/** Browser: offers the model in `format` as download(s) named after `name`. */
export async function downloadModel(model: Model, name = 'model', options: ExportOptions = { format: 'loom' }): Promise<void> {
  if (typeof document === 'undefined') throw new Error('downloadModel: needs a browser document; in Node use exportModelToFiles');
  const format = checkFormat('downloadModel', options.format);
  for (const [file, bytes] of await exportFiles(model, format, name)) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
    a.download = file;
    a.click();
    URL.revokeObjectURL(a.href);
  }
}

export type { TfjsArtifacts, TfjsModelJSON, TfjsWeightSpec } from './tfjs.js';
export type { OnnxExportOptions } from './onnx.js';
