// The conformance suite on the WebGPU backend in Node, through Dawn (`webgpu` package) on
// SwiftShader. Where Dawn cannot run here, a failing test names the reason (see probe.ts).

import { defineConformanceSuite } from '@loom/core/testing';
import { probeWebGPU, whenWebGPUMissing } from './probe.js';

const probe = await probeWebGPU();

if (probe.backend) {
  const backend = probe.backend;
  defineConformanceSuite('webgpu', () => backend);
} else {
  whenWebGPUMissing('webgpu conformance (Node)', probe.reason);
}
