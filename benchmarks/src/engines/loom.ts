// Loom engines: the reference `js` backend always; `wasm` (relaxed-SIMD and plain SIMD builds on one
// thread, and the threaded build on the machine's threads) and `webgpu` when their packages load and
// create a backend; model building through @loom/nn.

import * as loom from '@loom/core';
import type { Engine, LayerSpec, ModelHandle, ModelSpec, TensorOps, TrainApi, UnavailableEngine } from '../harness/types.js';

type T = loom.Tensor;

/** Loads an optional Loom package; rejects with the reason it is unavailable. */
export type ModuleLoader = (name: '@loom/nn' | '@loom/wasm-kernels' | '@loom/webgpu-kernels') => Promise<{ module: unknown; from: string }>;

/** Loom's TensorOps, running on whatever backend is active. */
export function loomOps(hostVisible: boolean): TensorOps<T> {
  return {
    fromArray: (values, shape) => loom.tensor(values, shape, 'float32'),
    read: async (t) => (await t.data()) as Float32Array,
    async sync(t) {
      if (hostVisible) return; // kernels ran synchronously
      // NOTE: reading one element waits for the queue up to and including `t`'s kernel.
      const one = loom.tidy(() => loom.slice(loom.reshape(t, [t.size]), [0], [1]));
      await one.data();
      one.dispose();
    },
    dispose: (t) => t.dispose(),
    tidy: (fn) => loom.tidy(fn),
    matmul: (a, b) => loom.matmul(a, b),
    add: (a, b) => loom.add(a, b),
    mul: (a, b) => loom.mul(a, b),
    relu: (x) => loom.relu(x),
    exp: (x) => loom.exp(x),
    tanh: (x) => loom.tanh(x),
    sigmoid: (x) => loom.sigmoid(x),
    gelu: (x) => loom.gelu(x),
    sum: (x, axis) => loom.sum(x, axis),
    max: (x, axis) => loom.max(x, axis),
    softmax: (x) => loom.softmax(x, -1),
    conv1d: (x, f) => loom.conv1d(x, f, { stride: 1, padding: 'same' }),
    conv2d: (x, f) => loom.conv2d(x, f, { strides: 1, padding: 'same' }),
  };
}

/** The subset of @loom/nn the model cases use (checked at run time). */
interface NnModule {
  sequential(layers: unknown[]): NnModel;
  layers: Record<'dense' | 'lstm' | 'gru', (args: Record<string, unknown>) => unknown>;
  optimizers: { adam(o: { learningRate: number }): unknown };
}
interface NnModel {
  compile(args: { optimizer: unknown; loss: string }): void;
  trainOnBatch(x: T, y: T): Promise<number>;
  predict(x: T): T | T[];
  getWeights(): T[];
  setWeights(w: T[]): void;
  dispose?(): void;
}

/** Why `m` cannot serve the model cases, or null when it can. */
export function nnMissing(m: unknown): string | null {
  const nn = m as Partial<NnModule> | undefined;
  const missing: string[] = [];
  if (typeof nn?.sequential !== 'function') missing.push('sequential');
  for (const l of ['dense', 'lstm', 'gru'] as const) if (typeof nn?.layers?.[l] !== 'function') missing.push(`layers.${l}`);
  if (typeof nn?.optimizers?.adam !== 'function') missing.push('optimizers.adam');
  if (missing.length === 0) {
    const probe = nn!.sequential!([]) as Partial<NnModel>;
    for (const f of ['compile', 'trainOnBatch', 'predict', 'getWeights', 'setWeights'] as const) if (typeof probe[f] !== 'function') missing.push(`Model.${f}`);
  }
  return missing.length ? `@loom/nn lacks ${missing.join(', ')}` : null;
}

/** GPU dispatches of one run of `f` on a backend that counts them (webgpu's memory().dispatches); {} elsewhere. */
async function countDispatches(f: () => Promise<unknown>): Promise<Record<string, number>> {
  const name = loom.getBackend();
  const count = (): number | undefined => {
    const m = loom.memory().backends[name] as { dispatches?: unknown } | undefined;
    return typeof m?.dispatches === 'number' ? m.dispatches : undefined;
  };
  const before = count();
  if (before === undefined) return {};
  await f();
  return { 'GPU dispatches per step': count()! - before };
}

function loomTrain(nn: NnModule): TrainApi {
  const layer = (l: LayerSpec, first: number[] | undefined, batch: number | undefined): unknown => {
    const io = !first ? {} : batch ? { batchInputShape: [batch, ...first] } : { inputShape: first };
    switch (l.type) {
      case 'dense': return nn.layers.dense({ units: l.units, activation: l.activation ?? 'linear', ...io });
      case 'lstm': return nn.layers.lstm({ units: l.units, recurrentActivation: 'sigmoid', stateful: l.stateful ?? false, ...io });
      // resetAfter false: the convention TF.js implements, so the two compute the same function.
      case 'gru': return nn.layers.gru({ units: l.units, recurrentActivation: 'sigmoid', resetAfter: false, ...io });
    }
  };
  return {
    async build(spec: ModelSpec): Promise<ModelHandle> {
      const model = nn.sequential(spec.layers.map((l, i) => layer(l, i === 0 ? spec.inputShape : undefined, spec.batchSize)));
      model.compile({ optimizer: nn.optimizers.adam({ learningRate: spec.learningRate }), loss: spec.loss });
      return {
        weightShapes: () => {
          const ws = model.getWeights();
          return ws.map((w) => [...w.shape]);
        },
        setWeights(values) {
          const shapes = model.getWeights().map((w) => [...w.shape]);
          const ts = values.map((v, i) => loom.tensor(v, shapes[i], 'float32'));
          try {
            model.setWeights(ts);
          } finally {
            for (const t of ts) t.dispose();
          }
        },
        trainer(x, xShape, y, yShape) {
          const xt = loom.tensor(x, xShape, 'float32');
          const yt = loom.tensor(y, yShape, 'float32');
          const step = () => model.trainOnBatch(xt, yt);
          return { step, counters: () => countDispatches(step), dispose: () => { xt.dispose(); yt.dispose(); } };
        },
        predictor(x, xShape) {
          const xt = loom.tensor(x, xShape, 'float32');
          return {
            async run() {
              const out = model.predict(xt) as T;
              try {
                return (await out.data()) as Float32Array;
              } finally {
                out.dispose();
              }
            },
            dispose: () => xt.dispose(),
          };
        },
        dispose: () => model.dispose?.(),
      };
    },
  };
}

interface BackendModules {
  wasm?: (o?: { relaxedSimd?: boolean | 'auto'; name?: string; threads?: number | 'auto' }) => Promise<loom.Backend & { flavor?: string; threads?: number }>;
  webgpu?: (o?: Record<string, unknown>) => Promise<loom.Backend>;
}

/** Options of `createLoomEngines`. */
export interface LoomEngineOptions {
  load: ModuleLoader;
  /** Include a software (fallback) WebGPU adapter, whose timings mean nothing about GPUs. */
  allowSoftwareGpu: boolean;
  /** Shown in the report. */
  coreVersion?: string;
  /** Threads of the threaded wasm engine `loom-wasm-mt` (the machine's count); 1 or less: none. */
  threads?: number;
}

/** Creates every Loom engine this runtime can run; the rest are listed with the reason. */
export async function createLoomEngines(opts: LoomEngineOptions): Promise<{ engines: Engine[]; unavailable: UnavailableEngine[] }> {
  const engines: Engine[] = [];
  const unavailable: UnavailableEngine[] = [];
  const version = `@loom/core ${opts.coreVersion ?? ''}`.trim();

  let train: TrainApi | undefined;
  let trainUnavailable: string | undefined;
  let nnFrom = '';
  try {
    const { module, from } = await opts.load('@loom/nn');
    const missing = nnMissing(module);
    if (missing) trainUnavailable = missing;
    else {
      train = loomTrain(module as NnModule);
      nnFrom = from;
    }
  } catch (e) {
    trainUnavailable = `@loom/nn unavailable: ${msg(e)}`;
  }
  const withTrain = (e: Omit<Engine, 'train' | 'trainUnavailable'>): Engine =>
    ({ ...e, version: train ? `${e.version}, @loom/nn (${nnFrom})` : e.version, train, trainUnavailable });

  engines.push(withTrain({
    id: 'loom-js', family: 'loom', label: 'Loom js', version: `${version}, reference backend`, device: 'cpu',
    activate: () => loom.setBackend('js'), ops: loomOps(true),
  }));

  try {
    const { module, from } = await opts.load('@loom/wasm-kernels');
    const wasmMod = (module as BackendModules).wasm;
    if (typeof wasmMod !== 'function') throw new Error('@loom/wasm-kernels does not export wasm()');
    // One thread, like TF.js wasm's default; the threaded engine is loom-wasm-mt below.
    const relaxed = await wasmMod({ relaxedSimd: 'auto', name: 'wasm', threads: 1 });
    loom.registerBackend(relaxed, 1);
    const flavor = relaxed.flavor ?? String(relaxed.deviceInfo().description ?? '');
    engines.push(withTrain({
      id: 'loom-wasm', family: 'loom', label: `Loom wasm (${flavor}, 1 thread)`, version: `${version}, @loom/wasm-kernels (${from})`, device: 'cpu',
      activate: () => loom.setBackend(relaxed.name), ops: loomOps(true),
    }));
    const threads = opts.threads ?? 1;
    if (threads > 1) {
      try {
        const mt = await wasmMod({ relaxedSimd: 'auto', name: 'wasm-mt', threads });
        const info = mt.deviceInfo();
        if (info.threads !== threads) {
          mt.dispose();
          throw new Error(`the threaded build runs on ${String(info.threads ?? 1)} thread(s): ${String(info.threadsNote ?? info.description)}`);
        }
        loom.registerBackend(mt, 1);
        engines.push(withTrain({
          id: 'loom-wasm-mt', family: 'loom', label: `Loom wasm (${flavor}, ${threads} threads)`, version: `${version}, @loom/wasm-kernels (${from})`,
          device: 'cpu', threads, activate: () => loom.setBackend(mt.name), ops: loomOps(true),
        }));
      } catch (e) {
        unavailable.push({ id: 'loom-wasm-mt', label: `Loom wasm (${threads} threads)`, reason: msg(e) });
      }
    } else {
      unavailable.push({ id: 'loom-wasm-mt', label: 'Loom wasm (threads)', reason: 'this machine reports one core' });
    }
    if (flavor === 'relaxed-simd') {
      try {
        const plain = await wasmMod({ relaxedSimd: false, name: 'wasm-simd', threads: 1 });
        if (plain.name === relaxed.name) {
          plain.dispose();
          throw new Error(`wasm() ignored the name option: both builds are called '${plain.name}'`);
        }
        loom.registerBackend(plain, 1);
        engines.push(withTrain({
          id: 'loom-wasm-simd', family: 'loom', label: 'Loom wasm (simd, 1 thread)', version: `${version}, @loom/wasm-kernels (${from})`, device: 'cpu',
          activate: () => loom.setBackend(plain.name), ops: loomOps(true),
        }));
      } catch (e) {
        unavailable.push({ id: 'loom-wasm-simd', label: 'Loom wasm (simd)', reason: msg(e) });
      }
    } else {
      unavailable.push({ id: 'loom-wasm-simd', label: 'Loom wasm (simd)', reason: `the default build is already '${flavor}' (relaxed SIMD not accepted by this runtime)` });
    }
  } catch (e) {
    unavailable.push({ id: 'loom-wasm', label: 'Loom wasm', reason: msg(e) });
  }

  try {
    const { module, from } = await opts.load('@loom/webgpu-kernels');
    const factory = (module as BackendModules).webgpu;
    if (typeof factory !== 'function') throw new Error('@loom/webgpu-kernels does not export webgpu()');
    const backend = await factory();
    const info = backend.deviceInfo();
    const adapter = (info.adapter ?? {}) as { isFallbackAdapter?: boolean };
    if (adapter.isFallbackAdapter && !opts.allowSoftwareGpu) {
      backend.dispose();
      throw new Error(`only a software adapter (${info.description}): GPU timings would mean nothing; pass --software-gpu to include it`);
    }
    loom.registerBackend(backend, 1);
    engines.push(withTrain({
      id: 'loom-webgpu', family: 'loom', label: 'Loom webgpu', version: `${version}, @loom/webgpu-kernels (${from}), ${info.description}`, device: 'gpu',
      activate: () => loom.setBackend(backend.name), ops: loomOps(false),
    }));
  } catch (e) {
    unavailable.push({ id: 'loom-webgpu', label: 'Loom webgpu', reason: msg(e) });
  }
  return { engines, unavailable };
}

function msg(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}
