// The data utilities on tensors of the webgpu backend (SwiftShader here: no synchronous reads) and,
// for reference, of js, in Chromium.

import * as core from '@loom/core';
import { webgpu } from '@loom/webgpu-kernels';
import { afterAll } from 'vitest';
import { defineDataBackendSuite } from './data-backends-suite.js';

defineDataBackendSuite('webgpu', async () => {
  if (!core.findBackend('webgpu')) core.registerBackend(await webgpu(), 5);
  await core.setBackend('webgpu');
});
defineDataBackendSuite('js', async () => { await core.setBackend('js'); });
afterAll(() => core.setBackend('js'));
