// Shared by the Node and browser tests: creates the WebGPU backend once, or reports why it cannot
// (no WebGPU here, no adapter, or Dawn hanging), with a time limit so a hang cannot stall CI.

import { webgpu, type WebGPUBackend } from '@loom/webgpu-kernels';

/** The backend, or the reason it is unavailable. */
export type Probe = { backend: WebGPUBackend; reason?: undefined } | { backend?: undefined; reason: string };

let probe: Promise<Probe> | undefined;

/** Creates the backend once per test file (within `timeoutMs`). */
export function probeWebGPU(timeoutMs = 30_000): Promise<Probe> {
  probe ??= Promise.race([
    webgpu().then((backend): Probe => ({ backend }), (e: Error): Probe => ({ reason: e.message })),
    new Promise<Probe>((resolve) => setTimeout(() => resolve({ reason: `webgpu() did not settle within ${timeoutMs} ms (Dawn hung?)` }), timeoutMs)),
  ]);
  return probe;
}
