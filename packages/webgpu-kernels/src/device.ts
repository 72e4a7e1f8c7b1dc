// Finding a GPU: navigator.gpu in browsers; in Node the optional `webgpu` package (Dawn), loaded by
// dynamic import so bundlers for the browser never pull it in. Errors say why WebGPU is unavailable.

// The public types name these WebGPU interfaces. Declared (empty) here, so a TypeScript consumer
// without @webgpu/types still compiles; where @webgpu/types is installed they merge with its full ones.
declare global {
  interface GPU {}
  interface GPUDevice {}
  interface GPUBuffer {}
}

/** Options for acquiring the device. */
export interface DeviceOptions {
  /** Adapter power preference (WebGPU's GPUPowerPreference). */
  powerPreference?: 'low-power' | 'high-performance';
  /** Use an existing GPU object instead of navigator.gpu / the `webgpu` package. */
  gpu?: GPU;
  /** Try the `webgpu` npm package in Node when navigator.gpu is absent (default true). */
  useNodePackage?: boolean;
  /**
   * Accept a software fallback adapter such as SwiftShader (default true). Apps that would rather
   * run on the wasm CPU backend than on a software GPU pass false, so `init()` moves on.
   */
  allowSoftwareAdapter?: boolean;
}

/** What was acquired: the device and what we learned about the adapter. */
export interface AcquiredDevice {
  device: GPUDevice;
  adapterInfo: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter: boolean };
  features: string[];
  source: 'navigator.gpu' | 'webgpu package' | 'provided';
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const CHROMIUM_VULKAN_LOADER = '/usr/lib/chromium/libvulkan.so.1';

interface NodeProcess {
  versions?: { node?: string };
  env: Record<string, string | undefined>;
  getBuiltinModule?: (name: string) => unknown;
  dlopen?: (module: { exports: unknown }, filename: string, flags?: number) => void;
}

/**
 * import() of a specifier only known at run time, so bundlers for the browser neither resolve nor
 * bundle Node-only modules.
 */
function importAtRuntime(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

/** A Node built-in module, through process.getBuiltinModule where available (Node ≥ 20.16). */
async function builtin<T>(proc: NodeProcess, name: string): Promise<T> {
  return (proc.getBuiltinModule?.(name) as T | undefined) ?? ((await importAtRuntime(name)) as T);
}

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return p?.versions?.node ? p : undefined;
}

/**
 * Prepares Dawn in Node on machines without a GPU: points the Vulkan loader at Chromium's
 * SwiftShader when nothing else is configured, and preloads Chromium's Vulkan loader when the
 * system has none (Dawn dlopens `libvulkan.so.1` by name, which then resolves to the loaded one).
 */
async function prepareNodeVulkan(proc: NodeProcess): Promise<void> {
  const fs = await builtin<typeof import('node:fs')>(proc, 'node:fs');
  if (!proc.env.VK_ICD_FILENAMES && fs.existsSync(SWIFTSHADER_ICD)) proc.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const systemLoader = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
    '/usr/lib64/libvulkan.so.1', '/usr/lib/libvulkan.so.1'].some((p) => fs.existsSync(p));
  if (!systemLoader && fs.existsSync(CHROMIUM_VULKAN_LOADER) && proc.dlopen) {
    const os = await builtin<typeof import('node:os')>(proc, 'node:os');
    const c = os.constants.dlopen as Record<string, number>;
    // RTLD_NODELETE (0x1000 on Linux) keeps the library loaded after Node's addon check rejects it.
    const flags = c.RTLD_NOW | c.RTLD_GLOBAL | (c.RTLD_NODELETE ?? 0x1000);
    try {
      proc.dlopen({ exports: {} }, CHROMIUM_VULKAN_LOADER, flags);
    } catch {
      // Expected: it is not a Node addon ("did not self-register"); the library stays loaded.
    }
  }
}

let nodeGpu: GPU | undefined;

async function gpuFromNodePackage(proc: NodeProcess): Promise<GPU> {
  if (nodeGpu) return nodeGpu;
  await prepareNodeVulkan(proc);
  let mod: { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = (await importAtRuntime('webgpu')) as typeof mod;
  } catch (e) {
    throw new Error(`webgpu: navigator.gpu is absent and the 'webgpu' package could not be loaded (${(e as Error).message}); ` +
      'install it with npm install webgpu');
  }
  // The Dawn bindings expect the WebGPU globals (GPUBufferUsage, ...) to exist.
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  nodeGpu = mod.create([]);
  return nodeGpu;
}

/** Requests an adapter and a device with the adapter's larger limits and useful features. */
export async function acquireDevice(options: DeviceOptions = {}): Promise<AcquiredDevice> {
  let gpu = options.gpu;
  let source: AcquiredDevice['source'] = 'provided';
  if (!gpu) {
    const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
    if (nav?.gpu) {
      gpu = nav.gpu;
      source = 'navigator.gpu';
    } else {
      const proc = nodeProcess();
      if (!proc || options.useNodePackage === false) {
        throw new Error('webgpu: navigator.gpu is absent: this browser or runtime has no WebGPU ' +
          '(in Chromium, check chrome://gpu; it may need --enable-unsafe-webgpu)');
      }
      gpu = await gpuFromNodePackage(proc);
      source = 'webgpu package';
    }
  }
  const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : undefined);
  if (!adapter) {
    const hint = source === 'webgpu package'
      ? ` (Dawn found no Vulkan device; VK_ICD_FILENAMES=${nodeProcess()?.env.VK_ICD_FILENAMES ?? 'unset'})`
      : '';
    throw new Error(`webgpu: requestAdapter() returned no adapter${hint}`);
  }
  const adapterInfo = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const isSoftware = (adapterInfo as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter
    ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  if (isSoftware && options.allowSoftwareAdapter === false) {
    throw new Error(`webgpu: only a software adapter is available (${adapterInfo?.vendor ?? ''} ${adapterInfo?.architecture ?? ''}`.trim() +
      '); a CPU backend will be faster (pass allowSoftwareAdapter: true to use it anyway)');
  }
  const wanted = ['timestamp-query', 'subgroups'] as const;
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f)) as GPUFeatureName[];
  const l = adapter.limits;
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
  };
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  } catch (e) {
    throw new Error(`webgpu: requestDevice failed: ${(e as Error).message}`);
  }
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  return {
    device,
    adapterInfo: {
      vendor: info?.vendor ?? '',
      architecture: info?.architecture ?? '',
      device: info?.device ?? '',
      description: info?.description ?? '',
      isFallbackAdapter: (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter
        ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
    },
    features: [...device.features],
    source,
  };
}
