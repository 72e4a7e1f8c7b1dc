// @loom/wasm-kernels: the CPU backend built from SIMD AssemblyScript kernels. `wasm()` creates it;
// `wasmBackendFactory` registers it with core's `registerBackend` so `init()` can pick it.

import type { BackendFactory } from '@loom/core';
import { WasmBackend, type Threading } from './backend.js';
import { compileBuild, instantiate, instantiateModule, supportedFlavors, validatesThreads, type WasmFlavor } from './loader.js';
import { MAX_THREADS, WorkerPool, coreCount, threadsUnavailableReason } from './threads.js';

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
  /**
   * Threads for one op (default 'auto': the logical cores, `navigator.hardwareConcurrency` or
   * `os.availableParallelism()`, at most 8). Above 1 the threaded build runs large ops in slices on
   * a pool of workers sharing the memory; where threads cannot be used (a page that is not
   * cross-origin isolated, no SharedArrayBuffer, workers blocked) the backend runs on one thread and
   * `deviceInfo().threadsNote` (shown by `info()`) says why.
   */
  threads?: 'auto' | number;
  /**
   * Split every op the scheduler can split, whatever its size (default false: only ops large
   * enough to gain from it). For tests of the threaded path on small inputs.
   */
  splitSmallOps?: boolean;
}

/** 'auto' takes at most this many threads: beyond it GEMM gains little and each worker costs memory. */
const AUTO_MAX_THREADS = 8;

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
  const { threads = 'auto' } = options;
  if (threads !== 'auto' && !(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) {
    throw new Error(`wasm: threads must be 'auto' or an integer from 1 to ${MAX_THREADS}, got ${String(threads)}`);
  }
  const cores = await coreCount();
  const wanted = threads === 'auto' ? Math.min(cores, AUTO_MAX_THREADS) : threads;
  let reason: string | null;
  if (wanted <= 1) {
    reason = threads === 'auto' ? 'this machine reports one logical core' : 'threads: 1 was requested';
  } else {
    reason = threadsUnavailableReason() ??
      (validatesThreads(flavor) ? null : 'this runtime rejects WebAssembly threads (shared memory)');
  }
  if (reason === null) {
    try {
      return await threaded(name, flavor, initial, maxPages, wanted, options.splitSmallOps === true);
    } catch (e) {
      reason = `the worker threads could not start (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  const memory = new WebAssembly.Memory({ initial, maximum: maxPages });
  const kernels = await instantiate(flavor, memory);
  return new WasmBackend(name, kernels, memory, flavor, maxPages * PAGE, { reason });
}

/** The threaded backend: the shared-memory build on this thread plus `threads − 1` workers. */
async function threaded(name: string, flavor: WasmFlavor, initial: number, maxPages: number, threads: number,
  splitSmallOps: boolean): Promise<WasmBackend> {
  const memory = new WebAssembly.Memory({ initial, maximum: maxPages, shared: true });
  const module = await compileBuild(flavor, true);
  const kernels = await instantiateModule(module, memory);
  // The workers' scratch regions sit just past the module's statics, below the tensor heap.
  const scratchBytes = Math.ceil(kernels.threadScratchSize() / 64) * 64;
  const scratch = Array.from({ length: threads - 1 }, (_, w) => Math.ceil(kernels.heapBase() / 64) * 64 + w * scratchBytes);
  const heapBase = scratch.length > 0 ? scratch[scratch.length - 1] + scratchBytes : kernels.heapBase();
  const names = Object.keys(kernels).filter((k) => typeof (kernels as unknown as Record<string, unknown>)[k] === 'function');
  if (heapBase > memory.buffer.byteLength) memory.grow(Math.ceil((heapBase - memory.buffer.byteLength) / PAGE));
  const pool = await WorkerPool.start(module, memory, names, threads, scratch);
  const threading: Threading = { pool, reason: null, splitSmallOps, heapBase };
  return new WasmBackend(name, kernels, memory, flavor, maxPages * PAGE, threading);
}

/** A factory for `registerBackend(wasmBackendFactory, 2)`: `init()` then prefers wasm over js. */
export const wasmBackendFactory: BackendFactory = { name: 'wasm', create: () => wasm() };
