// The data utilities on tensors of the js and wasm backends, in Node (webgpu: data-backends.browser.test.ts).

import * as core from '@loom/core';
import { wasm } from '@loom/wasm-kernels';
import { afterAll } from 'vitest';
import { defineDataBackendSuite } from './data-backends-suite.js';

defineDataBackendSuite('js', async () => { await core.setBackend('js'); });
defineDataBackendSuite('wasm', async () => {
  if (!core.findBackend('wasm')) core.registerBackend(await wasm(), 5);
  await core.setBackend('wasm');
});
afterAll(() => core.setBackend('js'));
