// The differential fuzzer (random op programs, special values) on WebGPU (Dawn on SwiftShader in
// Node), against js, with the documented accepted differences (subnormals, sin/cos range).

import { defineFuzzSuite } from '@loom/core/testing';
import { probeWebGPU, whenWebGPUMissing } from './probe.js';

const probe = await probeWebGPU();
if (probe.backend) {
  const backend = probe.backend;
  defineFuzzSuite('webgpu', () => backend);
} else {
  whenWebGPUMissing('differential fuzzer (webgpu, Node)', probe.reason);
}
