// Backend registration and selection: `registerBackend`, `init()` by priority with `js` to fall
// back on, `setBackend`, and the queries `info()` uses.

import type { Backend, BackendFactory } from '../backend/backend.js';
import { engine } from './state.js';

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

/** Creates the named backend if needed; false (with the reason recorded) when it cannot be. */
export async function ensureCreated(name: string): Promise<boolean> {
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

/** A registered backend's priority and state, as `info()` shows it. */
export interface BackendState {
  name: string;
  priority: number;
  state: 'active' | 'ready' | 'failed' | 'registered';
  error?: string;
}

/** Registered backends with their priority and state, for `info()`. */
export function registeredBackends(): BackendState[] {
  return [...engine.registry.entries()]
    .sort((a, b) => b[1].priority - a[1].priority)
    .map(([name, r]) => ({
      name,
      priority: r.priority,
      state: r.backend && r.backend === engine.active ? 'active' : r.backend ? 'ready' : r.error ? 'failed' : 'registered',
      ...(r.error ? { error: r.error } : {}),
    }));
}
