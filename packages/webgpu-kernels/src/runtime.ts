// The GPU runtime under the backend: buffer pool by size class, pipeline cache, one command
// encoder with batched submits, per-batch uniform slots, async staging readback, and optional
// timestamp-query profiling.

import { packUniform, type ShaderSpec, type UniformLayout, type UniformValues } from './shaders/common.js';

/** Bytes reserved for each dispatch's uniforms (WebGPU's minUniformBufferOffsetAlignment is ≤ 256). */
const UNIFORM_SLOT = 256;

/** Storage buffers are rounded up to these size classes so freed ones can be reused. */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  // Classes at 2^k and 1.5·2^k keep the waste below a third.
  const p = 2 ** Math.ceil(Math.log2(bytes));
  return bytes <= p * 0.75 ? p * 0.75 : p;
}

/** One timed kernel in a profile. */
export interface KernelTiming {
  op: string;
  shader: string;
  /** Shapes of inputs and outputs, e.g. "[64,64]x[64,64]->[64,64]". */
  shapes: string;
  microseconds: number;
}

/** Settings of the runtime (see WebGPUOptions). */
export interface RuntimeOptions {
  /** Dispatches encoded before a submit even without a read (default 64). */
  batchSize: number;
  /** Bytes of free buffers the pool keeps before destroying them (default 256 MiB). */
  poolLimitBytes: number;
}

/** What a profile records of one dispatch: its op, shader key and shapes. */
export interface DispatchLabel {
  op: string;
  shader: string;
  shapes: string;
}

/** Device-side machinery shared by all kernels. */
export class GpuRuntime {
  readonly device: GPUDevice;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly compiling = new Map<string, Promise<GPUComputePipeline>>();
  private readonly pool = new Map<number, GPUBuffer[]>();
  private pooledBytes = 0;
  private readonly stagingPool = new Map<number, GPUBuffer[]>();
  /** Buffers freed while encoded commands that may use them are not yet submitted. */
  private readonly recycledInBatch = new Set<GPUBuffer>();
  /** Buffers whose creation ran out of memory, with the device's message. */
  private readonly failed = new WeakMap<GPUBuffer, string>();
  private readonly pendingChecks = new Set<Promise<void>>();
  /** Upload buffers of in-batch host writes, destroyed after the submit. */
  private uploads: GPUBuffer[] = [];
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;
  private readonly uniformBuffer: GPUBuffer;
  private readonly uniformData: ArrayBuffer;
  private readonly uniformView: DataView;
  private readonly batchSize: number;
  private readonly poolLimitBytes: number;
  /** Counters for tests and reports. */
  readonly stats = { buffersCreated: 0, buffersReused: 0, submits: 0, dispatches: 0, pipelines: 0 };
  // Profiling (timestamp-query): one query pair per dispatch in the current batch.
  private querySet: GPUQuerySet | null = null;
  private profilePending: DispatchLabel[] = [];
  private profileResolve: Promise<void>[] = [];
  profile: KernelTiming[] | null = null;

  constructor(device: GPUDevice, options: RuntimeOptions) {
    this.device = device;
    this.batchSize = Math.max(1, options.batchSize);
    this.poolLimitBytes = options.poolLimitBytes;
    this.uniformData = new ArrayBuffer(UNIFORM_SLOT * this.batchSize);
    this.uniformView = new DataView(this.uniformData);
    this.uniformBuffer = device.createBuffer({
      label: 'loom-uniforms', size: this.uniformData.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  /** A storage buffer of at least `bytes`, from the pool when one of its size class is free. */
  acquire(bytes: number, cap = Infinity): GPUBuffer {
    // Near the device limits the size class could exceed them: use the exact size instead.
    let size = sizeClass(bytes);
    if (size > cap) size = Math.ceil(bytes / 16) * 16;
    const free = this.pool.get(size);
    if (free && free.length > 0) {
      this.pooledBytes -= size;
      this.stats.buffersReused++;
      return free.pop()!;
    }
    this.stats.buffersCreated++;
    this.device.pushErrorScope('out-of-memory');
    const buffer = this.device.createBuffer({
      size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    const check = this.device.popErrorScope().then((error) => {
      this.pendingChecks.delete(check);
      if (!error) return;
      // Out of memory: remember the failure for the tensor's reads and give pooled memory back.
      this.failed.set(buffer, error.message);
      this.trimPool();
    }, () => { this.pendingChecks.delete(check); });
    this.pendingChecks.add(check);
    return buffer;
  }

  /** Why a buffer could not be created (out of memory), once the device has answered. */
  async creationError(buffer: GPUBuffer): Promise<string | undefined> {
    if (this.pendingChecks.size > 0) await Promise.all([...this.pendingChecks]);
    return this.failed.get(buffer);
  }

  /** Destroys every pooled buffer (after an out-of-memory error, or on request). */
  trimPool(): void {
    for (const list of this.pool.values()) for (const b of list) b.destroy();
    this.pool.clear();
    this.pooledBytes = 0;
  }

  /**
   * Returns a buffer to the pool at once: later dispatches in the same batch may reuse it, since
   * dispatches run in order. Only a host write into it must wait for the batch to be submitted
   * (see `beforeHostWrite`).
   */
  release(buffer: GPUBuffer): void {
    if (this.encoder) this.recycledInBatch.add(buffer);
    this.toPool(buffer);
  }

  /**
   * Writes host data into `buffer`. When encoded, unsubmitted commands may still use the buffer
   * (it was recycled in this batch), the write goes into the command stream through an upload
   * buffer so it lands after them; otherwise straight through queue.writeBuffer.
   */
  writeBuffer(buffer: GPUBuffer, data: ArrayBufferView): void {
    if (!(this.encoder && this.recycledInBatch.has(buffer))) {
      this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
      return;
    }
    const size = Math.ceil(data.byteLength / 4) * 4;
    const upload = this.device.createBuffer({ size, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.MAP_WRITE, mappedAtCreation: true });
    new Uint8Array(upload.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    upload.unmap();
    this.copy(upload, buffer, size);
    this.uploads.push(upload);
  }

  private toPool(buffer: GPUBuffer): void {
    const size = buffer.size;
    if (this.pooledBytes + size > this.poolLimitBytes || this.failed.has(buffer)) {
      buffer.destroy();
      return;
    }
    let list = this.pool.get(size);
    if (!list) this.pool.set(size, (list = []));
    list.push(buffer);
    this.pooledBytes += size;
  }

  /** Free buffers kept for reuse. */
  poolInfo(): { buffers: number; bytes: number } {
    let buffers = 0;
    for (const list of this.pool.values()) buffers += list.length;
    return { buffers, bytes: this.pooledBytes };
  }

  /** The pipeline for `spec`, compiled on first use (synchronously). */
  pipeline(spec: ShaderSpec): GPUComputePipeline {
    let p = this.pipelines.get(spec.key);
    if (!p) {
      const module = this.device.createShaderModule({ label: spec.key, code: spec.code });
      p = this.device.createComputePipeline({ label: spec.key, layout: 'auto', compute: { module, entryPoint: 'main' } });
      this.pipelines.set(spec.key, p);
      this.stats.pipelines++;
    }
    return p;
  }

  /** Compiles `spec` without blocking (createComputePipelineAsync) so a later dispatch finds it ready. */
  async warmUp(spec: ShaderSpec): Promise<void> {
    if (this.pipelines.has(spec.key)) return;
    let pending = this.compiling.get(spec.key);
    if (!pending) {
      const module = this.device.createShaderModule({ label: spec.key, code: spec.code });
      pending = this.device.createComputePipelineAsync({ label: spec.key, layout: 'auto', compute: { module, entryPoint: 'main' } });
      this.compiling.set(spec.key, pending);
    }
    const p = await pending;
    this.compiling.delete(spec.key);
    if (!this.pipelines.has(spec.key)) {
      this.pipelines.set(spec.key, p);
      this.stats.pipelines++;
    }
  }

  private ensureEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder({ label: 'loom-batch' });
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /**
   * Encodes one dispatch. `buffers` bind at 1..n after the uniform at 0; `groups` is the
   * workgroup grid. Submits when the batch is full.
   */
  dispatch(spec: ShaderSpec & { layout: UniformLayout }, uniforms: UniformValues, buffers: readonly GPUBuffer[],
    groups: readonly [number, number, number], profile?: DispatchLabel): void {
    if (groups[0] * groups[1] * groups[2] === 0) return;
    const pipeline = this.pipeline(spec);
    if (spec.layout.size > UNIFORM_SLOT) throw new Error(`webgpu: uniforms of ${spec.key} exceed ${UNIFORM_SLOT} bytes`);
    const slot = this.dispatches;
    packUniform(spec.layout, uniforms, this.uniformView, slot * UNIFORM_SLOT);
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.uniformBuffer, offset: slot * UNIFORM_SLOT, size: spec.layout.size } },
    ];
    buffers.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const encoder = this.ensureEncoder();
    let pass: GPUComputePassEncoder;
    if (this.profile && this.querySet && profile) {
      this.endPass();
      const q = this.profilePending.length * 2;
      pass = encoder.beginComputePass({
        timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: q, endOfPassWriteIndex: q + 1 },
      });
      this.profilePending.push(profile);
    } else {
      if (!this.pass) this.pass = encoder.beginComputePass();
      pass = this.pass;
    }
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    if (pass !== this.pass) pass.end();
    this.dispatches++;
    this.stats.dispatches++;
    if (this.dispatches >= this.batchSize) this.flush();
  }

  /** Encodes a buffer-to-buffer copy in the current batch. */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number, srcOffset = 0): void {
    this.endPass();
    this.ensureEncoder().copyBufferToBuffer(src, srcOffset, dst, 0, bytes);
  }

  /** Submits everything encoded so far. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    if (this.dispatches > 0) this.device.queue.writeBuffer(this.uniformBuffer, 0, this.uniformData, 0, this.dispatches * UNIFORM_SLOT);
    let resolveBuffer: GPUBuffer | null = null;
    if (this.querySet && this.profilePending.length > 0) {
      const count = this.profilePending.length * 2;
      const resolve = this.device.createBuffer({ size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      resolveBuffer = this.device.createBuffer({ size: count * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      this.encoder.resolveQuerySet(this.querySet, 0, count, resolve, 0);
      this.encoder.copyBufferToBuffer(resolve, 0, resolveBuffer, 0, count * 8);
    }
    this.device.queue.submit([this.encoder.finish()]);
    this.stats.submits++;
    this.encoder = null;
    this.dispatches = 0;
    if (resolveBuffer) this.collectProfile(resolveBuffer, this.profilePending);
    this.profilePending = [];
    this.recycledInBatch.clear();
    for (const b of this.uploads) b.destroy();
    this.uploads = [];
  }

  /** Copies `bytes` of `buffer` to the host, after all queued work. */
  async readBytes(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const cls = sizeClass(size);
    const free = this.stagingPool.get(cls);
    const staging = free?.pop() ?? this.device.createBuffer({ size: cls, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.copy(buffer, staging, Math.ceil(bytes / 4) * 4);
    this.flush();
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, Math.ceil(bytes / 4) * 4);
    } catch (e) {
      staging.destroy();
      throw e;
    }
    const out = staging.getMappedRange(0, Math.ceil(bytes / 4) * 4).slice(0, bytes);
    staging.unmap();
    let list = this.stagingPool.get(cls);
    if (!list) this.stagingPool.set(cls, (list = []));
    if (list.length < 4) list.push(staging);
    else staging.destroy();
    return out;
  }

  /** Starts recording per-kernel times (needs the `timestamp-query` feature). */
  startProfile(): boolean {
    if (!this.device.features.has('timestamp-query')) return false;
    this.flush();
    this.querySet ??= this.device.createQuerySet({ type: 'timestamp', count: this.batchSize * 2 });
    this.profile = [];
    return true;
  }

  /** Stops recording and returns the timings (after the GPU finished the recorded work). */
  async stopProfile(): Promise<KernelTiming[]> {
    this.flush();
    await Promise.all(this.profileResolve);
    this.profileResolve = [];
    const out = this.profile ?? [];
    this.profile = null;
    return out;
  }

  private collectProfile(buffer: GPUBuffer, pending: DispatchLabel[]): void {
    const target = this.profile;
    this.profileResolve.push(buffer.mapAsync(GPUMapMode.READ).then(() => {
      const t = new BigInt64Array(buffer.getMappedRange());
      pending.forEach((p, i) => target?.push({ ...p, microseconds: Number(t[2 * i + 1] - t[2 * i]) / 1000 }));
      buffer.unmap();
      buffer.destroy();
    }));
  }

  /** Destroys every buffer and forgets pipelines. */
  destroy(): void {
    this.encoder = null;
    this.pass = null;
    for (const list of this.pool.values()) for (const b of list) b.destroy();
    for (const list of this.stagingPool.values()) for (const b of list) b.destroy();
    this.pool.clear();
    this.stagingPool.clear();
    this.recycledInBatch.clear();
    for (const b of this.uploads) b.destroy();
    this.uploads = [];
    this.pooledBytes = 0;
    this.uniformBuffer.destroy();
    this.querySet?.destroy();
    this.pipelines.clear();
  }
}
