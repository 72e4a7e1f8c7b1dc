// `info()`: which backend is active, what device it runs on, and what this runtime supports —
// the "which device am I running on?" check.

import type { BackendDeviceInfo } from './backend/backend.js';
import { activeBackend, registeredBackends } from './engine/index.js';

// Tiny modules that validate only where a feature is supported (hand-assembled bytes).
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
// (func (result v128) i32.const 0 i32x4.splat)
const SIMD_MODULE = [...HEADER, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x11, 0x0b];
// (func (result v128) three splats, f32x4.relaxed_madd)
const RELAXED_SIMD_MODULE = [...HEADER, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x13, 0x01, 0x11, 0x00, 0x41, 0x00, 0xfd, 0x11, 0x41, 0x00, 0xfd, 0x11, 0x41, 0x00, 0xfd, 0x11, 0xfd, 0x85, 0x02, 0x0b];
// (memory 1 1 shared)
const SHARED_MEMORY_MODULE = [...HEADER, 0x05, 0x04, 0x01, 0x03, 0x01, 0x01];

function validates(bytes: number[]): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(new Uint8Array(bytes));
  } catch {
    return false;
  }
}

/** What the JavaScript runtime offers to backends. */
export interface RuntimeInfo {
  /** 'browser', 'node' or 'other'. */
  runtime: 'browser' | 'node' | 'other';
  wasm: { available: boolean; simd: boolean; relaxedSimd: boolean; threads: boolean };
  /** Whether `navigator.gpu` exists (an adapter may still be missing). */
  webgpu: { available: boolean };
}

/** Detects WebAssembly features and WebGPU presence in this runtime. */
export function runtimeInfo(): RuntimeInfo {
  const g = globalThis as { process?: { versions?: { node?: string } }; window?: unknown; navigator?: { gpu?: unknown } };
  const wasmAvailable = typeof WebAssembly === 'object';
  return {
    runtime: g.process?.versions?.node ? 'node' : typeof g.window === 'object' ? 'browser' : 'other',
    wasm: {
      available: wasmAvailable,
      simd: validates(SIMD_MODULE),
      relaxedSimd: validates(RELAXED_SIMD_MODULE),
      threads: validates(SHARED_MEMORY_MODULE) && typeof SharedArrayBuffer === 'function',
    },
    webgpu: { available: !!g.navigator?.gpu },
  };
}

/** The answer to "which device am I running on?". */
export interface EngineInfo {
  /** The active backend's name. */
  backend: string;
  /** What the active backend found about its device. */
  device: BackendDeviceInfo;
  /** Every registered backend, by priority, with its state and why it failed if it did. */
  backends: ReturnType<typeof registeredBackends>;
  /** What this runtime supports. */
  runtime: RuntimeInfo;
}

/** Reports the active backend, its device, the other backends and the runtime's features. */
export function info(): EngineInfo {
  const backend = activeBackend();
  return { backend: backend.name, device: backend.deviceInfo(), backends: registeredBackends(), runtime: runtimeInfo() };
}
