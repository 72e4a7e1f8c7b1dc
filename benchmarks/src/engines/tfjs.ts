// TensorFlow.js peers: the cpu and wasm backends (SIMD; one thread, or N threads where TF.js's
// threaded build runs — a cross-origin isolated page) everywhere, webgpu in browsers; model building
// through @tensorflow/tfjs-layers.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { Engine, LayerSpec, ModelHandle, ModelSpec, TensorOps, TrainApi, UnavailableEngine } from '../harness/types.js';

type T = tf.Tensor;

/** TF.js's TensorOps on the current TF.js backend. gelu is composed (TF.js has no gelu op). */
export function tfjsOps(hostVisible: boolean): TensorOps<T> {
  return {
    fromArray: (values, shape) => tf.tensor(values, [...shape], 'float32'),
    read: async (t) => (await t.data()) as Float32Array,
    async sync(t) {
      if (hostVisible) return; // cpu and wasm kernels run synchronously
      const one = tf.tidy(() => tf.slice(tf.reshape(t, [t.size]), [0], [1]));
      await one.data();
      one.dispose();
    },
    dispose: (t) => t.dispose(),
    tidy: (fn) => tf.tidy(fn),
    matmul: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    add: (a, b) => tf.add(a, b),
    mul: (a, b) => tf.mul(a, b),
    relu: (x) => tf.relu(x),
    exp: (x) => tf.exp(x),
    tanh: (x) => tf.tanh(x),
    sigmoid: (x) => tf.sigmoid(x),
    // gelu(x) = ½x(1 + erf(x/√2)), the exact form Loom implements.
    gelu: (x) => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)),
    sum: (x, axis) => tf.sum(x, axis),
    max: (x, axis) => tf.max(x, axis),
    softmax: (x) => tf.softmax(x),
    conv1d: (x, f) => tf.conv1d(x as tf.Tensor3D, f as tf.Tensor3D, 1, 'same'),
    conv2d: (x, f) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'),
  };
}

type Layers = typeof import('@tensorflow/tfjs-layers');

function tfjsTrain(tfl: Layers): TrainApi {
  const layer = (l: LayerSpec, first: number[] | undefined, batch: number | undefined) => {
    const io = !first ? {} : batch ? { batchInputShape: [batch, ...first] } : { inputShape: first };
    switch (l.type) {
      case 'dense': return tfl.layers.dense({ units: l.units, activation: l.activation ?? 'linear', ...io });
      // NOTE: TF.js defaults recurrentActivation to hardSigmoid (Keras 1); Keras 2 and Loom use sigmoid.
      // The weights are overwritten; glorotUniform avoids the orthogonal initializer, which needs
      // chained ops that Node's tfjs-core bundle does not register.
      case 'lstm': return tfl.layers.lstm({ units: l.units, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform', stateful: l.stateful ?? false, ...io });
      case 'gru': return tfl.layers.gru({ units: l.units, recurrentActivation: 'sigmoid', recurrentInitializer: 'glorotUniform', ...io });
    }
  };
  return {
    async build(spec: ModelSpec): Promise<ModelHandle> {
      const model = tfl.sequential({ layers: spec.layers.map((l, i) => layer(l, i === 0 ? spec.inputShape : undefined, spec.batchSize)) });
      model.compile({ optimizer: tf.train.adam(spec.learningRate), loss: spec.loss });
      return {
        weightShapes: () => model.getWeights().map((w) => [...w.shape]),
        setWeights(values) {
          const shapes = model.getWeights().map((w) => [...w.shape]);
          const ts = values.map((v, i) => tf.tensor(v, shapes[i], 'float32'));
          model.setWeights(ts);
          for (const t of ts) t.dispose();
        },
        trainer(x, xShape, y, yShape) {
          const xt = tf.tensor(x, xShape, 'float32');
          const yt = tf.tensor(y, yShape, 'float32');
          return {
            step: async () => {
              const loss = await model.trainOnBatch(xt, yt);
              return Array.isArray(loss) ? loss[0] : loss;
            },
            dispose: () => { xt.dispose(); yt.dispose(); },
          };
        },
        predictor(x, xShape) {
          const xt = tf.tensor(x, xShape, 'float32');
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
        dispose: () => model.dispose(),
      };
    },
  };
}

/** Options of `createTfjsEngines`. */
export interface TfjsEngineOptions {
  /** Folder or URL (ending in '/') holding tfjs-backend-wasm's .wasm files. */
  wasmPath: string;
  /** Try tfjs-backend-webgpu (browsers). */
  webgpu: boolean;
  /** Include a software WebGPU adapter. */
  allowSoftwareGpu: boolean;
  /**
   * Threads of TF.js wasm (default 1, engine `tfjs-wasm`); above 1 the engine is `tfjs-wasm-mt` on
   * that many threads instead. TF.js fixes the count when its backend starts, so one process (page)
   * has one of the two.
   */
  wasmThreads?: number;
}

/** Creates the TF.js peers this runtime can run; the rest are listed with the reason. */
export async function createTfjsEngines(opts: TfjsEngineOptions): Promise<{ engines: Engine[]; unavailable: UnavailableEngine[] }> {
  const engines: Engine[] = [];
  const unavailable: UnavailableEngine[] = [];
  let train: TrainApi | undefined;
  let trainUnavailable: string | undefined;
  try {
    train = tfjsTrain(await import('@tensorflow/tfjs-layers'));
  } catch (e) {
    trainUnavailable = `@tensorflow/tfjs-layers unavailable: ${msg(e)}`;
  }
  const v = `@tensorflow/tfjs-core ${tf.version_core}`;
  const add = (id: string, label: string, backend: string, version: string, device: 'cpu' | 'gpu', hostVisible: boolean, threads = 1): void => {
    engines.push({
      id, label, family: 'peer', version, device, threads, train, trainUnavailable, ops: tfjsOps(hostVisible),
      activate: async () => {
        if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
      },
    });
  };
  try {
    if (!(await tf.setBackend('cpu'))) throw new Error("tf.setBackend('cpu') failed");
    add('tfjs-cpu', 'TF.js cpu', 'cpu', `${v}, tfjs-backend-cpu`, 'cpu', true);
  } catch (e) {
    unavailable.push({ id: 'tfjs-cpu', label: 'TF.js cpu', reason: msg(e) });
  }
  try {
    const w = await import('@tensorflow/tfjs-backend-wasm');
    // SIMD, and one thread unless asked for more: the same resources as the Loom engine it is paired with.
    const threads = opts.wasmThreads ?? 1;
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
    if (threads > 1) w.setThreadsCount(threads);
    w.setWasmPaths(opts.wasmPath);
    // NOTE: a threaded TF.js whose workers fail never settles setBackend: give up after 60 s.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`tf.setBackend('wasm') on ${threads} threads did not finish within 60 s`)), 60000);
    });
    try {
      if (!(await Promise.race([tf.setBackend('wasm'), gaveUp]))) throw new Error("tf.setBackend('wasm') failed");
    } finally {
      clearTimeout(timer);
    }
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const got = threads > 1 ? w.getThreadsCount() : 1;
    if (got !== threads) throw new Error(`TF.js wasm started ${got} thread(s), not ${threads}`);
    add(threads > 1 ? 'tfjs-wasm-mt' : 'tfjs-wasm', `TF.js wasm (${simd ? 'simd' : 'no simd'}, ${threads} thread${threads > 1 ? 's' : ''})`, 'wasm',
      `${v}, tfjs-backend-wasm ${w.version_wasm}`, 'cpu', true, threads);
  } catch (e) {
    unavailable.push({ id: (opts.wasmThreads ?? 1) > 1 ? 'tfjs-wasm-mt' : 'tfjs-wasm', label: 'TF.js wasm', reason: msg(e) });
  }
  if (opts.webgpu) {
    try {
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') failed (no adapter?)");
      const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<{ info?: { isFallbackAdapter?: boolean; vendor?: string; architecture?: string } } | null> } } }).navigator?.gpu;
      const adapter = await gpu?.requestAdapter();
      const fallback = !!adapter?.info?.isFallbackAdapter;
      if (fallback && !opts.allowSoftwareGpu) throw new Error('only a software adapter: GPU timings would mean nothing; pass --software-gpu to include it');
      add('tfjs-webgpu', 'TF.js webgpu', 'webgpu', `${v}, tfjs-backend-webgpu${fallback ? ', software adapter' : ''}`, 'gpu', false);
    } catch (e) {
      unavailable.push({ id: 'tfjs-webgpu', label: 'TF.js webgpu', reason: msg(e) });
    }
  }
  return { engines, unavailable };
}

function msg(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] : String(e);
}
