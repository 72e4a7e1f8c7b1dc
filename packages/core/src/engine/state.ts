// The engine's state: registered backends, the active one, open scopes, live buffers and op
// listeners. One instance per process; the other engine modules read and update it.

import type { Backend, BackendFactory } from '../backend/backend.js';
import type { OpAttrs, OpName } from '../backend/op-attrs.js';
import { JsBackend } from '../reference/backend.js';
import type { DataHandle, Tensor } from '../tensor.js';

/** A kernel launch as seen by op listeners (the autodiff tape in @loom/nn). */
export interface OpRecord<K extends OpName = OpName> {
  op: K;
  inputs: readonly Tensor[];
  outputs: readonly Tensor[];
  attrs: OpAttrs[K];
}
export type OpListener = (record: OpRecord) => void;

/** A registered backend: its factory, priority, and the instance once created (or why not). */
export interface Registration {
  factory: BackendFactory;
  priority: number;
  backend?: Backend;
  error?: string;
}

/** A `tidy` scope: the tensors created inside it. */
export interface Scope {
  tensors: Set<Tensor>;
}

class EngineState {
  readonly registry = new Map<string, Registration>();
  active: Backend | undefined;
  readonly scopes: Scope[] = [];
  /** Live tensor count (a count, not a set: holding tensors would defeat the finalizer). */
  numTensors = 0;
  /** Buffers referenced by live tensors. */
  readonly handles = new Set<DataHandle>();
  readonly listeners = new Set<OpListener>();
  nextTensorId = 0;
}

export const engine = new EngineState();
// The reference backend is always there, with the lowest priority. Registered here rather than as
// an import side effect of index.ts, so bundlers honouring `sideEffects: false` cannot drop it.
const jsBackend = new JsBackend();
engine.registry.set('js', { factory: { name: 'js', create: () => jsBackend }, priority: 0, backend: jsBackend });
