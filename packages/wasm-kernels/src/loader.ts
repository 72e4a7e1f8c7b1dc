// Finds the best kernel build this runtime accepts (relaxed SIMD, else plain SIMD) and instantiates
// it on a linear memory; the threaded builds (the same kernels importing a shared memory, made from
// the embedded bytes by src/shared-memory.ts) are compiled once so the worker pool can instantiate
// the same module in every worker. The .wasm bytes are embedded as
// base64, so no file is fetched.

import type { Kernels } from './generated/kernels-abi.js';
import { WASM_RELAXED } from './generated/kernels-relaxed.js';
import { WASM_SIMD } from './generated/kernels-simd.js';
import { withSharedMemory } from './shared-memory.js';

/** Which build was loaded. */
export type WasmFlavor = 'relaxed-simd' | 'simd';

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(text.length));
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** The embedded bytes of one build (`threads`: the shared-memory one). */
function buildBytes(flavor: WasmFlavor, threads: boolean): Uint8Array<ArrayBuffer> {
  const bytes = decode(flavor === 'relaxed-simd' ? WASM_RELAXED : WASM_SIMD);
  return threads ? withSharedMemory(bytes) : bytes;
}

/** The builds this runtime validates, best first. */
export function supportedFlavors(): WasmFlavor[] {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.validate !== 'function') return [];
  const out: WasmFlavor[] = [];
  if (WebAssembly.validate(buildBytes('relaxed-simd', false))) out.push('relaxed-simd');
  if (WebAssembly.validate(buildBytes('simd', false))) out.push('simd');
  return out;
}

/** Whether the runtime validates the shared-memory build of `flavor` (wasm threads). */
export function validatesThreads(flavor: WasmFlavor): boolean {
  try {
    return WebAssembly.validate(buildBytes(flavor, true));
  } catch {
    return false;
  }
}

/** The imports every instance gets: the memory and asc's abort. */
export function kernelImports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return {
    env: {
      memory,
      abort: (_msg: number, _file: number, line: number, column: number) => {
        throw new Error(`wasm kernel aborted at ${line}:${column}`);
      },
    },
  };
}

/** Compiles one build (the pool sends the module to its workers). */
export function compileBuild(flavor: WasmFlavor, threads: boolean): Promise<WebAssembly.Module> {
  return WebAssembly.compile(buildBytes(flavor, threads));
}

/** Instantiates a compiled build on `memory`. */
export async function instantiateModule(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<Kernels> {
  const instance = await WebAssembly.instantiate(module, kernelImports(memory));
  // The raw exports: asc's bindings describe them (scripts/build-wasm.mjs), booleans arrive as 0/1.
  return instance.exports as unknown as Kernels;
}

/** Instantiates one single-threaded build on `memory`. */
export async function instantiate(flavor: WasmFlavor, memory: WebAssembly.Memory): Promise<Kernels> {
  return instantiateModule(await compileBuild(flavor, false), memory);
}
