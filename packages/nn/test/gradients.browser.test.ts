// The gradient suite in Chromium: js against finite differences, then wasm (both builds) and webgpu
// (SwiftShader, --enable-unsafe-webgpu) against js.

import { JsBackend, findBackend } from '@loom/core';
import { defineGradientSuite } from '@loom/nn/testing';
import { wasm } from '@loom/wasm-kernels';
// NOTE: the webgpu package's own probe, so a missing WebGPU fails here exactly as it does there.
import { probeWebGPU, whenWebGPUMissing } from '../../webgpu-kernels/test/probe.js';

defineGradientSuite('js', () => findBackend('js') ?? new JsBackend());
defineGradientSuite('wasm', () => wasm());
defineGradientSuite('wasm-simd', () => wasm({ relaxedSimd: false, name: 'wasm-simd' }));

const probe = await probeWebGPU();
if (probe.backend) {
  const backend = probe.backend;
  defineGradientSuite('webgpu', () => backend);
} else {
  whenWebGPUMissing('webgpu gradients (browser)', probe.reason);
}
