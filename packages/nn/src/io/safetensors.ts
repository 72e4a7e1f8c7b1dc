// safetensors, the weights-only format PyTorch, JAX, Burn and Candle read: an 8-byte little-endian
// header length, a JSON header { key: { dtype, shape, data_offsets: [begin, end] }, __metadata__ },
// then the raw little-endian tensors. Keys are Keras variable paths (`dense/kernel`,
// `lstm/lstm_cell/recurrent_kernel`), so a file written here loads into the same model built in
// Keras, and back. The format is 30 lines of spec; it is written here rather than pulled in.

import { tensor, type Tensor } from '@loom/core';
import type { Model } from '../models/model.js';
import { given } from '../validate.js';
import { bfloat16ToFloat, halfToFloat } from './half.js';
import { weightRefs } from './keras-model.js';

const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, F64: 8, I32: 4, I64: 8, U8: 1, BF16: 2 };

/** The model's weights as a safetensors file. */
export async function exportSafetensors(model: Model, metadata: Record<string, string> = {}): Promise<Uint8Array> {
  if (!model.inputShapes) throw new Error('exportModel: the model is not built yet; call it on data or give the first layer an inputShape');
  const refs = weightRefs(model);
  const vars = model.weights;
  const header: Record<string, unknown> = { __metadata__: { format: 'keras', generator: 'Loom @loom/nn', ...metadata } };
  let off = 0;
  const datas: Float32Array[] = [];
  for (let i = 0; i < refs.length; i++) {
    const d = (await vars[i].value.data()) as Float32Array;
    datas.push(d);
    header[refs[i].variablePath] = { dtype: 'F32', shape: refs[i].shape, data_offsets: [off, off + d.byteLength] };
    off += d.byteLength;
  }
  // The header is padded with spaces to a multiple of 8 so the tensors that follow stay aligned.
  let json = JSON.stringify(header);
  while ((json.length + 8) % 8) json += ' ';
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.byteLength + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.byteLength), true);
  out.set(head, 8);
  let at = 8 + head.byteLength;
  for (const d of datas) {
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    at += d.byteLength;
  }
  return out;
}

interface Entry { dtype: string; shape: number[]; data_offsets: [number, number] }

/** Parses a safetensors file into its header entries and the data section. */
export function readSafetensors(bytes: Uint8Array): { entries: Map<string, Entry>; metadata: Record<string, string>; data: Uint8Array } {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < 8) {
    throw new Error(`importWeights: not a safetensors file (${bytes instanceof Uint8Array ? `${bytes.byteLength} bytes` : given(bytes)})`);
  }
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (n > bytes.byteLength - 8 || n > 100_000_000) {
    throw new Error(`importWeights: not a safetensors file (header length ${n} exceeds the ${bytes.byteLength}-byte file)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new Error(`importWeights: not a safetensors file (its header is not JSON: ${(e as Error).message})`);
  }
  const data = bytes.subarray(8 + n);
  const entries = new Map<string, Entry>();
  for (const [key, v] of Object.entries(header)) {
    if (key === '__metadata__') continue;
    const e = v as Entry;
    const ok = e && typeof e.dtype === 'string' && Array.isArray(e.shape) && e.shape.every((d) => Number.isSafeInteger(d) && d >= 0) &&
      Array.isArray(e.data_offsets) && e.data_offsets.length === 2 && e.data_offsets[0] <= e.data_offsets[1] && e.data_offsets[1] <= data.byteLength;
    if (!ok) throw new Error(`importWeights: safetensors entry '${key}' is malformed or points past the end of the file`);
    const bytesPer = DTYPE_BYTES[e.dtype];
    if (bytesPer === undefined) throw new Error(`importWeights: entry '${key}' has dtype ${e.dtype}; Loom reads ${Object.keys(DTYPE_BYTES).join(', ')}`);
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (count * bytesPer !== e.data_offsets[1] - e.data_offsets[0]) {
      throw new Error(`importWeights: entry '${key}' has shape [${e.shape}] (${count * bytesPer} bytes) but ${e.data_offsets[1] - e.data_offsets[0]} bytes of data`);
    }
    entries.set(key, e);
  }
  const metadata = (typeof header.__metadata__ === 'object' && header.__metadata__ !== null ? header.__metadata__ : {}) as Record<string, string>;
  return { entries, metadata, data };
}

function toFloat32(e: Entry, raw: Uint8Array): Float32Array {
  const buf = raw.slice().buffer;
  switch (e.dtype) {
    case 'F32': return new Float32Array(buf);
    case 'F64': return Float32Array.from(new Float64Array(buf));
    case 'I32': return Float32Array.from(new Int32Array(buf));
    case 'I64': return Float32Array.from(new BigInt64Array(buf), Number);
    case 'U8': return Float32Array.from(new Uint8Array(buf));
    case 'BF16': return Float32Array.from(new Uint16Array(buf), bfloat16ToFloat);
    default: return Float32Array.from(new Uint16Array(buf), halfToFloat); // F16
  }
}

/**
 * Loads safetensors weights into a model built with the same layers: every weight must be present
 * under its Keras variable path with the same shape, and every entry must belong to a weight.
 * Nothing is changed unless all of them are.
 */
export function importSafetensors(model: Model, bytes: Uint8Array | ArrayBuffer): void {
  const { entries, data } = readSafetensors(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes);
  const refs = weightRefs(model);
  const missing = refs.filter((r) => !entries.has(r.variablePath)).map((r) => r.variablePath);
  if (missing.length) {
    throw new Error(`importWeights: the file has no weights ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}; ` +
      `it holds ${[...entries.keys()].slice(0, 8).join(', ')}`);
  }
  const extra = [...entries.keys()].filter((k) => !refs.some((r) => r.variablePath === k));
  if (extra.length) throw new Error(`importWeights: the entries ${extra.slice(0, 5).join(', ')} belong to no weight of model '${model.name}'`);
  const ts: Tensor[] = [];
  try {
    for (const r of refs) {
      const e = entries.get(r.variablePath)!;
      if (e.shape.length !== r.shape.length || e.shape.some((d, i) => d !== r.shape[i])) {
        throw new Error(`importWeights: '${r.variablePath}' has shape [${e.shape}] but layer '${r.layer}' needs [${r.shape}]`);
      }
      ts.push(tensor(toFloat32(e, data.subarray(e.data_offsets[0], e.data_offsets[1])), r.shape));
    }
    model.setWeights(ts);
  } finally {
    for (const t of ts) t.dispose();
  }
}
