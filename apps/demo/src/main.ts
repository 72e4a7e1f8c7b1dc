// The demo page: registers the backends, initializes Loom, shows which backend and device it runs
// on, runs a few ops (the everyday ones of sequence models), and trains a small LSTM forecaster.
// `?backend=webgpu|wasm|js` picks a backend; by default a real GPU wins, then wasm, then js.
import * as loom from '@loom/core';
import { chronologicalSplit, layers, Normalizer, optimizers, sequential, timeseriesDataset } from '@loom/nn';
import { wasm } from '@loom/wasm-kernels';
import { webgpu } from '@loom/webgpu-kernels';

const $ = (id: string): HTMLElement => document.getElementById(id)!;

function row(list: HTMLElement, term: string, value: string): void {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  dd.dataset.term = term;
  list.append(dt, dd);
}

function format(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === 'number' ? Number(v.toFixed(4)) : v));
}

async function showOp(title: string, code: string, run: () => loom.Tensor): Promise<void> {
  const out = run();
  const values = await out.array();
  const div = document.createElement('div');
  div.className = 'op';
  div.dataset.op = title;
  const heading = document.createElement('strong');
  heading.textContent = title;
  const snippet = document.createElement('code');
  snippet.textContent = code;
  const pre = document.createElement('pre');
  pre.textContent = `${out.dtype} [${out.shape.join(', ')}] = ${format(values)}`;
  div.append(heading, document.createTextNode(' '), snippet, pre);
  $('ops').append(div);
  out.dispose();
}

/** One-step-ahead forecasting of a noisy process signal with an LSTM, against the naive forecast. */
async function trainForecaster(): Promise<void> {
  const section = $('training');
  const log = (text: string, key: string): void => {
    const p = document.createElement('p');
    p.dataset.key = key;
    p.textContent = text;
    section.append(p);
  };
  const L = 12;
  const rng = new loom.SeededRandom(7);
  const values = Float32Array.from({ length: 480 }, (_, t) => Math.sin(0.15 * t) + 0.5 * Math.sin(0.045 * t) + 0.05 * (rng.uniform() - 0.5));
  // The series is split, normalized and windowed on the host (where it was recorded), so this runs
  // the same on every backend: a GPU tensor cannot be read synchronously.
  const split = chronologicalSplit(Array.from(values), { train: 0.75, validation: 0.25 });
  const [train, validation] = [Float32Array.from(split.train), Float32Array.from(split.validation)];
  const norm = new Normalizer().fit(train);
  const { mean: [mu], std: [sd] } = norm.stats;
  const windows = (part: Float32Array) => {
    const z = part.map((v) => (v - mu) / sd);
    return loom.tidy(() => {
      const { x, y } = timeseriesDataset(z.subarray(0, z.length - L), z.subarray(L), { sequenceLength: L }).toTensors();
      // One feature per step: windows [n, L] become [n, L, 1], targets [n, 1].
      return { x: loom.reshape(x, [x.shape[0], L, 1]), y: loom.reshape(y!, [y!.shape[0], 1]) };
    });
  };
  const tr = windows(train);
  const va = windows(validation);
  // The naive forecast repeats the last value of each window.
  const naive = loom.tidy(() => loom.mean(loom.square(loom.sub(loom.slice(va.x, [0, L - 1, 0], [-1, 1, 1]).reshape(va.y.shape), va.y))));
  const naiveMse = (await naive.data())[0];
  const model = sequential([layers.lstm({ units: 16, inputShape: [L, 1] }), layers.dense({ units: 1 })]);
  model.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'mse' });
  log(`windows: ${tr.x.shape[0]} for training, ${va.x.shape[0]} for validation; naive last-value MSE ${naiveMse.toFixed(4)}`, 'setup');
  const started = performance.now();
  const history = await model.fit(tr.x, tr.y, {
    epochs: 8, batchSize: 32, shuffle: true, validationData: [va.x, va.y],
    callbacks: [{ onEpochEnd: (epoch: number, logs?: Record<string, number>) => log(`epoch ${epoch + 1}: loss ${logs?.loss?.toFixed(4)}, validation loss ${logs?.val_loss?.toFixed(4)}`, `epoch-${epoch + 1}`) }],
  });
  const valLoss = history.history.val_loss.at(-1)!;
  log(`LSTM validation MSE ${valLoss.toFixed(4)} vs naive ${naiveMse.toFixed(4)} (${(valLoss / naiveMse).toFixed(2)}× the naive error) in ${((performance.now() - started) / 1000).toFixed(1)} s`, 'result');
  section.dataset.valLoss = String(valLoss);
  section.dataset.naiveLoss = String(naiveMse);
  model.dispose();
  loom.dispose([tr, va, naive]);
}

async function main(): Promise<void> {
  loom.registerBackend({ name: 'wasm', create: () => wasm() }, 2);
  // A software GPU (SwiftShader) is slower than wasm SIMD: only a real GPU is preferred.
  loom.registerBackend({ name: 'webgpu', create: () => webgpu({ allowSoftwareAdapter: false }) }, 3);
  const wanted = new URLSearchParams(location.search).get('backend');
  if (wanted === 'webgpu') loom.registerBackend({ name: 'webgpu', create: () => webgpu() }, 3);
  const backend = await loom.init(wanted ? { backends: [wanted] } : {});
  const report = loom.info();
  const device = $('device');
  row(device, 'backend', backend);
  row(device, 'device', `${report.device.kind}: ${report.device.description}`);
  row(device, 'runtime', report.runtime.runtime);
  const w = report.runtime.wasm;
  row(device, 'wasm', w.available ? `SIMD ${w.simd ? 'yes' : 'no'}, relaxed SIMD ${w.relaxedSimd ? 'yes' : 'no'}, threads ${w.threads ? 'yes' : 'no'}` : 'unavailable');
  row(device, 'webgpu', report.runtime.webgpu.available ? 'navigator.gpu present' : 'not available');
  const fused = loom.activeBackend().supports('recurrent', 'float32');
  row(device, 'recurrent layers', fused ? 'fused: one kernel per sequence, forward and backward' : 'step by step (composed ops)');
  row(device, 'backends', report.backends.map((b) => `${b.name} (${b.state}${b.error ? `: ${b.error}` : ''})`).join(', '));

  const x = loom.tensor([[1, 2, 3], [4, 5, 6]]);
  const w1 = loom.tensor([[0.5, -1], [0.25, 0], [-0.5, 1]]);
  await showOp('matmul', 'loom.matmul(x, w)', () => loom.matmul(x, w1));
  await showOp('dense layer', 'x.matmul(w).add(b).tanh()', () => loom.tidy(() => x.matmul(w1).add(loom.tensor([0.1, -0.1])).tanh()));
  await showOp('softmax', 'loom.softmax(x)', () => loom.softmax(x));
  await showOp('mean over axis 0', 'x.mean(0)', () => x.mean(0));
  await showOp('moving average (conv1d)', 'conv1d(signal, ones/3)', () =>
    loom.tidy(() => {
      const signal = loom.tensor([0, 1, 4, 9, 16, 25, 36], [1, 7, 1]);
      const kernel = loom.full([3, 1, 1], 1 / 3);
      return loom.conv1d(signal, kernel).reshape([5]);
    }),
  );
  loom.dispose([x, w1]);
  await trainForecaster();
  const m = loom.memory();
  row(device, 'live tensors after the demo', String(m.numTensors));
  $('status').textContent = `ready: running on ${backend}`;
}

main().catch((e: unknown) => {
  $('status').textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
  throw e;
});
