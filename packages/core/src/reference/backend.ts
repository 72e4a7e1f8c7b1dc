// The reference backend `js`: every op in plain TypeScript, written for clarity and correctness.
// Other backends are tested against it; it is tested against TensorFlow.js and hand-checked values.

import type { Backend, BackendDeviceInfo, BackendMemory, DataId, TensorInfo } from '../backend/backend.js';
import {
  BINARY_ARITH_OPS, COMPARE_OPS, LOGIC_BINARY_OPS, REDUCE_OPS, UNARY_KEEP_DTYPE_OPS, UNARY_MATH_OPS, UNARY_PREDICATE_OPS,
  type KernelOpName, type OpAttrs,
} from '../backend/op-attrs.js';
import { makeTypedArray, type DType, type TypedArray } from '../dtype.js';
import {
  binaryKernel, castKernel, clipKernel, fillKernel, leakyReluKernel, unaryKernel, whereKernel,
} from './kernels-elementwise.js';
import { conv2dKernel, fusedMatmulKernel, matmulKernel, poolKernel } from './kernels-linalg.js';
import { argReduceKernel, cumsumKernel, reduceKernel, softmaxKernel, topkKernel } from './kernels-reduce.js';
import { broadcastToKernel, concatKernel, gatherKernel, padKernel, sliceKernel, transposeKernel } from './kernels-shape.js';
import type { Kernel, RefTensor } from './types.js';

interface Buffer {
  values: TypedArray;
  dtype: DType;
}

const fromList = <L extends readonly string[], K>(list: L, make: (op: L[number]) => K) =>
  Object.fromEntries(list.map((op) => [op, make(op)])) as Record<L[number], K>;

/** One kernel per op; the mapped type makes the compiler reject a missing one. */
const KERNELS: { [K in KernelOpName]: Kernel<K> } = {
  ...fromList(UNARY_MATH_OPS, unaryKernel),
  ...fromList(UNARY_KEEP_DTYPE_OPS, unaryKernel),
  ...fromList(UNARY_PREDICATE_OPS, unaryKernel),
  logicalNot: unaryKernel('logicalNot'),
  ...fromList(BINARY_ARITH_OPS, binaryKernel),
  ...fromList(COMPARE_OPS, binaryKernel),
  ...fromList(LOGIC_BINARY_OPS, binaryKernel),
  ...fromList(REDUCE_OPS, reduceKernel),
  leakyRelu: leakyReluKernel,
  clip: clipKernel,
  cast: castKernel,
  where: whereKernel,
  argMax: argReduceKernel('argMax'),
  argMin: argReduceKernel('argMin'),
  softmax: softmaxKernel('softmax'),
  logSoftmax: softmaxKernel('logSoftmax'),
  matmul: matmulKernel,
  fusedMatmul: fusedMatmulKernel,
  transpose: transposeKernel,
  slice: sliceKernel,
  concat: concatKernel,
  pad: padKernel,
  gather: gatherKernel,
  broadcastTo: broadcastToKernel,
  cumsum: cumsumKernel,
  topk: topkKernel,
  conv2d: conv2dKernel,
  maxPool2d: poolKernel('max'),
  avgPool2d: poolKernel('avg'),
  fill: fillKernel,
};

/** The plain-TypeScript reference backend. */
export class JsBackend implements Backend {
  readonly name = 'js';
  private readonly buffers = new Set<Buffer>();
  private bytes = 0;

  alloc(size: number, dtype: DType): DataId {
    const buffer: Buffer = { values: makeTypedArray(dtype, size), dtype };
    this.buffers.add(buffer);
    this.bytes += buffer.values.byteLength;
    return buffer;
  }

  write(id: DataId, data: TypedArray): void {
    const buffer = this.get(id);
    if (data.length !== buffer.values.length) {
      throw new Error(`write: ${data.length} values for a buffer of ${buffer.values.length}`);
    }
    buffer.values.set(data);
  }

  async read(id: DataId): Promise<TypedArray> {
    return this.readSync(id);
  }

  readSync(id: DataId): TypedArray {
    return this.get(id).values.slice();
  }

  free(id: DataId): void {
    const buffer = id as Buffer;
    if (this.buffers.delete(buffer)) this.bytes -= buffer.values.byteLength;
  }

  run<K extends KernelOpName>(op: K, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[], attrs: OpAttrs[K]): void {
    const kernel = KERNELS[op] as Kernel<K> | undefined;
    if (!kernel) throw new Error(`${op}: no kernel in the js backend`);
    kernel(inputs.map((t) => this.view(t)), outputs.map((t) => this.view(t)), attrs);
  }

  supports(op: KernelOpName): boolean {
    return op in KERNELS;
  }

  memory(): BackendMemory {
    return { buffers: this.buffers.size, bytes: this.bytes };
  }

  deviceInfo(): BackendDeviceInfo {
    return { kind: 'cpu', description: 'plain TypeScript reference kernels (single thread)' };
  }

  dispose(): void {
    this.buffers.clear();
    this.bytes = 0;
  }

  private get(id: DataId): Buffer {
    const buffer = id as Buffer;
    if (!this.buffers.has(buffer)) throw new Error('js backend: unknown or freed buffer');
    return buffer;
  }

  private view(t: TensorInfo): RefTensor {
    return { values: this.get(t.dataId).values, shape: t.shape, dtype: t.dtype, size: t.size };
  }
}
