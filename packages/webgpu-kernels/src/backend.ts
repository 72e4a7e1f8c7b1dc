// The WebGPU Backend: tensor buffers (bool and int32 as 32-bit words), host writes, async reads,
// limits, device loss and GPU errors, profiling, device info; kernels.ts's table runs with it as its
// context. Batching and submits live in runtime.ts, the buffer pool in pool.ts, what each batch's
// error scopes said in batches.ts, adapter and device in device.ts.

import {
  runKernel, tableSupports,
  type Backend, type BackendDeviceInfo, type BackendMemory, type DataId, type DType, type KernelOpName, type OpAttrs,
  type TensorInfo, type TypedArray,
} from '@loom/core/backend';
import { addBatch, BatchFailure } from './batches.js';
import { acquireDevice, type AcquiredDevice, type DeviceOptions } from './device.js';
import { KERNELS, type GpuTensor } from './kernels.js';
import { GpuRuntime, type DispatchLabel, type KernelTiming } from './runtime.js';
import { beginWrite, hostArray, invalidity, limitError, type GpuData } from './tensor-data.js';
import type { ShaderSpec, UniformLayout, UniformValues } from './shaders/common.js';
import { binaryShader, unaryShader } from './shaders/elementwise.js';
import { matmulShader } from './shaders/linalg.js';
import { softmaxShader } from './shaders/reduction.js';

/** Options of `webgpu()`. */
export interface WebGPUOptions extends DeviceOptions {
  /** Dispatches encoded before a submit when nothing is read (default 64). */
  batchSize?: number;
  /** Bytes of freed buffers kept for reuse (default 256 MiB). */
  poolLimitBytes?: number;
  /** Use subgroup operations in reductions when the adapter has them (default true). */
  subgroups?: boolean;
}

/** int32 data up to this many elements keeps a host copy for gather's index check. */
const HOST_SHADOW_LIMIT = 1 << 16;

/** The WebGPU backend. Create it with `webgpu()`. */
export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  private acquired: AcquiredDevice;
  private rt: GpuRuntime;
  private readonly options: WebGPUOptions;
  private readonly live = new Set<GpuData>();
  private liveBytes = 0;
  private generation = 0;
  private lostMessage: string | undefined;
  private deviceErrors: string[] = [];
  private gatherUnchecked = false;
  /** The outputs of the op being encoded: each dispatch adds its batch to their taint. */
  private writing: GpuData[] | undefined;
  private statusBuffer!: GPUBuffer;
  private dummy!: GPUBuffer;
  private disposed = false;

  constructor(acquired: AcquiredDevice, options: WebGPUOptions = {}) {
    this.options = options;
    this.acquired = acquired;
    this.rt = this.attach(acquired);
  }

  private attach(acquired: AcquiredDevice): GpuRuntime {
    const { device } = acquired;
    const generation = ++this.generation;
    this.lostMessage = undefined;
    void device.lost.then((info) => {
      if (this.disposed || generation !== this.generation) return;
      this.lostMessage = `${info.reason}: ${info.message}`;
    });
    device.addEventListener('uncapturederror', (event) => {
      const e = (event as GPUUncapturedErrorEvent).error;
      const kind = e instanceof GPUOutOfMemoryError ? 'out of GPU memory' : 'GPU error';
      if (this.deviceErrors.length < 8) this.deviceErrors.push(`${kind}: ${e.message}`);
    });
    const rt = new GpuRuntime(device, {
      batchSize: this.options.batchSize ?? 64, poolLimitBytes: this.options.poolLimitBytes ?? 256 * 2 ** 20,
    });
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    this.statusBuffer = device.createBuffer({ label: 'loom-status', size: 16, usage });
    this.dummy = device.createBuffer({ label: 'loom-empty', size: 16, usage });
    return rt;
  }

  /** The device in use. */
  get device(): GPUDevice {
    return this.rt.device;
  }

  private check(what: string): void {
    if (this.disposed) throw new Error(`webgpu: ${what} after the backend was disposed`);
    if (this.lostMessage !== undefined) {
      throw new Error(
        `webgpu: the GPU device was lost (${this.lostMessage}); call restore() on the backend or create a new one with webgpu()`,
      );
    }
  }

  private data(id: DataId, what: string): GpuData {
    const d = id as GpuData;
    if (!this.live.has(d)) {
      const lost = d && d.generation !== this.generation ? ' (it belonged to a lost device)' : '';
      throw new Error(`webgpu: ${what} of an unknown or freed buffer${lost}`);
    }
    return d;
  }

  /** One tensor is one storage buffer: the smaller of the two buffer limits. */
  get maxTensorBytes(): number {
    const limits = this.rt.device.limits;
    return Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  }

  alloc(size: number, dtype: DType): DataId {
    this.check('alloc');
    const limits = this.rt.device.limits;
    const tooLarge = limitError(size, dtype, limits);
    const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    const buffer = size === 0 || tooLarge ? null : this.rt.acquire(size * 4, cap);
    const d: GpuData = {
      buffer, size, dtype, bytes: buffer ? buffer.size : 0, generation: this.generation, writer: 'alloc', taint: { batches: [] }, tooLarge,
    };
    this.live.add(d);
    this.liveBytes += d.bytes;
    return d;
  }

  write(id: DataId, data: TypedArray): void {
    this.check('write');
    const d = this.data(id, 'write');
    if (d.tooLarge) throw new Error(`webgpu: write: ${d.tooLarge}`);
    if (data.length !== d.size) throw new Error(`webgpu: write of ${data.length} values into a buffer of ${d.size}`);
    if (!d.buffer) return;
    const words = d.dtype === 'bool' ? Uint32Array.from(data as Uint8Array) : data;
    const batch = this.rt.writeBuffer(d.buffer, words);
    // New contents: valid unless the batch that carries them (if any) fails.
    d.writer = 'write';
    d.poison = undefined;
    d.taint = { batches: batch ? [batch] : [] };
    if (d.dtype === 'int32' && d.size <= HOST_SHADOW_LIMIT) d.host = Int32Array.from(data as Int32Array);
  }

  async read(id: DataId): Promise<TypedArray> {
    this.check('read');
    const d = this.data(id, 'read');
    if (d.tooLarge) throw new Error(`webgpu: read: ${d.tooLarge}`);
    try {
      return await this.readOnce(d);
    } catch (e) {
      // The copy shared its batch with an op that failed, while this tensor is fine: copy again in a fresh batch.
      if (!(e instanceof BatchFailure)) throw e;
      return await this.readOnce(d);
    }
  }

  private async readOnce(d: GpuData): Promise<TypedArray> {
    // Submits the open batch too, so every batch of d's taint is submitted before we wait for it.
    const pending = d.buffer ? this.rt.readBytes(d.buffer, d.size * 4) : (this.rt.flush(), Promise.resolve(null));
    const status = this.gatherUnchecked ? this.rt.readBytes(this.statusBuffer, 4).catch(() => null) : undefined;
    this.gatherUnchecked = false;
    let bytes: ArrayBuffer | null = null;
    let readError: unknown;
    try {
      bytes = await pending;
    } catch (e) {
      readError = e;
    }
    const oom = d.buffer ? await this.rt.creationError(d.buffer) : undefined;
    if (oom) {
      this.deviceErrors.length = 0;
      throw new Error(`webgpu: out of GPU memory: the buffer of this ${d.dtype} tensor of ${d.size} elements (written by ${d.writer}) ` +
        `could not be created (${oom}); dispose tensors (or use tidy) and retry`);
    }
    const failed = await invalidity(d);
    if (failed !== undefined) throw new Error(`webgpu: ${d.writer}: this tensor holds no valid data: ${failed}`);
    if (readError instanceof BatchFailure) throw readError;
    if (readError !== undefined) {
      this.check('read');
      throw new Error(`webgpu: reading a buffer failed: ${(readError as Error).message}`);
    }
    const flags = status ? await status : null;
    if (flags && new Uint32Array(flags)[0] !== 0) {
      this.rt.device.queue.writeBuffer(this.statusBuffer, 0, new Uint32Array(4));
      throw new Error('gather: an index was out of range (found on the GPU, where kernels cannot throw; those outputs were set to 0)');
    }
    if (this.deviceErrors.length > 0) {
      const errors = this.deviceErrors.splice(0);
      throw new Error(`webgpu: the device reported ${errors.join('; ')}`);
    }
    this.check('read');
    return hostArray(d, bytes);
  }

  free(id: DataId): void {
    const d = id as GpuData;
    if (!this.live.delete(d)) return;
    this.liveBytes -= d.bytes;
    // Buffers of a lost device or a disposed backend are not reusable.
    if (d.buffer && d.generation === this.generation && !this.disposed) this.rt.release(d.buffer);
  }

  run<K extends KernelOpName>(op: K, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[], attrs: OpAttrs[K]): void {
    this.check(op);
    const ins = inputs.map((t) => this.data(t.dataId, op));
    const outs = outputs.map((t) => this.data(t.dataId, op));
    const tooLarge = [...ins, ...outs].find((d) => d.tooLarge);
    if (tooLarge) throw new Error(`${op}: ${tooLarge.tooLarge}`);
    if (outputs.every((t) => t.size === 0)) return;
    if (!beginWrite(op, ins, outs)) return; // an input holds no valid data: neither will the outputs
    this.writing = outs;
    try {
      runKernel('webgpu', KERNELS, op, this, inputs.map((t, i) => this.view(t, ins[i])), outputs.map((t, i) => this.view(t, outs[i])),
        attrs);
    } finally {
      this.writing = undefined;
    }
  }

  /** A live tensor as kernels see it; empty ones get the dummy buffer (never read). */
  private view(t: TensorInfo, d: GpuData): GpuTensor {
    return { buffer: d.buffer ?? this.dummy, shape: t.shape, dtype: t.dtype, size: t.size, host: d.host };
  }

  // What kernels.ts uses: dispatch, gather's status buffer and the subgroups switch.

  /** Encodes one kernel dispatch into the current batch (submitted at a read or every `batchSize`). */
  dispatch(spec: ShaderSpec & { layout: UniformLayout }, uniforms: UniformValues, buffers: readonly GPUBuffer[],
    groups: readonly [number, number, number], label: DispatchLabel): void {
    const batch = this.rt.dispatch(spec, uniforms, buffers, groups, label);
    if (batch && this.writing) for (const d of this.writing) addBatch(d.taint, batch);
  }

  /** The 16-byte buffer where gather flags out-of-range indices found on the GPU. */
  get gatherStatus(): GPUBuffer {
    return this.statusBuffer;
  }

  /** A gather ran without a host-side index check: the next read checks `gatherStatus`. */
  markGatherUnchecked(): void {
    this.gatherUnchecked = true;
  }

  /** Whether reductions may use subgroup operations (the adapter has them and options allow). */
  get subgroups(): boolean {
    return this.options.subgroups !== false && this.acquired.features.includes('subgroups');
  }

  /** Whether `op`'s kernel takes `dtype` inputs, as its entry in the kernel table declares. */
  supports(op: KernelOpName, dtype: DType): boolean {
    return tableSupports(KERNELS, op, dtype);
  }

  memory(): BackendMemory {
    const pool = this.rt.poolInfo();
    const s = this.rt.stats;
    return {
      buffers: this.live.size, bytes: this.liveBytes, pooledBuffers: pool.buffers, pooledBytes: pool.bytes,
      buffersCreated: s.buffersCreated, buffersReused: s.buffersReused, submits: s.submits, dispatches: s.dispatches,
      pipelines: s.pipelines,
    };
  }

  deviceInfo(): BackendDeviceInfo {
    const a = this.acquired.adapterInfo;
    const name = [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unknown adapter';
    const l = this.rt.device.limits;
    return {
      kind: 'gpu',
      description: `${name}${a.isFallbackAdapter ? ' (software fallback)' : ''} via WebGPU (${this.acquired.source})`,
      adapter: { ...a },
      features: [...this.acquired.features],
      limits: { maxStorageBufferBindingSize: l.maxStorageBufferBindingSize, maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize },
      lost: this.lostMessage,
    };
  }

  /** Submits everything encoded so far without waiting. */
  flush(): void {
    this.check('flush');
    this.rt.flush();
  }

  /** Compiles the shaders of common ops ahead of use with createComputePipelineAsync. */
  async warmUp(): Promise<void> {
    await Promise.all([
      this.rt.warmUp(matmulShader({ transposeA: false, transposeB: false, vecA: true, vecB: true })),
      this.rt.warmUp(binaryShader('add', 'float32', 'float32', ['same', 'same'], true)),
      this.rt.warmUp(binaryShader('mul', 'float32', 'float32', ['same', 'same'], true)),
      this.rt.warmUp(unaryShader('relu', 'float32', 'float32', true)),
      this.rt.warmUp(softmaxShader('softmax', false)),
    ]);
  }

  /** Starts recording per-kernel GPU times; false when the device lacks `timestamp-query`. */
  startProfile(): boolean {
    this.check('startProfile');
    return this.rt.startProfile();
  }

  /** Stops recording and returns the per-kernel timings. */
  stopProfile(): Promise<KernelTiming[]> {
    this.check('stopProfile');
    return this.rt.stopProfile();
  }

  /**
   * After a device loss: acquires a new device. Tensors that lived on the lost device are gone
   * (reading them throws); new tensors work as before.
   */
  async restore(): Promise<void> {
    if (this.disposed) throw new Error('webgpu: restore after the backend was disposed');
    const acquired = await acquireDevice(this.options);
    try { this.rt.destroy(); } catch { /* the old device may already be gone */ }
    this.live.clear();
    this.liveBytes = 0;
    this.acquired = acquired;
    this.rt = this.attach(acquired);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.live.clear();
    this.liveBytes = 0;
    this.rt.destroy();
    this.statusBuffer.destroy();
    this.dummy.destroy();
    this.rt.device.destroy();
  }
}

