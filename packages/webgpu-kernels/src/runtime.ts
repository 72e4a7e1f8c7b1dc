// The GPU runtime under the backend: one command encoder with batched submits (each batch inside
// error scopes, see batches.ts), per-batch uniform slots, async staging readback, and optional
// timestamp-query profiling. The buffer pool is in pool.ts, the pipeline cache in pipelines.ts.

import { Batch, BatchFailure, BatchLog } from './batches.js';
import { PipelineCache } from './pipelines.js';
import { BufferPool, sizeClass } from './pool.js';
import { packUniform, type ShaderSpec, type UniformLayout, type UniformValues } from './shaders/common.js';

/** Bytes reserved for each dispatch's uniforms (WebGPU's minUniformBufferOffsetAlignment is ≤ 256). */
const UNIFORM_SLOT = 256;

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
  private readonly pipelines: PipelineCache;
  private readonly pool: BufferPool;
  private readonly stagingPool = new Map<number, GPUBuffer[]>();
  /** Buffers whose creation ran out of memory, with the device's message. */
  private readonly failed = new WeakMap<GPUBuffer, string>();
  private readonly pendingChecks = new Set<Promise<void>>();
  /** Out-of-memory messages not yet attached to a failed batch (they explain its failure). */
  private oomNotes: string[] = [];
  /** Upload buffers of in-batch host writes, destroyed after the submit. */
  private uploads: GPUBuffer[] = [];
  private encoder: GPUCommandEncoder | null = null;
  /** The open batch's outcome tracker; set exactly while `encoder` is. */
  private batch: Batch | null = null;
  private readonly log = new BatchLog();
  private pass: GPUComputePassEncoder | null = null;
  private dispatches = 0;
  private readonly uniformBuffer: GPUBuffer;
  private readonly uniformData: ArrayBuffer;
  private readonly uniformView: DataView;
  private readonly batchSize: number;
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
    this.pool = new BufferPool(options.poolLimitBytes);
    this.pipelines = new PipelineCache(device, this.stats);
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
    const free = this.pool.take(size);
    if (free) {
      this.stats.buffersReused++;
      return free;
    }
    this.stats.buffersCreated++;
    this.device.pushErrorScope('out-of-memory');
    let buffer: GPUBuffer;
    try {
      buffer = this.device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    } catch (e) {
      void this.device.popErrorScope().catch(() => {}); // keep the scope stack balanced
      throw e;
    }
    const check = this.device.popErrorScope().then((error) => {
      this.pendingChecks.delete(check);
      if (!error) return;
      // Out of memory: remember the failure for the tensor's reads and give pooled memory back.
      this.failed.set(buffer, error.message);
      this.oomNotes.push(`creating a buffer of ${size} bytes ran out of GPU memory (${error.message.trim()})`);
      this.pool.trim();
    }, () => { this.pendingChecks.delete(check); });
    this.pendingChecks.add(check);
    return buffer;
  }

  /** Why a buffer could not be created (out of memory), once the device has answered. */
  async creationError(buffer: GPUBuffer): Promise<string | undefined> {
    if (this.pendingChecks.size > 0) await Promise.all([...this.pendingChecks]);
    return this.failed.get(buffer);
  }

  /**
   * Returns a buffer to the pool. Later dispatches in the same batch may reuse it at once, since
   * dispatches run in order; a host write into it is ordered after them (see `writeBuffer`), and
   * it is destroyed, when the pool is full, only after the batch's submit (see pool.ts).
   */
  release(buffer: GPUBuffer): void {
    this.pool.release(buffer, this.encoder !== null, !this.failed.has(buffer));
  }

  /**
   * Writes host data into `buffer`. When encoded, unsubmitted commands may still use the buffer
   * (it was recycled in this batch), the write goes into the command stream through an upload
   * buffer so it lands after them, and the open batch is returned (the write succeeds only if
   * it does); otherwise it goes straight through queue.writeBuffer.
   */
  writeBuffer(buffer: GPUBuffer, data: ArrayBufferView): Batch | undefined {
    if (!(this.encoder && this.pool.usedInBatch(buffer))) {
      this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
      return undefined;
    }
    const size = Math.ceil(data.byteLength / 4) * 4;
    const upload = this.device.createBuffer({ size, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.MAP_WRITE, mappedAtCreation: true });
    new Uint8Array(upload.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    upload.unmap();
    this.copy(upload, buffer, size);
    this.uploads.push(upload);
    return this.batch!;
  }

  /** Free buffers kept for reuse (and freed ones waiting for a submit before they are destroyed). */
  poolInfo(): { buffers: number; bytes: number; doomed: number } {
    return this.pool.info();
  }

  /** Compiles `spec` without blocking (createComputePipelineAsync) so a later dispatch finds it ready. */
  warmUp(spec: ShaderSpec): Promise<void> {
    return this.pipelines.warmUp(spec);
  }

  private ensureEncoder(): GPUCommandEncoder {
    if (!this.encoder) {
      this.batch = new Batch(this.device, this.log);
      this.encoder = this.device.createCommandEncoder({ label: 'loom-batch' });
    }
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
   * workgroup grid. Submits when the batch is full. Returns the batch it went into (undefined for
   * an empty grid), whose outcome decides whether its outputs are valid.
   */
  dispatch(spec: ShaderSpec & { layout: UniformLayout }, uniforms: UniformValues, buffers: readonly GPUBuffer[],
    groups: readonly [number, number, number], profile?: DispatchLabel): Batch | undefined {
    if (groups[0] * groups[1] * groups[2] === 0) return undefined;
    if (spec.layout.size > UNIFORM_SLOT) throw new Error(`webgpu: uniforms of ${spec.key} exceed ${UNIFORM_SLOT} bytes`);
    // The encoder (and the batch's error scopes) first, so everything below is covered.
    const encoder = this.ensureEncoder();
    const batch = this.batch!;
    const op = profile?.op ?? spec.key;
    batch.ops.add(op);
    const pipeline = this.pipelines.get(spec, op, (check) => batch.explainWith(check));
    const slot = this.dispatches;
    packUniform(spec.layout, uniforms, this.uniformView, slot * UNIFORM_SLOT);
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.uniformBuffer, offset: slot * UNIFORM_SLOT, size: spec.layout.size } },
    ];
    buffers.forEach((buffer, i) => entries.push({ binding: i + 1, resource: { buffer } }));
    // Labelled with the op, so the device's validation messages name it.
    const bindGroup = this.device.createBindGroup({ label: op, layout: pipeline.getBindGroupLayout(0), entries });
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
    return batch;
  }

  /** Encodes a buffer-to-buffer copy in the current batch. */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number, srcOffset = 0): void {
    this.endPass();
    this.ensureEncoder().copyBufferToBuffer(src, srcOffset, dst, 0, bytes);
  }

  /** Submits everything encoded so far; returns the batch submitted, if there was one. */
  flush(): Batch | undefined {
    if (!this.encoder || !this.batch) return undefined;
    const { encoder, batch } = this;
    this.encoder = null;
    this.batch = null;
    let resolveBuffer: GPUBuffer | null = null;
    try {
      this.endPass();
      if (this.dispatches > 0) this.device.queue.writeBuffer(this.uniformBuffer, 0, this.uniformData, 0, this.dispatches * UNIFORM_SLOT);
      if (this.querySet && this.profilePending.length > 0) {
        const count = this.profilePending.length * 2;
        const resolve = this.device.createBuffer({ size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
        resolveBuffer = this.device.createBuffer({ size: count * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
        encoder.resolveQuerySet(this.querySet, 0, count, resolve, 0);
        encoder.copyBufferToBuffer(resolve, 0, resolveBuffer, 0, count * 8);
      }
      this.device.queue.submit([encoder.finish()]);
      this.stats.submits++;
    } finally {
      // Whatever happened, the batch's scopes are popped and the buffers it held are let go.
      this.pass = null;
      this.dispatches = 0;
      batch.close(() => this.oomNotes.splice(0));
      this.pool.submitted();
      for (const b of this.uploads) b.destroy();
      this.uploads = [];
    }
    if (resolveBuffer) this.collectProfile(resolveBuffer, this.profilePending);
    this.profilePending = [];
    return batch;
  }

  /**
   * Copies `bytes` of `buffer` to the host, after all queued work. Rejects with a BatchFailure
   * when the batch holding the copy failed (the staging buffer then holds stale bytes).
   */
  async readBytes(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const cls = sizeClass(size);
    const free = this.stagingPool.get(cls);
    const staging = free?.pop() ?? this.device.createBuffer({ size: cls, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.copy(buffer, staging, Math.ceil(bytes / 4) * 4);
    const batch = this.flush()!;
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
    await batch.done;
    if (batch.error !== undefined) throw new BatchFailure(batch);
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
    this.batch?.abandon();
    this.batch = null;
    this.pass = null;
    this.pool.destroy();
    for (const list of this.stagingPool.values()) for (const b of list) b.destroy();
    this.stagingPool.clear();
    for (const b of this.uploads) b.destroy();
    this.uploads = [];
    this.uniformBuffer.destroy();
    this.querySet?.destroy();
    this.pipelines.clear();
  }
}
