// Data types: the three dtypes Loom supports, their host typed arrays, and promotion rules.

/** Element types a tensor can hold. `bool` is stored as 0/1 bytes on the host. */
export type DType = 'float32' | 'int32' | 'bool';

/** All dtypes, in promotion order (bool < int32 < float32). */
export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32'];

/** The host-side typed array of each dtype. */
export interface DTypeArrayMap {
  float32: Float32Array;
  int32: Int32Array;
  bool: Uint8Array;
}

/** Any host typed array a tensor can be read into. */
export type TypedArray = Float32Array | Int32Array | Uint8Array;

/** Bytes per element on the host (what `memory().numBytes` counts). */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'bool' ? 1 : 4;
}

export function isDType(value: unknown): value is DType {
  return value === 'float32' || value === 'int32' || value === 'bool';
}

/** A new zero-filled typed array for `size` elements of `dtype`. */
export function makeTypedArray<D extends DType>(dtype: D, size: number): DTypeArrayMap[D] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size) as DTypeArrayMap[D];
    case 'int32':
      return new Int32Array(size) as DTypeArrayMap[D];
    case 'bool':
      return new Uint8Array(size) as DTypeArrayMap[D];
    default:
      throw new Error(`unknown dtype '${String(dtype)}'; valid dtypes are float32, int32, bool`);
  }
}

/**
 * float → int32 as every backend does it: truncate toward zero, saturate at the int32 range,
 * NaN → 0 (the semantics of wasm `i32.trunc_sat_f32_s` and WGSL `i32()`).
 */
export function toInt32(x: number): number {
  if (x !== x) return 0;
  if (x >= 2147483647) return 2147483647;
  if (x <= -2147483648) return -2147483648;
  return Math.trunc(x);
}

/** Copies `values` into a typed array of `dtype`, converting as a cast would. */
export function toTypedArray(values: ArrayLike<number | boolean>, dtype: DType): TypedArray {
  const out = makeTypedArray(dtype, values.length);
  if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) out[i] = values[i] ? 1 : 0;
  } else if (dtype === 'int32') {
    for (let i = 0; i < values.length; i++) out[i] = toInt32(Number(values[i]));
  } else {
    for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  }
  return out;
}

/** The dtype both operands are promoted to: bool < int32 < float32. */
export function upcast(a: DType, b: DType): DType {
  return DTYPES.indexOf(a) >= DTYPES.indexOf(b) ? a : b;
}

/** The dtype a typed array holds, or undefined when it is not one Loom stores directly. */
export function dtypeOfTypedArray(values: unknown): DType | undefined {
  if (values instanceof Float32Array || values instanceof Float64Array) return 'float32';
  if (values instanceof Int32Array || values instanceof Int16Array || values instanceof Int8Array ||
      values instanceof Uint16Array) return 'int32';
  if (values instanceof Uint8Array || values instanceof Uint8ClampedArray) return 'int32';
  return undefined;
}
