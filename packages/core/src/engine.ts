// The engine: backend registry and selection, tensor bookkeeping, memory scopes, and op dispatch.
// Ops validate their inputs first, then call `runOp`, which is the only path to a backend kernel.

import type { Backend, BackendFactory, BackendMemory, TensorInfo } from './backend/backend.js';
import type { KernelOpName, OpAttrs, OpName } from './backend/op-attrs.js';
import { bytesPerElement, type DType, type TypedArray } from './dtype.js';
import { fmt, sizeOf, type Shape } from './shape.js';
import { JsBackend } from './reference/backend.js';
import { Tensor, type DataHandle } from './tensor.js';

/** A kernel launch as seen by op listeners (the autodiff tape in @loom/nn). */
export interface OpRecord<K extends OpName = OpName> {
  op: K;
  inputs: readonly Tensor[];
  outputs: readonly Tensor[];
  attrs: OpAttrs[K];
}
export type OpListener = (record: OpRecord) => void;

interface Registration {
  factory: BackendFactory;
  priority: number;
  backend?: Backend;
  error?: string;
}

interface Scope {
  tensors: Set<Tensor>;
}

class Engine {
  readonly registry = new Map<string, Registration>();
  active: Backend | undefined;
  readonly scopes: Scope[] = [];
  /** Live tensor count (a count, not a set: holding tensors would defeat the finalizer). */
  numTensors = 0;
  /** Buffers referenced by live tensors. */
  readonly handles = new Set<DataHandle>();
  readonly listeners = new Set<OpListener>();
  nextTensorId = 0;
  /** Frees buffers of tensors that were garbage-collected without dispose(). */
  readonly finalizer =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry<DataHandle>((handle) => {
          engine.numTensors--;
          releaseHandle(handle);
        })
      : undefined;
}

const engine = new Engine();
// The reference backend is always there, with the lowest priority. Registered here rather than as
// an import side effect of index.ts, so bundlers honouring `sideEffects: false` cannot drop it.
const jsBackend = new JsBackend();
engine.registry.set('js', { factory: { name: 'js', create: () => jsBackend }, priority: 0, backend: jsBackend });

// ---------------------------------------------------------------------------------------------
// Backends

/**
 * Registers a backend (or a factory that creates one when `init()` asks for it).
 * Higher priority wins in `init()`; the reference backend `js` has priority 0.
 */
export function registerBackend(backend: Backend | BackendFactory, priority = 1): void {
  if (!backend || typeof backend.name !== 'string' || backend.name.length === 0) {
    throw new Error('registerBackend: expected a Backend or a { name, create() } factory with a non-empty name');
  }
  const factory: BackendFactory = 'create' in backend && typeof backend.create === 'function'
    ? backend
    : { name: backend.name, create: () => backend as Backend };
  const old = engine.registry.get(factory.name);
  if (old?.backend && old.backend === engine.active) {
    throw new Error(`registerBackend: backend '${factory.name}' is active; switch away from it before replacing it`);
  }
  if (old?.backend && old.backend !== (backend as Backend)) disposeBackendInstance(old.backend);
  engine.registry.set(factory.name, {
    factory,
    priority,
    backend: 'create' in backend ? undefined : (backend as Backend),
  });
}

/** Removes a registered backend, disposing it (its tensors become unusable). */
export function removeBackend(name: string): void {
  const reg = engine.registry.get(name);
  if (!reg) return;
  if (name === 'js') throw new Error("removeBackend: the reference backend 'js' cannot be removed");
  if (reg.backend) {
    if (engine.active === reg.backend) engine.active = undefined;
    disposeBackendInstance(reg.backend);
  }
  engine.registry.delete(name);
}

function disposeBackendInstance(backend: Backend): void {
  for (const h of [...engine.handles]) {
    if (h.backend === backend) {
      h.refs = 0;
      engine.handles.delete(h);
      backend.free(h.dataId);
    }
  }
  backend.dispose();
}

/** Options of `init()`. */
export interface InitOptions {
  /** Backend names to try in this order; others registered are not tried. Default: by priority. */
  backends?: readonly string[];
}

/**
 * Picks the best registered backend that initializes and makes it active. The reference backend
 * `js` is always there to fall back on. Returns the chosen backend's name.
 */
export async function init(options: InitOptions = {}): Promise<string> {
  const order = options.backends
    ? [...options.backends]
    : [...engine.registry.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([n]) => n);
  for (const name of order) {
    if (!engine.registry.has(name)) {
      throw new Error(`init: no backend named '${name}' is registered; registered: ${[...engine.registry.keys()].join(', ')}`);
    }
  }
  if (!order.includes('js')) order.push('js');
  for (const name of order) {
    if (await ensureCreated(name)) {
      engine.active = engine.registry.get(name)!.backend;
      return name;
    }
  }
  throw new Error(`init: no backend could be created (${describeFailures()})`);
}

async function ensureCreated(name: string): Promise<boolean> {
  const reg = engine.registry.get(name);
  if (!reg) return false;
  if (reg.backend) return true;
  try {
    reg.backend = await reg.factory.create();
    reg.error = undefined;
    return true;
  } catch (e) {
    reg.error = e instanceof Error ? e.message : String(e);
    return false;
  }
}

function describeFailures(): string {
  return [...engine.registry.entries()]
    .filter(([, r]) => r.error)
    .map(([n, r]) => `${n}: ${r.error}`)
    .join('; ');
}

/** Makes the named backend active, creating it first if needed. */
export async function setBackend(name: string): Promise<void> {
  if (!engine.registry.has(name)) {
    throw new Error(`setBackend: no backend named '${name}' is registered; registered: ${[...engine.registry.keys()].join(', ')}`);
  }
  if (!(await ensureCreated(name))) {
    throw new Error(`setBackend: backend '${name}' is unavailable: ${engine.registry.get(name)!.error}`);
  }
  engine.active = engine.registry.get(name)!.backend;
}

/** The active backend's name. */
export function getBackend(): string {
  return activeBackend().name;
}

/** The active backend object (for backend authors and tests). */
export function activeBackend(): Backend {
  if (!engine.active) {
    const js = engine.registry.get('js');
    if (!js?.backend) throw new Error('no backend is available: the reference backend was not registered');
    engine.active = js.backend;
  }
  return engine.active;
}

/** A created backend by name, or undefined. */
export function findBackend(name: string): Backend | undefined {
  return engine.registry.get(name)?.backend;
}

/** Registered backends with their priority and state, for `info()`. */
export function registeredBackends(): { name: string; priority: number; state: 'active' | 'ready' | 'failed' | 'registered'; error?: string }[] {
  return [...engine.registry.entries()]
    .sort((a, b) => b[1].priority - a[1].priority)
    .map(([name, r]) => ({
      name,
      priority: r.priority,
      state: r.backend && r.backend === engine.active ? 'active' : r.backend ? 'ready' : r.error ? 'failed' : 'registered',
      ...(r.error ? { error: r.error } : {}),
    }));
}

// ---------------------------------------------------------------------------------------------
// Tensors and memory

/** Wraps a freshly allocated buffer in a tracked tensor. */
export function makeTensorFromHandle(handle: DataHandle, shape: Shape, dtype: DType): Tensor {
  const t = new Tensor(handle, shape, dtype, engine.nextTensorId++);
  track(t);
  return t;
}

function track(t: Tensor): void {
  engine.numTensors++;
  const scope = engine.scopes[engine.scopes.length - 1];
  if (scope) {
    scope.tensors.add(t);
    t.scope = scope;
  }
  engine.finalizer?.register(t, t.handle, t);
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

function newHandle(backend: Backend, size: number, dtype: DType): DataHandle {
  const handle = { backend, dataId: backend.alloc(size, dtype), size, dtype, refs: 1, bytes: size * bytesPerElement(dtype) };
  engine.handles.add(handle);
  return handle;
}

/** A second tensor over the same buffer (reshape, clone): the buffer is freed when both are. */
export function shareHandle(t: Tensor, shape: Shape): Tensor {
  t.handle.refs++;
  return makeTensorFromHandle(t.handle, shape, t.dtype);
}

function releaseHandle(handle: DataHandle): void {
  if (handle.refs <= 0) return; // its backend was removed and freed everything already
  if (--handle.refs === 0) {
    engine.handles.delete(handle);
    handle.backend.free(handle.dataId);
  }
}

/** Called by `Tensor.dispose()`. */
export function disposeTensor(t: Tensor): void {
  engine.numTensors--;
  t.scope?.tensors.delete(t);
  t.scope = undefined;
  engine.finalizer?.unregister(t);
  releaseHandle(t.handle);
}

/** Stops the enclosing `tidy` scopes from disposing `t`. Returns `t`. */
export function keep<T extends Tensor>(t: T): T {
  t.scope?.tensors.delete(t);
  t.scope = undefined;
  t.kept = true;
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

// ---------------------------------------------------------------------------------------------
// Scopes

/** Anything tidy can return: tensors nested in arrays and plain objects are kept. */
export type TensorContainer = Tensor | number | string | boolean | null | undefined | void | TensorContainer[] | { [key: string]: TensorContainer };

/**
 * Runs `fn` and disposes every tensor it created except those it returns (and those passed to
 * `keep`). Synchronous only: a function that returns a Promise is an error, because tensors made
 * by other code during an `await` would be caught in the scope. Across awaits, use `using` or
 * `dispose()`.
 */
export function tidy<T extends TensorContainer>(fn: () => T): T;
export function tidy<T extends TensorContainer>(name: string, fn: () => T): T;
export function tidy<T extends TensorContainer>(nameOrFn: string | (() => T), maybeFn?: () => T): T {
  const fn = typeof nameOrFn === 'function' ? nameOrFn : maybeFn;
  if (typeof fn !== 'function') throw new Error('tidy: expected a function');
  const scope: Scope = { tensors: new Set() };
  engine.scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endScope(scope, new Set());
    throw e;
  }
  if (result && typeof (result as { then?: unknown }).then === 'function') {
    // Keep everything: the async work may still use these tensors.
    endScope(scope, new Set(scope.tensors));
    throw new Error(
      'tidy: the function returned a Promise; tidy is synchronous. Wrap only the synchronous part in tidy, ' +
        'or dispose tensors yourself across awaits (dispose() or `using`).',
    );
  }
  const keepSet = new Set<Tensor>();
  collectTensors(result, keepSet);
  endScope(scope, keepSet);
  return result;
}

function endScope(scope: Scope, survivors: Set<Tensor>): void {
  const idx = engine.scopes.lastIndexOf(scope);
  if (idx >= 0) engine.scopes.splice(idx, 1);
  const parent = engine.scopes[engine.scopes.length - 1];
  for (const t of scope.tensors) {
    if (survivors.has(t)) {
      t.scope = parent;
      parent?.tensors.add(t);
    } else {
      t.dispose();
    }
  }
}

/** Finds every tensor inside arrays, plain objects and Maps. */
export function collectTensors(value: unknown, into: Set<Tensor>, seen = new Set<unknown>()): void {
  if (value instanceof Tensor) {
    into.add(value);
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (Array.isArray(value)) for (const v of value) collectTensors(v, into, seen);
  else if (value instanceof Map) for (const v of value.values()) collectTensors(v, into, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) collectTensors(v, into, seen);
}

/** Disposes every tensor found in `value` (arrays, objects, Maps). */
export function dispose(value: unknown): void {
  const found = new Set<Tensor>();
  collectTensors(value, found);
  for (const t of found) t.dispose();
}

// ---------------------------------------------------------------------------------------------
// Dispatch

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
  const handles = outs.map((o) => newHandle(backend, sizeOf(o.shape), o.dtype));
  const needsRun = handles.some((h) => h.size > 0);
  if (needsRun) {
    const inInfos: TensorInfo[] = inputs.map((t) => ({ dataId: t.handle.dataId, shape: t.shape, dtype: t.dtype, size: t.size }));
    const outInfos: TensorInfo[] = outs.map((o, i) => ({ dataId: handles[i].dataId, shape: o.shape, dtype: o.dtype, size: handles[i].size }));
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
