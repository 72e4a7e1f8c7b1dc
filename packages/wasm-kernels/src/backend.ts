// The wasm Backend: tensors in linear memory (HeapAllocator), lifecycle and device info. Each op runs
// its entry of the kernel table (./kernels.ts) with this backend as context: scratch memory freed
// after the op, one reused parameter block, and wasm traps reported by op name.

import {
  bytesPerElement, makeTypedArray, runKernel, tableSupports,
  type Backend, type BackendDeviceInfo, type BackendMemory, type DataId, type DType, type KernelOpName, type OpAttrs,
  type TensorInfo, type TypedArray,
} from '@loom/core/backend';
import { HeapAllocator, type HeapStats } from './allocator.js';
import type { Kernels } from './generated/kernels-abi.js';
import { KERNELS, type WasmTensor } from './kernels.js';
import type { WasmFlavor } from './loader.js';

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
  ) {
    this.maxTensorBytes = maxBytes;
    this.heap = new HeapAllocator(wasmMemory, kernels.heapBase(), maxBytes);
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
    return { buffers: this.buffers.size, bytes: this.bytes, heapBytes: s.heapBytes, pooledBytes: s.freeBytes };
  }

  deviceInfo(): BackendDeviceInfo {
    const relaxed = this.flavor === 'relaxed-simd';
    return {
      kind: 'cpu',
      description: `WebAssembly ${relaxed ? 'relaxed SIMD' : 'SIMD128'} kernels (AssemblyScript, single thread)`,
      simd: true,
      relaxedSimd: relaxed,
      heapBytes: this.wasmMemory.buffer.byteLength,
    };
  }

  dispose(): void {
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
    return this.kernels.setGemmRows(rows);
  }

  /**
   * Sets the GEMM cache blocking: depth KC (16–512) and column block NC (multiple of 8,
   * KC·NC ≤ 262144); defaults 256 × 512. For tuning and tests; returns [KC, NC] in use.
   */
  setGemmBlocking(kc: number, nc: number): [number, number] {
    const r = this.kernels.setGemmBlocking(kc, nc);
    return [r >>> 16, r & 0xffff];
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
