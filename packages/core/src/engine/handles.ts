// Tensors and their buffers: a handle per buffer with a reference count (reshape and clone share
// one), a finalizer for tensors that were never disposed, and `memory()`.

import type { Backend, BackendMemory } from '../backend/backend.js';
import { bytesPerElement, type DType, type TypedArray } from '../dtype.js';
import { sizeOf, type Shape } from '../shape.js';
import { Tensor, type DataHandle } from '../tensor.js';
import { activeBackend } from './registry.js';
import { engine, type Scope } from './state.js';

/** Frees buffers of tensors that were garbage-collected without dispose(). */
const finalizer =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<DataHandle>((handle) => {
        engine.numTensors--;
        releaseHandle(handle);
      })
    : undefined;

/** Wraps a freshly allocated buffer in a tracked tensor. */
export function makeTensorFromHandle(handle: DataHandle, shape: Shape, dtype: DType): Tensor {
  const t = new Tensor(handle, shape, dtype, engine.nextTensorId++);
  track(t);
  return t;
}

// NOTE: only tensors outside every scope are registered with the finalizer (a scope disposes its
// own); registering is the costliest step of making a tensor, and most tensors live in a tidy.
function track(t: Tensor): void {
  engine.numTensors++;
  const scope = engine.scopes[engine.scopes.length - 1];
  if (scope) {
    scope.tensors.add(t);
    t.scope = scope;
  } else {
    finalizer?.register(t, t.handle, t);
  }
}

/** Moves `t` out of its scope into `parent` (a surviving tensor), or out of all scopes. */
export function moveToScope(t: Tensor, parent: Scope | undefined): void {
  t.scope?.tensors.delete(t);
  t.scope = parent;
  if (parent) parent.tensors.add(t);
  else finalizer?.register(t, t.handle, t);
}

/** A new tensor holding a copy of `values` on the active backend. */
export function makeTensor(values: TypedArray, shape: Shape, dtype: DType): Tensor {
  const backend = activeBackend();
  const handle = newHandle(backend, sizeOf(shape), dtype);
  try {
    if (values.length > 0) backend.write(handle.dataId, values);
  } catch (e) {
    releaseHandle(handle);
    throw e;
  }
  return makeTensorFromHandle(handle, shape, dtype);
}

export function newHandle(backend: Backend, size: number, dtype: DType): DataHandle {
  const handle = { backend, dataId: backend.alloc(size, dtype), size, dtype, refs: 1, bytes: size * bytesPerElement(dtype) };
  engine.handles.add(handle);
  return handle;
}

/** A second tensor over the same buffer (reshape, clone): the buffer is freed when both are. */
export function shareHandle(t: Tensor, shape: Shape): Tensor {
  t.handle.refs++;
  return makeTensorFromHandle(t.handle, shape, t.dtype);
}

export function releaseHandle(handle: DataHandle): void {
  if (handle.refs <= 0) return; // its backend was removed and freed everything already
  if (--handle.refs === 0) {
    engine.handles.delete(handle);
    handle.backend.free(handle.dataId);
  }
}

/** Called by `Tensor.dispose()`. */
export function disposeTensor(t: Tensor): void {
  engine.numTensors--;
  if (t.scope) {
    t.scope.tensors.delete(t);
    t.scope = undefined;
  } else {
    finalizer?.unregister(t);
  }
  releaseHandle(t.handle);
}

/** Stops the enclosing `tidy` scopes from disposing `t`. Returns `t`. */
export function keep<T extends Tensor>(t: T): T {
  if (t.scope) moveToScope(t, undefined);
  return t;
}

/** Live tensors and bytes, in total and per backend. */
export interface MemoryInfo {
  numTensors: number;
  /** Host-equivalent bytes of the distinct buffers behind live tensors. */
  numBytes: number;
  backends: Record<string, BackendMemory>;
}

/** What is alive: tensors, bytes, and each created backend's own accounting. */
export function memory(): MemoryInfo {
  let numBytes = 0;
  for (const h of engine.handles) numBytes += h.bytes;
  const backends: Record<string, BackendMemory> = {};
  for (const [name, reg] of engine.registry) if (reg.backend) backends[name] = reg.backend.memory();
  return { numTensors: engine.numTensors, numBytes, backends };
}
