// The worker pool of the threaded build: N − 1 workers (Web Workers or worker_threads), each with its
// own instance of the kernels on the backend's one shared memory. A job is a few kernel calls
// (slices of one op) that the caller and the workers claim one by one. Jobs travel through a small
// control SharedArrayBuffer (no postMessage per op): the claim word, a done counter, a generation
// word to sleep on, each slice's export index and arguments as float64, a status + message per slice.
// Workers only ever call kernel exports on pointers the caller allocated, with a scratch region of
// their own (setThreadScratch), so no instance's statics collide.

import type { Kernels } from './generated/kernels-abi.js';

/** One kernel call of a job: an export and its arguments (booleans as 0/1). */
export interface KernelCall {
  readonly fn: keyof Kernels;
  readonly args: readonly number[];
}

/** A typed KernelCall: `call('unaryF32', code, x, y, n, 0, 0)`. */
export function call<K extends keyof Kernels>(fn: K, ...args: Parameters<Kernels[K]>): KernelCall {
  return { fn, args: args.map(Number) };
}

// Control block layout: int32 words, then float64 argument slots, then message bytes. A job's
// slices are claimed from one word (generation | slice count | next slice) by compare-and-swap, by
// the caller and the workers alike: a worker the OS has not scheduled yet costs nothing, the caller
// runs the slices nobody took, and a claim can never land in another job (the generation differs).
const CLAIM = 0;
const DONE = 1;
const GEN = 2;
const STOP = 3;
/** 1 while a job is a broadcast: each worker runs exactly one of its slices (see broadcast). */
const BARRIER = 4;
const STATUS = 64; // + slice: 0 ok, else the byte length of its error message
const SLOT_DOUBLES = 24; // [fn index, argc, args…]
const MAX_SLICES = 64;
const ARGS_AT = 1024;
const MSG_BYTES = 256;
const MSG_AT = ARGS_AT + MAX_SLICES * SLOT_DOUBLES * 8;
const CONTROL_BYTES = MSG_AT + MAX_SLICES * MSG_BYTES;
/** CLAIM = gen << 14 | count << 7 | next. */
const FIELD = 7;
const MASK = 127;

/** The most threads a pool takes (the caller plus 63 workers). */
export const MAX_THREADS = MAX_SLICES;

/** What a worker receives once. */
interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  names: string[];
  scratch: number;
  layout: Record<'CLAIM' | 'DONE' | 'GEN' | 'STOP' | 'BARRIER' | 'STATUS' | 'SLOT_DOUBLES' | 'ARGS_AT' | 'MSG_AT' | 'MSG_BYTES' | 'FIELD' | 'MASK', number>;
}

// NOTE: the worker's whole program, as text: it must run from a Blob URL (browsers) or `eval`
// (worker_threads) without a separate file for bundlers to find. It is plain JavaScript.
const WORKER_SOURCE = String.raw`
'use strict';
function start(d, post) {
  const L = d.layout;
  const ctl = new Int32Array(d.control);
  const args = new Float64Array(d.control, L.ARGS_AT);
  const msg = new Uint8Array(d.control, L.MSG_AT);
  const imports = { env: { memory: d.memory, abort: (m, f, line, col) => { throw new Error('wasm kernel aborted at ' + line + ':' + col); } } };
  const ex = new WebAssembly.Instance(d.module, imports).exports;
  ex.setThreadScratch(d.scratch);
  const fns = d.names.map((n) => ex[n]);
  const enc = new TextEncoder();
  const run = (i) => {
    const base = i * L.SLOT_DOUBLES;
    let status = 0;
    try {
      const a = [];
      for (let k = 0, n = args[base + 1]; k < n; k++) a.push(args[base + 2 + k]);
      fns[args[base]](...a);
    } catch (e) {
      const text = enc.encode(String((e && e.message) || e)).subarray(0, L.MSG_BYTES);
      msg.set(text, i * L.MSG_BYTES);
      status = Math.max(1, text.length);
    }
    Atomics.store(ctl, L.STATUS + i, status);
  };
  post({ ready: true });
  for (;;) {
    const seen = Atomics.load(ctl, L.GEN);
    if (Atomics.load(ctl, L.STOP) !== 0) return;
    for (;;) {
      const v = Atomics.load(ctl, L.CLAIM);
      const next = v & L.MASK;
      const count = (v >>> L.FIELD) & L.MASK;
      if (next >= count) break;
      if (Atomics.compareExchange(ctl, L.CLAIM, v, v + 1) !== v) continue;
      run(next);
      if (Atomics.add(ctl, L.DONE, 1) + 1 === count) Atomics.notify(ctl, L.DONE);
      else if (Atomics.load(ctl, L.BARRIER) !== 0) {
        // A broadcast: take no second slice, so every worker runs one.
        const job = v >>> (2 * L.FIELD);
        while (Atomics.load(ctl, L.DONE) < count && Atomics.load(ctl, L.CLAIM) >>> (2 * L.FIELD) === job) {
          Atomics.wait(ctl, L.DONE, Atomics.load(ctl, L.DONE), 1);
        }
      }
    }
    // Spin a little first (about half a millisecond): an op that follows at once skips the
    // futex wake-up, which costs tens to hundreds of microseconds.
    const until = performance.now() + 0.5;
    let spins = 0;
    while (Atomics.load(ctl, L.GEN) === seen) {
      if ((++spins & 255) === 0 && performance.now() > until) { Atomics.wait(ctl, L.GEN, seen); break; }
    }
  }
}
if (typeof process === 'object' && process.versions && process.versions.node) {
  const wt = typeof require === 'function' ? require('node:worker_threads') : process.getBuiltinModule('node:worker_threads');
  start(wt.workerData, (m) => wt.parentPort.postMessage(m));
} else {
  self.onmessage = (e) => start(e.data, (m) => self.postMessage(m));
}
`;

/** The part of a Worker the pool uses (browser Worker and worker_threads alike). */
interface WorkerLike {
  terminate(): unknown;
}

interface NodeWorkerThreads {
  Worker: new (src: string, opts: { eval: true; workerData: unknown; execArgv: string[] }) => WorkerLike & {
    on(ev: 'message' | 'error' | 'exit', f: (v: unknown) => void): void;
    unref(): void;
  };
}

/** process, where there is one (Node). */
function nodeProcess(): { versions?: { node?: string }; getBuiltinModule?: (n: string) => unknown } | undefined {
  const p = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (n: string) => unknown } }).process;
  return p?.versions?.node ? p : undefined;
}

/** import() of a specifier bundlers for the browser must not resolve. */
function importAtRuntime(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

async function nodeBuiltin<T>(name: string): Promise<T> {
  return (nodeProcess()?.getBuiltinModule?.(name) as T | undefined) ?? ((await importAtRuntime(name)) as T);
}

/** Logical cores: os.availableParallelism() in Node, navigator.hardwareConcurrency in browsers. */
export async function coreCount(): Promise<number> {
  if (nodeProcess()) {
    const os = await nodeBuiltin<{ availableParallelism?: () => number; cpus: () => unknown[] }>('node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n > 0 ? n : 1;
}

/**
 * Why this runtime cannot run the threaded build, in words a user can act on, or null when it can.
 */
export function threadsUnavailableReason(): string | null {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  if (typeof SharedArrayBuffer !== 'function') {
    return g.crossOriginIsolated === false
      ? 'SharedArrayBuffer is unavailable because the page is not cross-origin isolated: serve it with the headers ' +
        '"Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp"'
      : 'SharedArrayBuffer is unavailable in this runtime';
  }
  if (g.crossOriginIsolated === false) {
    return 'the page is not cross-origin isolated: serve it with the headers "Cross-Origin-Opener-Policy: same-origin" ' +
      'and "Cross-Origin-Embedder-Policy: require-corp"';
  }
  if (!nodeProcess() && typeof g.Worker !== 'function') return 'this runtime has no Web Workers';
  return null;
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** A started pool of `threads − 1` workers over `memory`. Create it with `WorkerPool.start`. */
export class WorkerPool {
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly msg: Uint8Array;
  private readonly fnIndex: Map<string, number>;
  private readonly blocking = canBlock();
  private closed = false;
  private gen = 0;
  /** Settles when the terminated workers have exited (after dispose). */
  stopped: Promise<void> | undefined;

  private constructor(
    private readonly workers: WorkerLike[],
    control: SharedArrayBuffer,
    names: readonly string[],
    private readonly urls: string[],
  ) {
    this.ctl = new Int32Array(control);
    this.args = new Float64Array(control, ARGS_AT);
    this.msg = new Uint8Array(control, MSG_AT);
    this.fnIndex = new Map(names.map((n, i) => [n, i]));
  }

  /** Threads a job may use: the caller and every worker. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Starts `threads − 1` workers, each instantiating `module` on `memory` with the scratch region at
   * `scratch[w]`; resolves when all are ready, rejects (after terminating those started) when one
   * fails or none answers within `timeoutMs`.
   */
  static async start(module: WebAssembly.Module, memory: WebAssembly.Memory, names: readonly string[], threads: number,
    scratch: readonly number[], timeoutMs = 20000): Promise<WorkerPool> {
    const count = Math.min(threads, MAX_THREADS) - 1;
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const layout = { CLAIM, DONE, GEN, STOP, BARRIER, STATUS, SLOT_DOUBLES, ARGS_AT, MSG_AT, MSG_BYTES, FIELD, MASK };
    const workers: WorkerLike[] = [];
    const urls: string[] = [];
    const ready: Promise<void>[] = [];
    const node = nodeProcess() ? await nodeBuiltin<NodeWorkerThreads>('node:worker_threads') : undefined;
    try {
      for (let index = 0; index < count; index++) {
        const init: WorkerInit = { module, memory, control, names: [...names], scratch: scratch[index], layout };
        if (node) {
          // No execArgv: the parent's loaders (tsx) or --input-type=module would change how the
          // script runs; V8 flags such as relaxed SIMD are process-wide anyway.
          const w = new node.Worker(WORKER_SOURCE, { eval: true, workerData: init, execArgv: [] });
          workers.push(w);
          ready.push(new Promise((resolve, reject) => {
            w.on('message', () => resolve());
            w.on('error', (e) => reject(e instanceof Error ? e : new Error(String(e))));
            w.on('exit', (code) => reject(new Error(`worker exited with code ${String(code)} before it was ready`)));
          }));
          // An undisposed backend must not keep the process alive. NOTE: after the listeners, which
          // would ref the worker's message port again.
          w.unref();
        } else {
          const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
          urls.push(url);
          const w = new Worker(url);
          workers.push(w);
          ready.push(new Promise((resolve, reject) => {
            w.onmessage = () => resolve();
            w.onerror = (e) => {
              e.preventDefault();
              reject(new Error(e.message || 'the worker script failed to load (a Content-Security-Policy without worker-src blob:?)'));
            };
          }));
          w.postMessage(init);
        }
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the workers did not start within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([Promise.all(ready), timeout]);
      } finally {
        clearTimeout(timer);
      }
    } catch (e) {
      for (const w of workers) void w.terminate();
      for (const u of urls) URL.revokeObjectURL(u);
      throw e;
    }
    return new WorkerPool(workers, control, names, urls);
  }

  /**
   * Runs the calls (slices of op `op` on disjoint outputs) on this thread's instance `local` and on
   * the workers, whoever is free first, and returns when all are done. Throws once every slice has
   * finished: the first error, naming `op` (and the thread for a worker's). With `callerRuns`
   * false the caller only waits, so every slice runs on a worker (tests).
   */
  run(op: string, local: Kernels, calls: readonly KernelCall[], callerRuns = true): void {
    this.job(op, callerRuns ? local : undefined, calls, false);
  }

  /**
   * Runs `c` once on every worker (not on the caller): tuning calls that set a worker instance's
   * globals. A worker that ran its copy takes no other, so each of them runs exactly one.
   */
  broadcast(op: string, c: KernelCall): void {
    this.job(op, undefined, this.workers.map(() => c), true);
  }

  /** One job: `local` is the caller's instance when the caller computes slices too (else it only waits). */
  private job(op: string, local: Kernels | undefined, calls: readonly KernelCall[], barrier: boolean): void {
    if (this.closed) throw new Error(`${op}: the wasm backend's worker pool was disposed`);
    const count = calls.length;
    if (count > MAX_SLICES) throw new Error(`${op}: ${count} slices, at most ${MAX_SLICES}`);
    const ctl = this.ctl;
    for (let i = 0; i < count; i++) {
      const { fn, args } = calls[i];
      const base = i * SLOT_DOUBLES;
      if (args.length > SLOT_DOUBLES - 2) throw new Error(`${op}: ${fn} takes too many arguments for a worker slot`);
      const index = this.fnIndex.get(fn);
      if (index === undefined) throw new Error(`${op}: the threaded build has no export ${fn}`);
      this.args[base] = index;
      this.args[base + 1] = args.length;
      this.args.set(args, base + 2);
      ctl[STATUS + i] = 0;
    }
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, BARRIER, barrier ? 1 : 0);
    this.gen = (this.gen + 1) & 0x3ffff;
    Atomics.store(ctl, CLAIM, (this.gen << (2 * FIELD)) | (count << FIELD));
    Atomics.add(ctl, GEN, 1);
    // Wake as many workers as there are slices the caller will not take itself.
    Atomics.notify(ctl, GEN, local ? count - 1 : count);
    const errors = new Map<number, unknown>();
    while (local) {
      const v = Atomics.load(ctl, CLAIM);
      const next = v & MASK;
      if (next >= count) break;
      if (Atomics.compareExchange(ctl, CLAIM, v, v + 1) !== v) continue;
      const c = calls[next];
      try {
        (local[c.fn] as (...a: number[]) => unknown)(...c.args);
      } catch (e) {
        errors.set(next, e);
      }
      Atomics.add(ctl, DONE, 1);
    }
    this.waitAll(count);
    for (let i = 0; i < count; i++) {
      const own = errors.get(i);
      if (own instanceof WebAssembly.RuntimeError) {
        throw new Error(`${op}: wasm kernel trapped (${own.message}); the output was discarded and the backend is still usable`, { cause: own });
      }
      if (errors.has(i)) throw own;
      const status = ctl[STATUS + i];
      if (status === 0) continue;
      const text = new TextDecoder().decode(this.msg.slice(i * MSG_BYTES, i * MSG_BYTES + status));
      throw new Error(`${op}: wasm kernel trapped in a worker thread (${text}); the output was discarded and the backend is still usable`);
    }
  }

  /** Stops and terminates the workers; idempotent. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    Atomics.store(this.ctl, STOP, 1);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    this.stopped = Promise.all(this.workers.map((w) => w.terminate())).then(() => undefined);
    for (const u of this.urls) URL.revokeObjectURL(u);
  }

  /** Waits for the slices workers took: a browser's main thread may not block, so it spins; elsewhere spin, then sleep. */
  private waitAll(count: number): void {
    const ctl = this.ctl;
    let spins = 0;
    for (;;) {
      const done = Atomics.load(ctl, DONE);
      if (done === count) return;
      if (this.blocking && ++spins > 20000) Atomics.wait(ctl, DONE, done, 5);
    }
  }
}
