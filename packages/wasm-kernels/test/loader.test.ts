// Loading: the best build is picked, the plain build can be forced, and a runtime without wasm SIMD
// gets a clear error so init() falls back to the reference backend.

import * as loom from '@loom/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { supportedFlavors, wasm, wasmBackendFactory } from '@loom/wasm-kernels';

describe('wasm loader', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prefers relaxed SIMD where the runtime validates it (Node runs with the flag here)', async () => {
    expect(supportedFlavors()).toEqual(['relaxed-simd', 'simd']);
    const b = await wasm({ name: 'wasm-loader-a' });
    expect(b.flavor).toBe('relaxed-simd');
    expect(b.deviceInfo()).toMatchObject({ kind: 'cpu', simd: true, relaxedSimd: true });
    const plain = await wasm({ relaxedSimd: false, name: 'wasm-loader-b' });
    expect(plain.flavor).toBe('simd');
    expect(plain.deviceInfo().relaxedSimd).toBe(false);
  });

  it('rejects a forced relaxed build the runtime refuses, naming the Node flag', async () => {
    const real = WebAssembly.validate;
    vi.spyOn(WebAssembly, 'validate').mockImplementationOnce(() => false).mockImplementation((b) => real(b));
    await expect(wasm({ relaxedSimd: true })).rejects.toThrow(/relaxed SIMD was requested.*--experimental-wasm-relaxed-simd/);
  });

  it('without wasm SIMD, wasm() rejects clearly and init() falls back to js', async () => {
    vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    expect(supportedFlavors()).toEqual([]);
    await expect(wasm()).rejects.toThrow(/does not support WebAssembly SIMD \(v128\); use the js backend/);
    loom.registerBackend({ ...wasmBackendFactory, name: 'wasm-nosimd' }, 5);
    expect(await loom.init({ backends: ['wasm-nosimd', 'js'] })).toBe('js');
    expect(loom.registeredBackends().find((r) => r.name === 'wasm-nosimd')).toMatchObject({ state: 'failed' });
    loom.removeBackend('wasm-nosimd');
  });
});
