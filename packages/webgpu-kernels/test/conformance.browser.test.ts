// The conformance suite on the WebGPU backend in Chromium (SwiftShader, --enable-unsafe-webgpu).
// Where the browser has no WebGPU, a failing test names the reason (see probe.ts).

import { defineConformanceSuite } from '@loom/core/testing';
import { probeWebGPU, whenWebGPUMissing } from './probe.js';

const probe = await probeWebGPU();

if (probe.backend) {
  const backend = probe.backend;
  defineConformanceSuite('webgpu', () => backend);
} else {
  whenWebGPUMissing('webgpu conformance (browser)', probe.reason);
}
