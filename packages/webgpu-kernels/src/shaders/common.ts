// Shared pieces of every WGSL template: the ShaderSpec type, uniform struct layout and packing,
// dtype-to-WGSL mapping, flat invocation indexing, and float helpers (NaN/Inf without literals).

import type { DType } from '@loom/core/backend';

/** A compute shader and the key that identifies its source in the pipeline cache. */
export interface ShaderSpec {
  /** Covers everything that changes `code`: the pipeline cache is keyed by it. */
  readonly key: string;
  readonly code: string;
}

/** The most dims a shape uniform carries (after collapsing adjacent dims). */
export const MAX_RANK = 8;

/** One field of a uniform struct: a scalar, or a dims array of MAX_RANK entries. */
export type UniformField =
  | { name: string; type: 'u32' | 'i32' | 'f32' }
  | { name: string; type: 'dims' | 'idims' };

/** A uniform struct: WGSL declaration plus a packer writing values with the same layout. */
export interface UniformLayout {
  readonly fields: readonly UniformField[];
  /** `struct U { ... }` WGSL text. */
  readonly wgsl: string;
  /** Size in bytes (multiple of 16). */
  readonly size: number;
  /** Byte offset of each field. */
  readonly offsets: Readonly<Record<string, number>>;
}

/** Declares a uniform struct; dims arrays are `array<vec4<u32|i32>, 2>` (16-byte aligned). */
export function uniformLayout(fields: readonly UniformField[]): UniformLayout {
  let offset = 0;
  const offsets: Record<string, number> = {};
  const lines: string[] = [];
  for (const f of fields) {
    if (f.type === 'dims' || f.type === 'idims') {
      offset = Math.ceil(offset / 16) * 16;
      offsets[f.name] = offset;
      offset += (MAX_RANK / 4) * 16;
      lines.push(`  ${f.name}: array<vec4<${f.type === 'dims' ? 'u32' : 'i32'}>, ${MAX_RANK / 4}>,`);
    } else {
      offsets[f.name] = offset;
      offset += 4;
      lines.push(`  ${f.name}: ${f.type},`);
    }
  }
  const size = Math.max(16, Math.ceil(offset / 16) * 16);
  return { fields, wgsl: `struct U {\n${lines.join('\n')}\n};\n@group(0) @binding(0) var<uniform> u: U;\n`, size, offsets };
}

/** Values for a uniform: numbers for scalars, number lists (≤ MAX_RANK) for dims. */
export type UniformValues = Record<string, number | readonly number[]>;

/** Packs `values` into `out` (a Uint32Array over the uniform's bytes) following `layout`. */
export function packUniform(layout: UniformLayout, values: UniformValues, out: DataView, base: number): void {
  for (const f of layout.fields) {
    const v = values[f.name];
    const at = base + layout.offsets[f.name];
    if (v === undefined) throw new Error(`webgpu: uniform field '${f.name}' missing`);
    if (f.type === 'dims' || f.type === 'idims') {
      const list = v as readonly number[];
      if (list.length > MAX_RANK) throw new Error(`webgpu: ${list.length} dims exceed the supported rank ${MAX_RANK}`);
      for (let i = 0; i < MAX_RANK; i++) {
        const x = i < list.length ? list[i] : 0;
        if (f.type === 'dims') out.setUint32(at + 4 * i, x >>> 0, true);
        else out.setInt32(at + 4 * i, x | 0, true);
      }
    } else if (f.type === 'f32') {
      out.setFloat32(at, v as number, true);
    } else if (f.type === 'i32') {
      out.setInt32(at, (v as number) | 0, true);
    } else {
      out.setUint32(at, (v as number) >>> 0, true);
    }
  }
}

/** The WGSL element type a dtype is stored as: bool is one u32 word per element. */
export function wgslType(dtype: DType): 'f32' | 'i32' | 'u32' {
  return dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'u32';
}

/** Workgroup size of the 1-D elementwise-style shaders. */
export const WG = 256;

/**
 * Flat invocation index for a 1-D launch that may be folded into 2-D (more than 65535 groups).
 * Declares `idx` inside `main`.
 */
export const MAIN_1D = /* wgsl */ `
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.y * nwg.x + wid.x) * ${WG}u + lid;`;

/** Reads dim `d` of a dims uniform field. */
export const dim = (field: string, d: string): string => `u.${field}[(${d}) >> 2u][(${d}) & 3u]`;

/**
 * Float helpers. NaN and Infinity come from a private variable so no constant expression is
 * non-finite (WGSL rejects those at shader creation).
 */
export const FLOAT_HELPERS = /* wgsl */ `
var<private> INF_BITS: u32 = 0x7f800000u;
var<private> NAN_BITS: u32 = 0x7fc00000u;
fn inf_() -> f32 { return bitcast<f32>(INF_BITS); }
fn nan_() -> f32 { return bitcast<f32>(NAN_BITS); }
fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isinf_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn isfinite_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u; }
// max/min that return NaN when either side is NaN (as the reference).
fn fmax_(a: f32, b: f32) -> f32 { if (isnan_(a) || isnan_(b)) { return nan_(); } return select(b, a, a > b); }
fn fmin_(a: f32, b: f32) -> f32 { if (isnan_(a) || isnan_(b)) { return nan_(); } return select(b, a, a < b); }
`;

/** Splits `n` workgroups into a 2-D grid within the per-dimension limit. */
export function grid(groups: number, maxPerDim = 65535): [number, number, number] {
  if (groups <= maxPerDim) return [Math.max(groups, 1), 1, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y, 1];
}
