// The conformance suite on the WebGPU backend in Chromium (SwiftShader, --enable-unsafe-webgpu).
// Where the browser has no WebGPU, one skipped test names the reason instead.

import { defineConformanceSuite } from '@loom/core/testing';
import { it } from 'vitest';
import { probeWebGPU, whenWebGPUMissing } from './probe.js';

const probe = await probeWebGPU();

if (probe.backend) {
  const backend = probe.backend;
  defineConformanceSuite('webgpu', () => backend);
} else {
  whenWebGPUMissing('webgpu conformance (browser)', probe.reason);
}
