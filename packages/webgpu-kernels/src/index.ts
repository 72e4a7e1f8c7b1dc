// @loom/webgpu-kernels: the Loom backend on WebGPU with hand-written WGSL compute shaders.
// `webgpu()` creates it (browsers: navigator.gpu; Node: the optional `webgpu` package).

import type { BackendFactory } from '@loom/core/backend';
import { WebGPUBackend, type WebGPUOptions } from './backend.js';
import { acquireDevice } from './device.js';
import type { KernelTiming } from './runtime.js';

export { WebGPUBackend } from './backend.js';
export type { WebGPUOptions } from './backend.js';
export type { DeviceOptions } from './device.js';
export type { KernelTiming } from './runtime.js';

/**
 * Creates the WebGPU backend. Rejects with the reason when WebGPU is unavailable: no
 * navigator.gpu (and, in Node, no `webgpu` package), no adapter, or a failed device request.
 */
export async function webgpu(options: WebGPUOptions = {}): Promise<WebGPUBackend> {
  const acquired = await acquireDevice(options);
  return new WebGPUBackend(acquired, options);
}

/**
 * A factory for `registerBackend(webgpuFactory(), priority)`: `init()` then picks WebGPU where it
 * exists and falls back where it does not.
 */
export function webgpuFactory(options: WebGPUOptions = {}): BackendFactory {
  return { name: 'webgpu', create: () => webgpu(options) };
}

/** Formats a profile from `stopProfile()` as a table: op, shapes, shader, microseconds, summed per op at the end. */
export function formatProfile(timings: readonly KernelTiming[]): string {
  const lines = timings.map((t) => `${t.op.padEnd(12)} ${t.microseconds.toFixed(1).padStart(10)} us  ${t.shapes}  (${t.shader})`);
  const perOp = new Map<string, number>();
  for (const t of timings) perOp.set(t.op, (perOp.get(t.op) ?? 0) + t.microseconds);
  const total = [...perOp.entries()].sort((a, b) => b[1] - a[1])
    .map(([op, us]) => `${op.padEnd(12)} ${us.toFixed(1).padStart(10)} us total`);
  return [...lines, '', ...total].join('\n');
}
