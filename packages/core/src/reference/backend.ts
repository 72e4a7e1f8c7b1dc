// The reference backend `js`: every op in plain TypeScript, written for clarity and correctness.
// Other backends are tested against it; it is tested against TensorFlow.js and hand-checked values.

import type { Backend, BackendDeviceInfo, BackendMemory, DataId, TensorInfo } from '../backend/backend.js';
import {
  ANY_DTYPE, BOOL, FLOAT32, kernel, kernelFamily, NUMERIC, runKernel, tableSupports, type Kernel, type KernelTable,
} from '../backend/kernel.js';
import {
  BINARY_ARITH_OPS, COMPARE_OPS, LOGIC_BINARY_OPS, REDUCE_OPS, UNARY_KEEP_DTYPE_OPS, UNARY_MATH_OPS, UNARY_PREDICATE_OPS,
  type KernelOpName, type OpAttrs,
} from '../backend/op-attrs.js';
import { makeTypedArray, type DType, type TypedArray } from '../dtype.js';
import {
  adamUpdateKernel, binaryKernel, castKernel, clipKernel, fillKernel, leakyReluKernel, unaryKernel, whereKernel,
} from './kernels-elementwise.js';
import { conv2dKernel, poolKernel } from './kernels-conv.js';
import { fusedMatmulKernel, matmulKernel } from './kernels-linalg.js';
import { recurrentGradKernel, recurrentKernel } from './kernels-recurrent.js';
import { argReduceKernel, cumsumKernel, reduceKernel, softmaxKernel, topkKernel } from './kernels-reduction.js';
import { broadcastToKernel, concatKernel, gatherKernel, padKernel, sliceKernel, transposeKernel } from './kernels-shape.js';
import type { RefKernel, RefTensor } from './types.js';

interface Buffer {
  values: TypedArray;
  dtype: DType;
}

/** A reference kernel entry: the kernels ignore the context and read host arrays. */
const ref = <K extends KernelOpName>(dtypes: readonly DType[], run: RefKernel<K>): Kernel<K, JsBackend, RefTensor> =>
  kernel<K, JsBackend, RefTensor>(dtypes, (_ctx, inputs, outputs, attrs) => run(inputs, outputs, attrs));

/** One kernel per op with the dtypes core may hand it; the mapped type rejects a missing one. */
const KERNELS: KernelTable<JsBackend, RefTensor> = {
  ...kernelFamily(UNARY_MATH_OPS, (op) => ref(FLOAT32, unaryKernel(op))),
  ...kernelFamily(UNARY_KEEP_DTYPE_OPS, (op) => ref(NUMERIC, unaryKernel(op))),
  ...kernelFamily(UNARY_PREDICATE_OPS, (op) => ref(NUMERIC, unaryKernel(op))),
  logicalNot: ref(BOOL, unaryKernel('logicalNot')),
  ...kernelFamily(BINARY_ARITH_OPS, (op) => ref(NUMERIC, binaryKernel(op))),
  ...kernelFamily(COMPARE_OPS, (op) => ref(ANY_DTYPE, binaryKernel(op))),
  ...kernelFamily(LOGIC_BINARY_OPS, (op) => ref(BOOL, binaryKernel(op))),
  ...kernelFamily(REDUCE_OPS, (op) => ref(NUMERIC, reduceKernel(op))),
  leakyRelu: ref(FLOAT32, leakyReluKernel),
  adamUpdate: ref(FLOAT32, adamUpdateKernel),
  clip: ref(NUMERIC, clipKernel),
  cast: ref(ANY_DTYPE, castKernel),
  where: ref(BOOL, whereKernel),
  argMax: ref(NUMERIC, argReduceKernel('argMax')),
  argMin: ref(NUMERIC, argReduceKernel('argMin')),
  softmax: ref(FLOAT32, softmaxKernel('softmax')),
  logSoftmax: ref(FLOAT32, softmaxKernel('logSoftmax')),
  matmul: ref(FLOAT32, matmulKernel),
  fusedMatmul: ref(FLOAT32, fusedMatmulKernel),
  transpose: ref(ANY_DTYPE, transposeKernel),
  slice: ref(ANY_DTYPE, sliceKernel),
  concat: ref(ANY_DTYPE, concatKernel),
  pad: ref(ANY_DTYPE, padKernel),
  gather: ref(ANY_DTYPE, gatherKernel),
  broadcastTo: ref(ANY_DTYPE, broadcastToKernel),
  cumsum: ref(NUMERIC, cumsumKernel),
  topk: ref(NUMERIC, topkKernel),
  conv2d: ref(FLOAT32, conv2dKernel),
  maxPool2d: ref(FLOAT32, poolKernel('max')),
  recurrent: ref(FLOAT32, recurrentKernel),
  recurrentGrad: ref(FLOAT32, recurrentGradKernel),
  avgPool2d: ref(FLOAT32, poolKernel('avg')),
  fill: ref(ANY_DTYPE, fillKernel),
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
    runKernel('js', KERNELS, op, this, inputs.map((t) => this.view(t)), outputs.map((t) => this.view(t)), attrs);
  }

  supports(op: KernelOpName, dtype: DType): boolean {
    return tableSupports(KERNELS, op, dtype);
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
