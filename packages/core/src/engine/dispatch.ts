// Op dispatch: `runOp` is the only path to a backend kernel (inputs migrated, `supports` checked,
// outputs allocated and freed on a throw); op listeners see every launch; `moveToBackend`.

import type { Backend, TensorInfo } from '../backend/backend.js';
import type { KernelOpName, OpAttrs } from '../backend/op-attrs.js';
import { bytesPerElement, type DType } from '../dtype.js';
import { fmt, sizeOf, type Shape } from '../shape.js';
import type { DataHandle, Tensor } from '../tensor.js';
import { makeTensorFromHandle, newHandle, releaseHandle, shareHandle } from './handles.js';
import { activeBackend, ensureCreated } from './registry.js';
import { engine, type OpListener, type OpRecord } from './state.js';

/** Subscribes to every kernel launch; returns the unsubscribe function. */
export function onOp(listener: OpListener): () => void {
  engine.listeners.add(listener);
  return () => engine.listeners.delete(listener);
}

/** Moves `t`'s buffer to `backend` (all tensors sharing it follow). Needs a host-visible source. */
function migrate(op: string, t: Tensor, backend: Backend): void {
  const from = t.handle.backend;
  if (!from.readSync) {
    throw new Error(
      `${op}: an input lives on backend '${from.name}' but the active backend is '${backend.name}', and ` +
        `'${from.name}' cannot be read synchronously; move it first with await moveToBackend(t, '${backend.name}')`,
    );
  }
  const data = from.readSync(t.handle.dataId);
  const dataId = backend.alloc(t.handle.size, t.dtype);
  try {
    if (t.handle.size > 0) backend.write(dataId, data);
  } catch (e) {
    backend.free(dataId);
    throw new Error(`${op}: moving an input from '${from.name}' to '${backend.name}' failed: ${(e as Error).message}`, { cause: e });
  }
  from.free(t.handle.dataId);
  t.handle.backend = backend;
  t.handle.dataId = dataId;
}

/** Async move of a tensor's buffer to another created backend (works from any backend). */
export async function moveToBackend(t: Tensor, name: string): Promise<void> {
  t.assertAlive('moveToBackend');
  if (!(await ensureCreated(name))) throw new Error(`moveToBackend: backend '${name}' is unavailable`);
  const target = engine.registry.get(name)!.backend!;
  if (t.handle.backend === target) return;
  const data = await t.handle.backend.read(t.handle.dataId);
  if (t.isDisposed || t.handle.backend === target) return;
  const dataId = target.alloc(t.handle.size, t.dtype);
  try {
    if (t.handle.size > 0) target.write(dataId, data);
  } catch (e) {
    target.free(dataId);
    throw new Error(`moveToBackend: writing to '${name}' failed: ${(e as Error).message}`, { cause: e });
  }
  t.handle.backend.free(t.handle.dataId);
  t.handle.backend = target;
  t.handle.dataId = dataId;
}

/** The shape and dtype of one output, as inferred by the op. */
export interface OutputSpec {
  shape: Shape;
  dtype: DType;
}

/**
 * Runs a primitive op on the active backend. Inputs must be validated already; outputs are
 * allocated here and freed again if the kernel throws.
 */
export function runOp<K extends KernelOpName>(op: K, inputs: readonly Tensor[], attrs: OpAttrs[K], outs: readonly OutputSpec[]): Tensor[] {
  const backend = activeBackend();
  for (const t of inputs) {
    t.assertAlive(op);
    if (t.handle.backend !== backend) migrate(op, t, backend);
  }
  const dtype = inputs[0]?.dtype ?? outs[0]?.dtype;
  if (dtype && !backend.supports(op, dtype)) {
    throw new Error(`${op}: backend '${backend.name}' has no kernel for ${dtype} inputs; switch backend (setBackend('js')) or cast`);
  }
  const handles = allocateOutputs(op, backend, outs);
  const needsRun = handles.some((h) => h.size > 0);
  if (needsRun) {
    const inInfos: TensorInfo[] = inputs.map((t) => ({ dataId: t.handle.dataId, shape: t.shape, dtype: t.dtype, size: t.size }));
    const outInfos: TensorInfo[] = outs.map((o, i) => ({
      dataId: handles[i].dataId, shape: o.shape, dtype: o.dtype, size: handles[i].size,
    }));
    try {
      backend.run(op, inInfos, outInfos, attrs);
    } catch (e) {
      for (const h of handles) releaseHandle(h);
      const msg = e instanceof Error ? e.message : String(e);
      const prefix = msg.startsWith(`${op}:`) ? '' : `${op}: `;
      throw new Error(
        `${prefix}${msg} (backend '${backend.name}', inputs ${inputs.map((t) => `${fmt(t.shape)} ${t.dtype}`).join(', ') || 'none'})`,
        { cause: e },
      );
    }
  }
  const outputs = handles.map((h, i) => makeTensorFromHandle(h, outs[i].shape, outs[i].dtype));
  notify({ op, inputs, outputs, attrs } as OpRecord);
  return outputs;
}

/** The per-tensor limit of a backend that declares none (what a js typed array can safely hold). */
const DEFAULT_MAX_TENSOR_BYTES = 2 ** 31;

/** Refuses, before anything is allocated, a tensor larger than the backend can hold. */
export function assertAllocatable(op: string, shape: readonly number[], dtype: DType, backend: Backend = activeBackend()): void {
  const bytes = sizeOf(shape) * bytesPerElement(dtype);
  const limit = backend.maxTensorBytes ?? DEFAULT_MAX_TENSOR_BYTES;
  if (bytes > limit) {
    throw new Error(`${op}: a ${dtype} tensor of shape ${fmt(shape)} needs ${bytes} bytes, above backend '${backend.name}''s ` +
      `limit of ${limit} bytes per tensor`);
  }
}

/** Allocates every output, or none: if one allocation fails (out of memory), the earlier ones are freed. */
function allocateOutputs(op: string, backend: Backend, outs: readonly OutputSpec[]): DataHandle[] {
  for (const o of outs) assertAllocatable(op, o.shape, o.dtype, backend);
  const handles: DataHandle[] = [];
  try {
    for (const o of outs) handles.push(newHandle(backend, sizeOf(o.shape), o.dtype));
  } catch (e) {
    for (const h of handles) releaseHandle(h);
    throw e;
  }
  return handles;
}

/** Tells listeners about an op; if one throws, the op's outputs are freed before rethrowing. */
function notify(record: OpRecord): void {
  if (engine.listeners.size === 0) return;
  try {
    for (const l of engine.listeners) l(record);
  } catch (e) {
    for (const t of record.outputs) t.dispose();
    throw e;
  }
}

/** Records a view op (reshape): a new tensor over the input's buffer, seen by op listeners. */
export function runView(input: Tensor, shape: Shape): Tensor {
  input.assertAlive('reshape');
  const output = shareHandle(input, shape);
  notify({ op: 'reshape', inputs: [input], outputs: [output], attrs: { shape: [...shape] } } as OpRecord);
  return output;
}
