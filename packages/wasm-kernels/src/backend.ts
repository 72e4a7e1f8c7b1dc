// The wasm Backend: tensors in linear memory (HeapAllocator), one dispatch per primitive op onto the
// AssemblyScript kernels, scratch buffers freed after each op, and wasm traps reported by op name.

import {
  KERNEL_OP_NAMES, makeTypedArray,
  type Backend, type BackendDeviceInfo, type BackendMemory, type DataId, type DType, type KernelOpName, type OpAttrs,
  type TensorInfo, type TypedArray,
} from '@loom/core';
import { HeapAllocator, type HeapStats } from './allocator.js';
import { aroundAxis, broadcastStridesOf, collapse, contiguousStrides } from './layout.js';
import type { Kernels, WasmFlavor } from './loader.js';
import { BINARY_CODE, DTYPE_CODE, REDUCE_CODE, UNARY_CODE } from './op-codes.js';

interface WasmBuffer {
  ptr: number;
  size: number;
  dtype: DType;
  bytes: number;
}

const PARAM_INTS = 1024;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const bpe = (dtype: DType): number => (dtype === 'bool' ? 1 : 4);

/** The stored bit pattern of `value` in a buffer of `dtype`, as a typed-array store converts it. */
function storedBits(value: number, dtype: DType): number {
  if (dtype === 'float32') return new Int32Array(new Float32Array([value]).buffer)[0];
  if (dtype === 'int32') return new Int32Array([value])[0];
  return new Uint8Array([value])[0];
}

/** The WebAssembly SIMD backend. Create it with `wasm()`. */
export class WasmBackend implements Backend {
  private readonly buffers = new Set<WasmBuffer>();
  private bytes = 0;
  private readonly heap: HeapAllocator;
  private readonly params: number;
  private disposed = false;
  private viewBuffer: ArrayBuffer | undefined;
  private u8v = new Uint8Array(0);
  private i32v = new Int32Array(0);
  private scratch: number[] = [];

  constructor(
    readonly name: string,
    private readonly k: Kernels,
    private readonly wasmMemory: WebAssembly.Memory,
    readonly flavor: WasmFlavor,
    maxBytes: number,
  ) {
    this.heap = new HeapAllocator(wasmMemory, k.heapBase(), maxBytes);
    this.params = this.heap.alloc(PARAM_INTS * 4);
  }

  alloc(size: number, dtype: DType): DataId {
    this.assertLive('alloc');
    const bytes = size * bpe(dtype);
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
    const src = new Uint8Array(data.buffer, data.byteOffset, b.bytes);
    this.u8().set(src, b.ptr);
  }

  async read(id: DataId): Promise<TypedArray> {
    return this.readSync(id);
  }

  readSync(id: DataId): TypedArray {
    const b = this.get(id);
    const out = makeTypedArray(b.dtype, b.size);
    if (b.bytes > 0) new Uint8Array(out.buffer).set(this.u8().subarray(b.ptr, b.ptr + b.bytes));
    return out;
  }

  free(id: DataId): void {
    const b = id as WasmBuffer;
    if (!this.buffers.delete(b)) return;
    this.bytes -= b.bytes;
    if (b.bytes > 0) this.heap.free(b.ptr);
  }

  supports(op: KernelOpName): boolean {
    return KERNEL_OP_NAMES.includes(op);
  }

  memory(): BackendMemory {
    const s = this.heap.stats();
    return { buffers: this.buffers.size, bytes: this.bytes, heapBytes: s.heapBytes, pooledBytes: s.freeBytes };
  }

  /**
   * Selects the GEMM micro-kernel height: 4, 5 or 6 rows × 8 columns (defaults: 6 with relaxed
   * SIMD, 5 without). For tuning and tests; returns the height in use.
   */
  setGemmRows(rows: 4 | 5 | 6): number {
    return this.k.setGemmRows(rows);
  }

  /**
   * Sets the GEMM cache blocking: depth KC (16–512) and column block NC (multiple of 8,
   * KC·NC ≤ 262144); defaults 256 × 512. For tuning and tests; returns [KC, NC] in use.
   */
  setGemmBlocking(kc: number, nc: number): [number, number] {
    const r = this.k.setGemmBlocking(kc, nc);
    return [r >>> 16, r & 0xffff];
  }

  /** Allocator figures (heap size, free fragments) for diagnostics and tests. */
  heapStats(): HeapStats {
    return this.heap.stats();
  }

  deviceInfo(): BackendDeviceInfo {
    return {
      kind: 'cpu',
      description: `WebAssembly ${this.flavor === 'relaxed-simd' ? 'relaxed SIMD' : 'SIMD128'} kernels (AssemblyScript, single thread)`,
      simd: true,
      relaxedSimd: this.flavor === 'relaxed-simd',
      heapBytes: this.wasmMemory.buffer.byteLength,
    };
  }

  dispose(): void {
    this.buffers.clear();
    this.bytes = 0;
    this.heap.reset();
    this.disposed = true;
  }

  run<K extends KernelOpName>(op: K, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[], attrs: OpAttrs[K]): void {
    this.assertLive(op);
    try {
      this.dispatch(op, inputs, outputs, attrs);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        throw new Error(`${op}: wasm kernel trapped (${e.message}); the output was discarded and the backend is still usable`, { cause: e });
      }
      throw e;
    } finally {
      for (const p of this.scratch) this.heap.free(p);
      this.scratch = [];
    }
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

  private ptr(t: TensorInfo): number {
    return this.get(t.dataId).ptr;
  }

  private u8(): Uint8Array {
    this.refreshViews();
    return this.u8v;
  }

  private refreshViews(): void {
    // memory.grow detaches the old ArrayBuffer: views are re-created when the buffer changes.
    if (this.viewBuffer !== this.wasmMemory.buffer) {
      this.viewBuffer = this.wasmMemory.buffer;
      this.u8v = new Uint8Array(this.viewBuffer);
      this.i32v = new Int32Array(this.viewBuffer);
    }
  }

  /** Scratch memory for one op; freed when the op returns or throws. */
  private temp(bytes: number): number {
    const p = this.heap.alloc(Math.max(bytes, 16));
    this.scratch.push(p);
    return p;
  }

  /** Writes int params into the parameter block and returns its address. */
  private writeParams(values: number[]): number {
    if (values.length > PARAM_INTS) throw new Error(`wasm: ${values.length} kernel parameters exceed ${PARAM_INTS}`);
    this.refreshViews();
    this.i32v.set(values, this.params >>> 2);
    return this.params;
  }

  private dispatch(op: KernelOpName, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[], attrs: unknown): void {
    const k = this.k;
    const [x] = inputs;
    const [y] = outputs;
    switch (op) {
      case 'isNaN':
      case 'isFinite':
        if (x.dtype === 'float32') k.predicateF32(op === 'isNaN' ? 0 : 1, this.ptr(x), this.ptr(y), y.size);
        else k.fill(this.ptr(y), y.size, 1, op === 'isNaN' ? 0 : 1);
        return;
      case 'logicalNot':
        k.logicalNot(this.ptr(x), this.ptr(y), y.size);
        return;
      case 'leakyRelu':
        k.unaryF32(UNARY_CODE.leakyRelu, this.ptr(x), this.ptr(y), y.size, (attrs as OpAttrs['leakyRelu']).alpha, 0);
        return;
      case 'clip':
        this.clip(x, y, attrs as OpAttrs['clip']);
        return;
      case 'cast':
        k.cast(DTYPE_CODE[x.dtype], DTYPE_CODE[y.dtype], this.ptr(x), this.ptr(y), y.size);
        return;
      case 'fill': {
        const { value } = attrs as OpAttrs['fill'];
        const bits = y.dtype === 'bool' ? (value ? 1 : 0) : storedBits(value, y.dtype);
        k.fill(this.ptr(y), y.size, bpe(y.dtype), bits);
        return;
      }
      case 'where':
        this.where(inputs, y);
        return;
      case 'sum': case 'prod': case 'max': case 'min':
        this.reduce(op, x, y, (attrs as OpAttrs['sum']).axes);
        return;
      case 'argMax': case 'argMin': {
        const [outer, n, inner] = aroundAxis(x.shape, (attrs as OpAttrs['argMax']).axis);
        k.argReduce(op === 'argMax' ? 1 : 0, DTYPE_CODE[x.dtype], this.ptr(x), this.ptr(y), outer, n, inner);
        return;
      }
      case 'softmax': case 'logSoftmax': {
        const [outer, n, inner] = aroundAxis(x.shape, (attrs as OpAttrs['softmax']).axis);
        k.softmax(op === 'logSoftmax' ? 1 : 0, this.ptr(x), this.ptr(y), outer, n, inner);
        return;
      }
      case 'cumsum': {
        const { axis, exclusive, reverse } = attrs as OpAttrs['cumsum'];
        const [outer, n, inner] = aroundAxis(x.shape, axis);
        const acc = this.temp(inner * 8);
        k.cumsum(DTYPE_CODE[x.dtype], exclusive ? 1 : 0, reverse ? 1 : 0, this.ptr(x), this.ptr(y), outer, n, inner, acc);
        return;
      }
      case 'topk': {
        const n = x.shape[x.shape.length - 1];
        const { k: count } = attrs as OpAttrs['topk'];
        const tmp = this.temp(2 * n * 4);
        k.topk(DTYPE_CODE[x.dtype], this.ptr(x), this.ptr(y), this.ptr(outputs[1]), x.size / n, n, count, tmp);
        return;
      }
      case 'matmul':
        this.matmul(inputs, y, attrs as OpAttrs['matmul']);
        return;
      case 'fusedMatmul': {
        // The epilogue runs in place over the output while it is still warm in cache: bias added
        // along rows by the broadcasting kernel, then the SIMD activation — no extra buffer.
        const { activation, transposeA, transposeB } = attrs as OpAttrs['fusedMatmul'];
        this.matmul(inputs, y, { transposeA, transposeB });
        if (inputs[2]) this.binary('add', [y, inputs[2]], y);
        if (activation !== 'linear') this.k.unaryF32(UNARY_CODE[activation], this.ptr(y), this.ptr(y), y.size, 0, 0);
        return;
      }
      case 'conv2d':
        this.conv2d(inputs, y, attrs as OpAttrs['conv2d']);
        return;
      case 'maxPool2d': case 'avgPool2d': {
        const { windowSize, strides, pads } = attrs as OpAttrs['maxPool2d'];
        const p = this.writeParams([...x.shape, windowSize[0], windowSize[1], strides[0], strides[1], pads[0], pads[2], y.shape[1], y.shape[2]]);
        k.pool2d(op === 'avgPool2d' ? 1 : 0, this.ptr(x), this.ptr(y), p);
        return;
      }
      case 'transpose':
        this.transpose(x, y, (attrs as OpAttrs['transpose']).perm);
        return;
      case 'slice': {
        const { begin, strides } = attrs as OpAttrs['slice'];
        const inStrides = contiguousStrides(x.shape);
        const start = begin.reduce((s, b, d) => s + b * inStrides[d], 0);
        this.copy(bpe(x.dtype), this.ptr(y), this.ptr(x) + start * bpe(x.dtype), y.shape,
          strides.map((s, d) => s * inStrides[d]), contiguousStrides(y.shape));
        return;
      }
      case 'broadcastTo':
        this.copy(bpe(x.dtype), this.ptr(y), this.ptr(x), y.shape, broadcastStridesOf(x.shape, y.shape), contiguousStrides(y.shape));
        return;
      case 'pad': {
        const { paddings, value } = attrs as OpAttrs['pad'];
        const size = bpe(y.dtype);
        k.fill(this.ptr(y), y.size, size, y.dtype === 'bool' ? (value ? 1 : 0) : storedBits(value, y.dtype));
        if (x.size === 0) return;
        const outStrides = contiguousStrides(y.shape);
        const start = paddings.reduce((s, [before], d) => s + before * outStrides[d], 0);
        this.copy(size, this.ptr(y) + start * size, this.ptr(x), x.shape, contiguousStrides(x.shape), outStrides);
        return;
      }
      case 'concat':
        this.concat(inputs, y, (attrs as OpAttrs['concat']).axis);
        return;
      case 'gather':
        this.gather(inputs, y, attrs as OpAttrs['gather']);
        return;
      default:
        break;
    }
    if (op in BINARY_CODE) {
      this.binary(op, inputs, y);
      return;
    }
    if (op in UNARY_CODE) {
      if (x.dtype === 'float32') k.unaryF32(UNARY_CODE[op], this.ptr(x), this.ptr(y), y.size, 0, 0);
      else k.unaryI32(UNARY_CODE[op], this.ptr(x), this.ptr(y), y.size, 0, 0);
      return;
    }
    throw new Error(`${op}: no kernel in the wasm backend`);
  }

  private clip(x: TensorInfo, y: TensorInfo, { min, max }: OpAttrs['clip']): void {
    if (x.dtype === 'float32') {
      this.k.unaryF32(UNARY_CODE.clip, this.ptr(x), this.ptr(y), y.size, min, max);
      return;
    }
    // int32: bounds beyond the int32 range either never apply or apply to every element.
    if (min > INT32_MAX || max < INT32_MIN) {
      this.k.fill(this.ptr(y), y.size, 4, storedBits(min > INT32_MAX ? min : max, 'int32'));
      return;
    }
    const lo = Math.max(min, INT32_MIN);
    const hi = Math.min(max, INT32_MAX);
    this.k.unaryI32(UNARY_CODE.clip, this.ptr(x), this.ptr(y), y.size, lo, hi);
  }

  private binary(op: string, [a, b]: readonly TensorInfo[], y: TensorInfo): void {
    const { shape, strides } = collapse(y.shape, [broadcastStridesOf(a.shape, y.shape), broadcastStridesOf(b.shape, y.shape)]);
    if (shape.length > 16) throw new Error(`${op}: broadcasting over more than 16 non-mergeable dims is not supported`);
    const p = this.writeParams([shape.length, ...shape, ...strides[0], ...strides[1]]);
    this.k.binary(BINARY_CODE[op], DTYPE_CODE[a.dtype], this.ptr(a), this.ptr(b), this.ptr(y), p);
  }

  private where([c, a, b]: readonly TensorInfo[], y: TensorInfo): void {
    const { shape, strides } = collapse(y.shape, [c, a, b].map((t) => broadcastStridesOf(t.shape, y.shape)));
    if (shape.length > 16) throw new Error('where: broadcasting over more than 16 non-mergeable dims is not supported');
    const p = this.writeParams([shape.length, ...shape, ...strides[0], ...strides[1], ...strides[2]]);
    this.k.where(bpe(y.dtype), this.ptr(c), this.ptr(a), this.ptr(b), this.ptr(y), p);
  }

  /** Strided copy of `shape` elements from src to dst (byte addresses of the first elements). */
  private copy(size: number, dst: number, src: number, shape: readonly number[], srcStrides: number[], dstStrides: number[]): void {
    const c = collapse(shape, [srcStrides, dstStrides]);
    if (c.shape.length > 16) throw new Error('copy: more than 16 non-mergeable dims are not supported');
    const p = this.writeParams([c.shape.length, ...c.shape, ...c.strides[0], ...c.strides[1]]);
    this.k.copyStrided(size, dst, src, p);
  }

  private transpose(x: TensorInfo, y: TensorInfo, perm: number[]): void {
    const size = bpe(x.dtype);
    const inStrides = contiguousStrides(x.shape);
    const src = perm.map((p) => inStrides[p]);
    const c = collapse(y.shape, [src, contiguousStrides(y.shape)]);
    const r = c.shape.length;
    // A (batched) 2-D transpose: tiles keep both sides in cache.
    if (size === 4 && r >= 2 && r <= 3 && c.strides[0][r - 1] === c.shape[r - 2] && c.strides[0][r - 2] === 1 &&
        (r === 2 || c.strides[0][0] === c.shape[1] * c.shape[2])) {
      const batch = r === 3 ? c.shape[0] : 1;
      const rows = c.shape[r - 1];
      const cols = c.shape[r - 2];
      for (let i = 0; i < batch; i++) {
        this.k.transpose2d(this.ptr(y) + i * rows * cols * 4, this.ptr(x) + i * rows * cols * 4, rows, cols);
      }
      return;
    }
    this.copy(size, this.ptr(y), this.ptr(x), y.shape, src, contiguousStrides(y.shape));
  }

  private concat(inputs: readonly TensorInfo[], y: TensorInfo, axis: number): void {
    const size = bpe(y.dtype);
    let outer = 1;
    for (let d = 0; d < axis; d++) outer *= y.shape[d];
    if (outer === 0) return;
    const rowOut = y.size / outer;
    let offset = 0;
    for (const x of inputs) {
      const row = x.size / outer;
      if (row > 0) this.copy(size, this.ptr(y) + offset * size, this.ptr(x), [outer, row], [row, 1], [rowOut, 1]);
      offset += row;
    }
  }

  private gather([x, indices]: readonly TensorInfo[], y: TensorInfo, { axis, batchDims }: OpAttrs['gather']): void {
    const prod = (s: readonly number[], from: number, to: number): number => {
      let p = 1;
      for (let i = from; i < to; i++) p *= s[i];
      return p;
    };
    const batch = prod(x.shape, 0, batchDims);
    const outer = prod(x.shape, batchDims, axis);
    const axisSize = x.shape[axis];
    const inner = prod(x.shape, axis + 1, x.shape.length);
    const perBatch = prod(indices.shape, batchDims, indices.shape.length);
    const bad = this.k.gatherCheck(this.ptr(indices), batch * perBatch, axisSize);
    if (bad >= 0 && outer > 0) {
      this.refreshViews();
      const index = this.i32v[(this.ptr(indices) >>> 2) + bad];
      throw new Error(`gather: index ${index} is out of range [0, ${axisSize}) for axis ${axis} of [${x.shape.join(',')}]`);
    }
    this.k.gather(bpe(x.dtype), this.ptr(x), this.ptr(indices), this.ptr(y), batch, outer, axisSize, inner, perBatch);
  }

  private reduce(op: string, x: TensorInfo, y: TensorInfo, axes: number[]): void {
    // Group dims into runs of reduced / kept (size-1 dims vanish).
    const groups: { size: number; reduced: boolean }[] = [];
    x.shape.forEach((d, i) => {
      if (d === 1) return;
      const reduced = axes.includes(i);
      const last = groups[groups.length - 1];
      if (last && last.reduced === reduced) last.size *= d;
      else groups.push({ size: d, reduced });
    });
    const code = REDUCE_CODE[op];
    const dt = DTYPE_CODE[x.dtype];
    const reducedGroups = groups.filter((g) => g.reduced).length;
    if (reducedGroups <= 1) {
      const at = groups.findIndex((g) => g.reduced);
      let outer = 1;
      let n = 1;
      let inner = 1;
      groups.forEach((g, i) => {
        if (at < 0 || i < at) outer *= g.size;
        else if (i === at) n = g.size;
        else inner *= g.size;
      });
      this.k.reduce(code, dt, this.ptr(x), this.ptr(y), outer, n, inner);
      return;
    }
    // Several separate reduced runs: move them last with one transpose, then reduce rows.
    const shape = groups.map((g) => g.size);
    const kept = groups.map((g, i) => (g.reduced ? -1 : i)).filter((i) => i >= 0);
    const red = groups.map((g, i) => (g.reduced ? i : -1)).filter((i) => i >= 0);
    const perm = [...kept, ...red];
    const strides = contiguousStrides(shape);
    const permShape = perm.map((p) => shape[p]);
    const tmp = this.temp(x.size * 4);
    this.copy(4, tmp, this.ptr(x), permShape, perm.map((p) => strides[p]), contiguousStrides(permShape));
    const n = red.reduce((s, i) => s * shape[i], 1);
    this.k.reduce(code, dt, tmp, this.ptr(y), x.size / n, n, 1);
  }

  private matmul([a, b]: readonly TensorInfo[], y: TensorInfo, { transposeA, transposeB }: OpAttrs['matmul']): void {
    const [ba, ar, ac] = a.shape;
    const [bb, br, bc] = b.shape;
    const m = transposeA ? ac : ar;
    const kk = transposeA ? ar : ac;
    const n = transposeB ? br : bc;
    const batch = y.shape[0];
    const pa = this.temp(this.k.packASize() * 4);
    const pb = this.temp(this.k.packBSize() * 4);
    if (bb === 1 && ba === batch && batch > 1 && !transposeA) {
      // A shared B: the batch of A stacks into one tall GEMM.
      this.k.gemm(this.ptr(a), this.ptr(b), this.ptr(y), batch * m, n, kk, 0, transposeB ? 1 : 0, n, pa, pb);
      return;
    }
    this.k.matmul(this.ptr(a), this.ptr(b), this.ptr(y), batch, m, n, kk, transposeA ? 1 : 0, transposeB ? 1 : 0,
      ba === 1 ? 0 : ar * ac, bb === 1 ? 0 : br * bc, pa, pb);
  }

  private conv2d([x, f]: readonly TensorInfo[], y: TensorInfo, { strides, dilations, pads }: OpAttrs['conv2d']): void {
    const [nb, h, w, c] = x.shape;
    const [kh, kw, , fo] = f.shape;
    const [, oh, ow] = y.shape;
    const pa = this.temp(this.k.packASize() * 4);
    const pb = this.temp(this.k.packBSize() * 4);
    const p = this.writeParams([nb, h, w, c, kh, kw, fo, strides[0], strides[1], dilations[0], dilations[1], pads[0], pads[2], oh, ow]);
    this.k.conv2d(this.ptr(x), this.ptr(f), this.ptr(y), p, pa, pb);
  }
}
