// @loom/wasm-kernels: the CPU backend built from SIMD AssemblyScript kernels. `wasm()` creates it;
// `wasmBackendFactory` registers it with core's `registerBackend` so `init()` can pick it.

import type { BackendFactory } from '@loom/core';
import { WasmBackend } from './backend.js';
import { instantiate, supportedFlavors, type WasmFlavor } from './loader.js';

export { WasmBackend } from './backend.js';
export { HeapAllocator, OutOfMemoryError, sizeClass } from './allocator.js';
export type { HeapStats } from './allocator.js';
export type { WasmFlavor } from './loader.js';
export { supportedFlavors } from './loader.js';
export { TRANSCENDENTAL_MAX_ERROR } from './accuracy.js';

/** Options of `wasm()`. */
export interface WasmOptions {
  /** Use the relaxed-SIMD build: 'auto' (default) when the runtime accepts it, false for plain SIMD. */
  relaxedSimd?: boolean | 'auto';
  /** The backend's registered name (default 'wasm'). */
  name?: string;
  /** Largest linear memory the heap may grow to, in bytes (default 4 GiB, the wasm32 limit). */
  maxMemoryBytes?: number;
  /** Linear memory reserved at start, in bytes (default 16 MiB). */
  initialMemoryBytes?: number;
}

const PAGE = 65536;

/**
 * Creates the wasm backend: validates the embedded builds and instantiates the best one this
 * runtime accepts (relaxed SIMD, else SIMD). Rejects with a clear message when WebAssembly SIMD is
 * unavailable, so `init()` falls back to `js`.
 */
export async function wasm(options: WasmOptions = {}): Promise<WasmBackend> {
  const { relaxedSimd = 'auto', name = 'wasm' } = options;
  const flavors = supportedFlavors();
  if (flavors.length === 0) {
    throw new Error(
      typeof WebAssembly === 'object'
        ? 'wasm: this runtime does not support WebAssembly SIMD (v128); use the js backend'
        : 'wasm: WebAssembly is not available in this runtime; use the js backend',
    );
  }
  let flavor: WasmFlavor;
  if (relaxedSimd === true) {
    if (!flavors.includes('relaxed-simd')) {
      throw new Error('wasm: relaxed SIMD was requested but this runtime rejects it (Node 20 needs --experimental-wasm-relaxed-simd)');
    }
    flavor = 'relaxed-simd';
  } else if (relaxedSimd === false) {
    if (!flavors.includes('simd')) throw new Error('wasm: this runtime does not support WebAssembly SIMD (v128)');
    flavor = 'simd';
  } else {
    flavor = flavors[0];
  }
  const maxPages = Math.min(65536, Math.max(1, Math.floor((options.maxMemoryBytes ?? 2 ** 32) / PAGE)));
  const initial = Math.min(maxPages, Math.max(1, Math.ceil((options.initialMemoryBytes ?? 16 * 2 ** 20) / PAGE)));
  const memory = new WebAssembly.Memory({ initial, maximum: maxPages });
  const kernels = await instantiate(flavor, memory);
  return new WasmBackend(name, kernels, memory, flavor, maxPages * PAGE);
}

/** A factory for `registerBackend(wasmBackendFactory, 2)`: `init()` then prefers wasm over js. */
export const wasmBackendFactory: BackendFactory = { name: 'wasm', create: () => wasm() };
