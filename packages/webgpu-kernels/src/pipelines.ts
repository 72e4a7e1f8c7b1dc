// The pipeline cache: one compute pipeline per shader key, compiled on first use (synchronously)
// or ahead of use (`warmUp`, createComputePipelineAsync). A compile failure surfaces only
// asynchronously; the pipeline then leaves the cache, so a later use compiles again instead of
// failing forever, and the failure is reported naming the op.

import { shaderSource } from './faults.js';
import type { ShaderSpec } from './shaders/common.js';

export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly compiling = new Map<string, Promise<GPUComputePipeline>>();
  /** `stats.pipelines` counts the pipelines compiled (for memory() and tests). */
  constructor(private readonly device: GPUDevice, private readonly stats: { pipelines: number }) {}

  /**
   * The pipeline for `spec`. When it is compiled now, `explain` receives a promise of why the
   * compile failed (undefined when it did not), naming `op`.
   */
  get(spec: ShaderSpec, op: string, explain: (check: Promise<string | undefined>) => void): GPUComputePipeline {
    const cached = this.pipelines.get(spec.key);
    if (cached) return cached;
    this.device.pushErrorScope('validation');
    let p: GPUComputePipeline | undefined;
    try {
      const module = this.device.createShaderModule({ label: spec.key, code: shaderSource(this.device, spec.key, spec.code) });
      p = this.device.createComputePipeline({ label: spec.key, layout: 'auto', compute: { module, entryPoint: 'main' } });
    } finally {
      const compiled = p;
      explain(this.device.popErrorScope().then((error) => {
        if (!error) return undefined;
        if (compiled && this.pipelines.get(spec.key) === compiled) this.pipelines.delete(spec.key);
        return `the shader of ${op} (${spec.key}) failed to compile: ${error.message.trim()}`;
      }, () => undefined));
    }
    this.pipelines.set(spec.key, p);
    this.stats.pipelines++;
    return p;
  }

  /** Compiles `spec` without blocking so a later dispatch finds it ready; rejects when it does not compile. */
  async warmUp(spec: ShaderSpec): Promise<void> {
    if (this.pipelines.has(spec.key)) return;
    let pending = this.compiling.get(spec.key);
    if (!pending) {
      // The module's compile error comes with the pipeline's rejection; the scope keeps it from also being uncaptured.
      this.device.pushErrorScope('validation');
      const module = this.device.createShaderModule({ label: spec.key, code: shaderSource(this.device, spec.key, spec.code) });
      void this.device.popErrorScope().catch(() => {});
      pending = this.device.createComputePipelineAsync({ label: spec.key, layout: 'auto', compute: { module, entryPoint: 'main' } });
      this.compiling.set(spec.key, pending);
    }
    let p: GPUComputePipeline;
    try {
      p = await pending;
    } finally {
      this.compiling.delete(spec.key);
    }
    if (!this.pipelines.has(spec.key)) {
      this.pipelines.set(spec.key, p);
      this.stats.pipelines++;
    }
  }

  clear(): void {
    this.pipelines.clear();
  }
}
