// WebGPU backend runtime and large-shape kernel tests in Chromium; see runtime-cases.ts.
// Where WebGPU is unavailable, a failing test names the reason (see probe.ts).

import { init, registerBackend } from '@loom/core';
import { describe, expect, it } from 'vitest';
import { probeWebGPU, whenWebGPUMissing } from './probe.js';
import { defineRuntimeTests } from './runtime-cases.js';

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
  whenWebGPUMissing('webgpu runtime tests (Chromium)', probe.reason);
}
