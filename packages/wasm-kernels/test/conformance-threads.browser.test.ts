// The conformance suite on the threaded build inside Chromium, served with COOP/COEP (vitest's
// browser project sets the headers): Web Workers from a Blob URL, the main thread spinning while
// the workers finish, every splittable op split across 2 threads.

import { defineConformanceSuite } from '@loom/core/testing';
import { expect, it } from 'vitest';
import { wasm } from '@loom/wasm-kernels';

it('the page is cross-origin isolated and the threaded build starts its workers', async () => {
  expect(globalThis.crossOriginIsolated).toBe(true);
  const b = await wasm({ threads: 2, name: 'wasm-threads-probe' });
  expect(b.deviceInfo()).toMatchObject({ threads: 2, description: expect.stringContaining('2 threads') });
  b.dispose();
});

defineConformanceSuite('wasm-threads', () => wasm({ threads: 2, splitSmallOps: true, name: 'wasm-threads' }));
