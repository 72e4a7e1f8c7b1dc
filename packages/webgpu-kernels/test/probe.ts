// Shared by the Node and browser tests: creates the WebGPU backend once, or reports why it cannot
// (no WebGPU here, no adapter, or Dawn hanging), with a time limit so a hang cannot stall CI.

import { webgpu, type WebGPUBackend } from '@loom/webgpu-kernels';
import { it } from 'vitest';

/** The backend, or the reason it is unavailable. */
export type Probe = { backend: WebGPUBackend; reason?: undefined } | { backend?: undefined; reason: string };

let probe: Promise<Probe> | undefined;

/** Creates the backend once per test file (within `timeoutMs`). */
export function probeWebGPU(timeoutMs = 30_000): Promise<Probe> {
  probe ??= Promise.race([
    webgpu().then((backend): Probe => ({ backend }), (e: Error): Probe => ({ reason: e.message })),
    new Promise<Probe>((resolve) =>
      setTimeout(() => resolve({ reason: `webgpu() did not settle within ${timeoutMs} ms (Dawn hung?)` }), timeoutMs)),
  ]);
  return probe;
}

/**
 * Registers what runs when WebGPU is missing: a failing test naming the reason (this project's
 * machines always have SwiftShader WebGPU through Debian's chromium, so its absence is a broken
 * setup), or — only with LOOM_ALLOW_NO_WEBGPU=1 in Node, for machines without it — a skip.
 */
export function whenWebGPUMissing(what: string, reason: string): void {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.LOOM_ALLOW_NO_WEBGPU === '1') {
    it.skip(`${what}: WebGPU unavailable here (LOOM_ALLOW_NO_WEBGPU=1): ${reason}`, () => {});
    return;
  }
  it(`${what}: WebGPU is available`, () => {
    throw new Error(`${what}: WebGPU is unavailable: ${reason}. The tests expect SwiftShader WebGPU from Debian's chromium; ` +
      'set LOOM_ALLOW_NO_WEBGPU=1 to skip on a machine without it.');
  });
}
