// In Chromium on the WebGPU backend (SwiftShader here): the TF.js parity checks for the MLP and
// LSTM models (forward and 20 SGD steps), which exercise training end to end on the GPU path.

import * as core from '@loom/core';
import { webgpu } from '@loom/webgpu-kernels';
import { defineParitySuite } from './parity-suite.js';

defineParitySuite('webgpu', async () => {
  if (!core.findBackend('webgpu')) core.registerBackend(await webgpu(), 5);
  await core.setBackend('webgpu');
}, (name) => name.startsWith('MLP') || name.startsWith('LSTM'));
