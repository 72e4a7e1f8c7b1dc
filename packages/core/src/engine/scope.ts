// Memory scopes: `tidy` disposes what a function created except what it returns; `dispose` frees
// every tensor found in a nested value.

import { Tensor } from '../tensor.js';
import { moveToScope } from './handles.js';
import { engine, type Scope } from './state.js';

/** Anything tidy can return: tensors nested in arrays and plain objects are kept. */
export type TensorContainer =
  | Tensor | number | string | boolean | null | undefined | void | TensorContainer[] | { [key: string]: TensorContainer };

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
      moveToScope(t, parent);
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
