// Finds the best kernel build this runtime accepts (relaxed SIMD, else plain SIMD) and instantiates
// it on a fresh linear memory. The .wasm bytes are embedded as base64, so no file is fetched.

import type { Kernels } from './generated/kernels-abi.js';
import { WASM_RELAXED } from './generated/kernels-relaxed.js';
import { WASM_SIMD } from './generated/kernels-simd.js';

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
  // The raw exports: asc's bindings describe them (scripts/build-wasm.mjs), booleans arrive as 0/1.
  return instance.exports as unknown as Kernels;
}
