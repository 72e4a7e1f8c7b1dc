// Finds the best kernel build this runtime accepts (relaxed SIMD, else plain SIMD) and instantiates
// it on a fresh linear memory. The .wasm bytes are embedded as base64, so no file is fetched.

import { WASM_RELAXED } from './generated/kernels-relaxed.js';
import { WASM_SIMD } from './generated/kernels-simd.js';

/** The kernels the AssemblyScript module exports (pointers are byte addresses; bools are 0/1). */
export interface Kernels {
  heapBase(): number;
  unaryF32(op: number, x: number, y: number, n: number, a: number, b: number): void;
  unaryI32(op: number, x: number, y: number, n: number, lo: number, hi: number): void;
  predicateF32(op: number, x: number, y: number, n: number): void;
  logicalNot(x: number, y: number, n: number): void;
  cast(from: number, to: number, x: number, y: number, n: number): void;
  fill(y: number, n: number, size: number, bits: number): void;
  binary(op: number, dt: number, a: number, b: number, y: number, params: number): void;
  where(size: number, c: number, a: number, b: number, y: number, params: number): void;
  copyStrided(size: number, dst: number, src: number, params: number): void;
  transpose2d(dst: number, src: number, rows: number, cols: number): void;
  gatherCheck(idx: number, count: number, axisSize: number): number;
  gather(size: number, x: number, idx: number, y: number, batch: number, outer: number, axisSize: number, inner: number, perBatch: number): void;
  reduce(op: number, dt: number, x: number, y: number, outer: number, n: number, inner: number): void;
  argReduce(isMax: number, dt: number, x: number, y: number, outer: number, n: number, inner: number): void;
  softmax(isLog: number, x: number, y: number, outer: number, n: number, inner: number): void;
  cumsum(dt: number, exclusive: number, reverse: number, x: number, y: number, outer: number, n: number, inner: number, acc: number): void;
  topk(dt: number, x: number, values: number, indices: number, rows: number, n: number, k: number, tmp: number): void;
  gemm(a: number, b: number, c: number, m: number, n: number, k: number, tA: number, tB: number, ldc: number, pa: number, pb: number): void;
  matmul(a: number, b: number, c: number, batch: number, m: number, n: number, k: number, tA: number, tB: number, strideA: number, strideB: number, pa: number, pb: number): void;
  packASize(): number;
  packBSize(): number;
  setGemmRows(mr: number): number;
  setGemmBlocking(kc: number, nc: number): number;
  conv2d(x: number, filter: number, y: number, params: number, pa: number, pb: number): void;
  pool2d(isAvg: number, x: number, y: number, params: number): void;
}

/** Which build was loaded. */
export type WasmFlavor = 'relaxed-simd' | 'simd';

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The builds this runtime validates, best first. */
export function supportedFlavors(): WasmFlavor[] {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return [];
  const out: WasmFlavor[] = [];
  if (WebAssembly.validate(decode(WASM_RELAXED))) out.push('relaxed-simd');
  if (WebAssembly.validate(decode(WASM_SIMD))) out.push('simd');
  return out;
}

/** Instantiates one build on `memory`. */
export async function instantiate(flavor: WasmFlavor, memory: WebAssembly.Memory): Promise<Kernels> {
  const bytes = decode(flavor === 'relaxed-simd' ? WASM_RELAXED : WASM_SIMD);
  const imports = {
    env: {
      memory,
      abort: (_msg: number, _file: number, line: number, column: number) => {
        throw new Error(`wasm kernel aborted at ${line}:${column}`);
      },
    },
  };
  const { instance } = await WebAssembly.instantiate(bytes, imports);
  return instance.exports as unknown as Kernels;
}
