// Test-only fault injection; not exported from the package. The fault tests import it by path to
// make a real device fail in ways a correct backend never causes (a shader that does not compile).

/** Rewrites the WGSL of a shader (by its cache key) before it is compiled. */
export type ShaderRewrite = (key: string, code: string) => string;

const rewrites = new WeakMap<GPUDevice, ShaderRewrite>();

/** Test only: from now on, shaders compiled on `device` go through `rewrite` (undefined removes it). */
export function injectShaderFault(device: GPUDevice, rewrite: ShaderRewrite | undefined): void {
  if (rewrite) rewrites.set(device, rewrite);
  else rewrites.delete(device);
}

/** The WGSL to compile for `key` on `device`: `code` unless a test injected a fault. */
export function shaderSource(device: GPUDevice, key: string, code: string): string {
  const rewrite = rewrites.get(device);
  return rewrite ? rewrite(key, code) : code;
}
