// Which backend a page (or the training worker) runs on. `?backend=auto|webgpu|wasm|js` in the URL;
// auto prefers a real GPU, then wasm SIMD, then js — a software GPU (SwiftShader) is slower than wasm,
// so it is only used when asked for by name. The same code runs in the page and in the worker.
import * as loom from '@loom/core';

export const BACKEND_CHOICES = ['auto', 'webgpu', 'wasm', 'js'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

export function isBackendChoice(v: unknown): v is BackendChoice {
  return typeof v === 'string' && (BACKEND_CHOICES as readonly string[]).includes(v);
}

/** The choice in a URL query (`auto` when absent or unknown). */
export function backendFromQuery(search: string): BackendChoice {
  const v = new URLSearchParams(search).get('backend');
  return isBackendChoice(v) ? v : 'auto';
}

/**
 * Threads for the wasm backend: every core in a page, one core fewer in the training worker, so the
 * page keeps a core to draw the charts on while the worker and its kernel threads train.
 */
function wasmThreads(): number | 'auto' {
  const inWorker = typeof (globalThis as { document?: unknown }).document === 'undefined';
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return inWorker ? Math.max(1, Math.min(8, cores) - 1) : 'auto';
}

let registered = false;

/** Registers wasm and webgpu once; `softwareGpu` lets webgpu take a software adapter. */
export function registerBackends(softwareGpu: boolean): void {
  if (registered) return;
  registered = true;
  // The kernel packages load when a backend is first tried, so the page paints before they arrive.
  loom.registerBackend({ name: 'wasm', create: async () => (await import('@loom/wasm-kernels')).wasm({ threads: wasmThreads() }) }, 2);
  loom.registerBackend({ name: 'webgpu', create: async () => (await import('@loom/webgpu-kernels')).webgpu({ allowSoftwareAdapter: softwareGpu }) }, 3);
}

/** Starts the chosen backend (falling back to js when it fails); returns the one running. */
export async function startBackend(choice: BackendChoice): Promise<string> {
  registerBackends(choice === 'webgpu');
  return loom.init(choice === 'auto' ? {} : { backends: [choice] });
}

/** Every backend that starts here, for pages that compare them (the race, the measure button). */
export async function availableBackends(): Promise<string[]> {
  const names: string[] = [];
  const active = loom.getBackend();
  for (const name of ['js', 'wasm', 'webgpu']) {
    try {
      await loom.setBackend(name);
      names.push(name);
    } catch {
      // Not available here; the top bar says why.
    }
  }
  await loom.setBackend(active);
  return names;
}
