// WebGPU backend runtime and large-shape kernel tests in Node (Dawn); see runtime-cases.ts.
// Where WebGPU is unavailable, a failing test names the reason (see probe.ts).

import { init, registerBackend } from '@loom/core';
import { webgpu } from '@loom/webgpu-kernels';
import { describe, expect, it } from 'vitest';
import { probeWebGPU, whenWebGPUMissing } from './probe.js';
import { defineRuntimeTests } from './runtime-cases.js';

// These need no GPU: they fake the WebGPU objects or turn the Node package off.
describe('webgpu() says why WebGPU is unavailable', () => {
  it('without navigator.gpu and without the webgpu package', async () => {
    await expect(webgpu({ useNodePackage: false })).rejects.toThrow(/navigator\.gpu is absent/);
  });
  it('when no adapter is found', async () => {
    const gpu = { requestAdapter: async () => null } as unknown as GPU;
    await expect(webgpu({ gpu })).rejects.toThrow(/requestAdapter\(\) returned no adapter/);
  });
  it('when the device request fails', async () => {
    const adapter = { features: new Set(), limits: {}, requestDevice: async () => { throw new Error('no device today'); } };
    const gpu = { requestAdapter: async () => adapter } as unknown as GPU;
    await expect(webgpu({ gpu })).rejects.toThrow(/requestDevice failed: no device today/);
  });
});

const probe = await probeWebGPU();

if (probe.backend) {
  const backend = probe.backend;
  registerBackend(backend, 3);
  describe('webgpu backend selection', () => {
    it('init() picks webgpu when it is registered with the highest priority', async () => {
      expect(await init()).toBe('webgpu');
    });
  });
  defineRuntimeTests(() => backend);
} else {
  whenWebGPUMissing('webgpu runtime tests (Node (Dawn))', probe.reason);
}
