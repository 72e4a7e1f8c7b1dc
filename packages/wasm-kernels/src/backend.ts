// The wasm Backend: tensors in linear memory (HeapAllocator), lifecycle and device info. Each op runs
// its entry of the kernel table (./kernels.ts) with this backend as context: scratch memory freed
// after the op, one reused parameter block, wasm traps reported by op name, and — with the threaded
// build — a worker pool that runs slices of one kernel (./schedule.ts decides the slices).

import {
  bytesPerElement, makeTypedArray, runKernel, tableSupports,
  type Backend, type BackendDeviceInfo, type BackendMemory, type DataId, type DType, type KernelOpName, type OpAttrs,
  type TensorInfo, type TypedArray,
} from '@loom/core/backend';
import { HeapAllocator, type HeapStats } from './allocator.js';
import type { Kernels } from './generated/kernels-abi.js';
import { KERNELS, type WasmTensor } from './kernels.js';
import type { WasmFlavor } from './loader.js';
import { call, type KernelCall, type WorkerPool } from './threads.js';

/** How the backend uses threads: the pool (absent when single-threaded) and why not, if not. */
export interface Threading {
  readonly pool?: WorkerPool;
  /** Why the backend runs on one thread, in words a user can act on (null when it has a pool). */
  readonly reason: string | null;
  /** Split every splittable op whatever its size (tests cover the threaded path with small cases). */
  readonly splitSmallOps?: boolean;
  /** Where the tensor heap starts when the workers' scratch regions sit past the module's statics. */
  readonly heapBase?: number;
}

interface WasmBuffer {
  ptr: number;
  size: number;
  dtype: DType;
  bytes: number;
}

/** int32 slots of the parameter block kernels read their shapes and strides from. */
const PARAM_INTS = 1024;

/** The WebAssembly SIMD backend. Create it with `wasm()`. */
export class WasmBackend implements Backend {
  private readonly buffers = new Set<WasmBuffer>();
  private bytes = 0;
  private readonly heap: HeapAllocator;
  private disposed = false;
  private viewBuffer: ArrayBuffer | undefined;
  private u8v = new Uint8Array(0);
  private i32v = new Int32Array(0);
  private paramView = new Int32Array(0);
  private scratch: number[] = [];
  /** Ops (or epilogues) that ran as slices on several threads. */
  private threadJobs = 0;
  /** Byte address of the parameter block (see `params()`). */
  readonly paramsAt: number;
  /** A tensor cannot outgrow the heap's maximum (`maxMemoryBytes`). */
  readonly maxTensorBytes: number;

  constructor(
    readonly name: string,
    /** The module's exports; kernels.ts calls them. */
    readonly kernels: Kernels,
    private readonly wasmMemory: WebAssembly.Memory,
    readonly flavor: WasmFlavor,
    maxBytes: number,
    private readonly threading: Threading = { reason: 'single-threaded build' },
  ) {
    this.maxTensorBytes = maxBytes;
    this.heap = new HeapAllocator(wasmMemory, threading.heapBase ?? kernels.heapBase(), maxBytes);
    this.paramsAt = this.heap.alloc(PARAM_INTS * 4);
  }

  alloc(size: number, dtype: DType): DataId {
    this.assertLive('alloc');
    const bytes = size * bytesPerElement(dtype);
    const ptr = bytes > 0 ? this.heap.alloc(bytes) : 0;
    const buffer: WasmBuffer = { ptr, size, dtype, bytes };
    this.buffers.add(buffer);
    this.bytes += bytes;
    return buffer;
  }

  write(id: DataId, data: TypedArray): void {
    const b = this.get(id);
    if (data.length !== b.size) throw new Error(`write: ${data.length} values for a buffer of ${b.size}`);
    if (b.bytes === 0) return;
    this.refreshViews();
    this.u8v.set(new Uint8Array(data.buffer, data.byteOffset, b.bytes), b.ptr);
  }

  async read(id: DataId): Promise<TypedArray> {
    return this.readSync(id);
  }

  readSync(id: DataId): TypedArray {
    const b = this.get(id);
    const out = makeTypedArray(b.dtype, b.size);
    if (b.bytes === 0) return out;
    this.refreshViews();
    new Uint8Array(out.buffer).set(this.u8v.subarray(b.ptr, b.ptr + b.bytes));
    return out;
  }

  free(id: DataId): void {
    const b = id as WasmBuffer;
    if (!this.buffers.delete(b)) return;
    this.bytes -= b.bytes;
    if (b.bytes > 0) this.heap.free(b.ptr);
  }

  run<K extends KernelOpName>(op: K, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[], attrs: OpAttrs[K]): void {
    this.assertLive(op);
    try {
      runKernel(this.name, KERNELS, op, this, inputs.map((t) => this.view(t)), outputs.map((t) => this.view(t)), attrs);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        throw new Error(`${op}: wasm kernel trapped (${e.message}); the output was discarded and the backend is still usable`,
          { cause: e });
      }
      throw e;
    } finally {
      for (const p of this.scratch) this.heap.free(p);
      this.scratch = [];
    }
  }

  /** Whether `op`'s kernel takes `dtype` inputs, as its entry in the kernel table declares. */
  supports(op: KernelOpName, dtype: DType): boolean {
    return tableSupports(KERNELS, op, dtype);
  }

  memory(): BackendMemory {
    const s = this.heap.stats();
    return { buffers: this.buffers.size, bytes: this.bytes, heapBytes: s.heapBytes, pooledBytes: s.freeBytes, threadJobs: this.threadJobs };
  }

  deviceInfo(): BackendDeviceInfo {
    const relaxed = this.flavor === 'relaxed-simd';
    const threads = this.threads;
    const reason = this.threading.reason;
    return {
      kind: 'cpu',
      description: `WebAssembly ${relaxed ? 'relaxed SIMD' : 'SIMD128'} kernels (AssemblyScript, ` +
        `${threads > 1 ? `${threads} threads` : `single thread${reason ? `: ${reason}` : ''}`})`,
      simd: true,
      relaxedSimd: relaxed,
      threads,
      ...(reason ? { threadsNote: reason } : {}),
      heapBytes: this.wasmMemory.buffer.byteLength,
    };
  }

  /** Threads an op may use: 1 without a worker pool, else the caller plus the workers. */
  get threads(): number {
    return this.threading.pool?.threads ?? 1;
  }

  /** Whether every splittable op is split whatever its size (the `splitSmallOps` option). */
  get splitSmallOps(): boolean {
    return this.threading.splitSmallOps === true;
  }

  /**
   * Runs kernel calls that touch disjoint outputs: one directly, several on the pool (calls[0] on
   * this thread). Errors name `op`; a worker's trap leaves the pool usable. `callerRuns` false
   * sends every slice to the workers (tests of the workers' error path).
   */
  parallel(op: string, calls: readonly KernelCall[], callerRuns = true): void {
    const pool = this.threading.pool;
    if (calls.length === 1 || !pool) {
      for (const c of calls) (this.kernels[c.fn] as (...a: number[]) => unknown)(...c.args);
      return;
    }
    this.threadJobs++;
    pool.run(op, this.kernels, calls, callerRuns);
  }

  /** Resolves once the workers have exited after dispose() (at once without workers). */
  threadsStopped(): Promise<void> {
    return this.threading.pool?.stopped ?? Promise.resolve();
  }

  dispose(): void {
    this.threading.pool?.dispose();
    this.buffers.clear();
    this.bytes = 0;
    this.heap.reset();
    this.disposed = true;
  }

  /**
   * Selects the GEMM micro-kernel height: 4, 5 or 6 rows × 8 columns (defaults: 6 with relaxed
   * SIMD, 5 without). For tuning and tests; returns the height in use.
   */
  setGemmRows(rows: 4 | 5 | 6): number {
    this.onEveryThread('setGemmRows', call('setGemmRows', rows));
    return this.kernels.setGemmRows(rows);
  }

  /**
   * Sets the GEMM cache blocking: depth KC (16–512) and column block NC (multiple of 8,
   * KC·NC ≤ 262144); defaults 256 × 512. For tuning and tests; returns [KC, NC] in use.
   */
  setGemmBlocking(kc: number, nc: number): [number, number] {
    this.onEveryThread('setGemmBlocking', call('setGemmBlocking', kc, nc));
    const r = this.kernels.setGemmBlocking(kc, nc);
    return [r >>> 16, r & 0xffff];
  }

  /** Runs `c` on every worker (their instances keep their own tuning globals). */
  private onEveryThread(op: string, c: KernelCall): void {
    const pool = this.threading.pool;
    pool?.broadcast(op, c);
  }

  /** Allocator figures (heap size, free fragments) for diagnostics and tests. */
  heapStats(): HeapStats {
    return this.heap.stats();
  }

  // What kernels.ts uses besides `kernels`: scratch memory, the parameter block, an int32 read.

  /** Scratch memory for one op; freed when the op returns or throws. */
  temp(bytes: number): number {
    const p = this.heap.alloc(Math.max(bytes, 16));
    this.scratch.push(p);
    return p;
  }

  /**
   * The parameter block at `paramsAt` as int32 slots to fill before a kernel call. Take it after the
   * op's `temp()` calls: growing memory detaches the view.
   */
  params(): Int32Array {
    this.refreshViews();
    return this.paramView;
  }

  /** All of linear memory as int32s, to write parameter blocks (take it after the op's temp() calls). */
  int32View(): Int32Array {
    this.refreshViews();
    return this.i32v;
  }

  /** The int32 at byte address `ptr` (gather's error names the bad index). */
  readInt32(ptr: number): number {
    this.refreshViews();
    return this.i32v[ptr >>> 2];
  }

  // -------------------------------------------------------------------------------------------

  private assertLive(what: string): void {
    if (this.disposed) throw new Error(`${what}: the wasm backend '${this.name}' was disposed`);
  }

  private get(id: DataId): WasmBuffer {
    const b = id as WasmBuffer;
    if (!this.buffers.has(b)) throw new Error(`wasm backend '${this.name}': unknown or freed buffer`);
    return b;
  }

  private view(t: TensorInfo): WasmTensor {
    return { ptr: this.get(t.dataId).ptr, shape: t.shape, dtype: t.dtype, size: t.size };
  }

  private refreshViews(): void {
    // memory.grow detaches the old ArrayBuffer: views are re-created when the buffer changes.
    if (this.viewBuffer !== this.wasmMemory.buffer) {
      this.viewBuffer = this.wasmMemory.buffer;
      this.u8v = new Uint8Array(this.viewBuffer);
      this.i32v = new Int32Array(this.viewBuffer);
      this.paramView = new Int32Array(this.viewBuffer, this.paramsAt, PARAM_INTS);
    }
  }
}
