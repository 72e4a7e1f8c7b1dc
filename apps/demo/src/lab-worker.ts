// The lab's worker: trains the Train page's model (Start / Pause / Step), runs the backend race,
// the Device page's measurement and the Profiler's training step — off the page's thread, so the
// page never freezes. Data are parsed and windowed here on the host; tensors go to the backend.
import * as loom from '@loom/core';
import { exportModelFiles, layers, sequential, type LossFn, type Optimizer, type Sequential } from '@loom/nn';
import { availableBackends, registerBackends, startBackend } from './backends.js';
import { loadSeries, type LoadedSeries } from './datasets.js';
import type { FromWorker, MeasureResult, ToWorker, TrainState } from './protocol.js';
import { buildModel, type TrainSettings } from './train-settings.js';
import { lossFunction, makeOptimizer, mse, prepareData, trainStep, type PreparedData } from './training.js';

const post = (m: FromWorker, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(m, transfer);

// A macrotask turn, so messages (Pause, Step) get in between batches even when reads resolve at once.
const channel = new MessageChannel();
const turns: (() => void)[] = [];
channel.port1.onmessage = () => turns.shift()?.();
const nextTurn = (): Promise<void> => new Promise((resolve) => { turns.push(resolve); channel.port2.postMessage(0); });

const seriesCache = new Map<string, Promise<LoadedSeries>>();
function series(id: TrainSettings['dataset']): Promise<LoadedSeries> {
  if (!seriesCache.has(id)) seriesCache.set(id, loadSeries(id, self.location.href));
  return seriesCache.get(id)!;
}

interface Session {
  settings: TrainSettings;
  data: PreparedData;
  model: Sequential;
  optimizer: Optimizer;
  loss: LossFn;
  epoch: number;
  step: number;
  batches: IterableIterator<{ x: loom.Tensor; y?: loom.Tensor }>;
  epochLossSum: number;
  epochBatches: number;
}

let session: Session | undefined;
let state: TrainState = 'loading';
let loop: Promise<void> | undefined;

function setState(s: TrainState): void {
  state = s;
  post({ type: 'state', state: s });
}

async function setup(settings: TrainSettings): Promise<void> {
  const data = prepareData(await series(settings.dataset), settings);
  const model = buildModel(settings, data.features);
  const optimizer = makeOptimizer(settings.optimizer, settings.learningRate);
  const loss = lossFunction(settings.loss);
  model.compile({ optimizer, loss });
  session = { settings, data, model, optimizer, loss, epoch: 0, step: 0, batches: data.train.batches(0), epochLossSum: 0, epochBatches: 0 };
  post({
    type: 'ready', summary: model.summary(null), trainWindows: data.trainWindows, valWindows: data.valTruth.length,
    batchesPerEpoch: data.train.numBatches, naiveMse: data.naiveMse, targetStd: data.targetStd,
  });
  setState('ready');
}

async function validate(s: Session): Promise<void> {
  const pred = s.model.predict(s.data.valX, { batchSize: 512 }) as loom.Tensor;
  const values = (await pred.data()) as Float32Array;
  pred.dispose();
  const { targetMean: m, targetStd: sd } = s.data;
  const units = (a: ArrayLike<number>) => Array.from(a, (v) => v * sd + m);
  // At most 400 points of the forecast chart: the first ones of the validation period.
  const n = Math.min(400, values.length);
  post({
    type: 'epoch', epoch: s.epoch + 1, trainLoss: s.epochLossSum / Math.max(1, s.epochBatches), valMse: mse(values, s.data.valTruth),
    naiveMse: s.data.naiveMse, time: s.data.valTime.slice(0, n), truth: units(s.data.valTruth.subarray(0, n)),
    forecast: units(values.subarray(0, n)), naive: units(s.data.valNaive.subarray(0, n)),
  });
}

/** One batch; at the end of an epoch, validation. Returns false when training is over. */
async function oneBatch(s: Session): Promise<boolean> {
  const next = s.batches.next();
  if (next.done) return false;
  const { x, y } = next.value;
  const t0 = performance.now();
  const r = await trainStep(s.model, s.optimizer, s.loss, x, y!);
  const ms = performance.now() - t0;
  loom.dispose([x, y!]);
  s.step++;
  s.epochLossSum += r.loss;
  s.epochBatches++;
  post({ type: 'batch', step: s.step, epoch: s.epoch + 1, loss: r.loss, gradNorms: r.gradNorms, ms });
  if (s.step % s.data.train.numBatches === 0) {
    await validate(s);
    s.epoch++;
    s.epochLossSum = 0;
    s.epochBatches = 0;
    if (s.epoch >= s.settings.epochs) return false;
    s.batches = s.data.train.batches(s.epoch);
  }
  return true;
}

// Batches run one at a time: Step, and Start right after it, queue behind the batch in flight.
let batchChain: Promise<unknown> = Promise.resolve();
function queuedBatch(s: Session): Promise<boolean> {
  const next = batchChain.then(() => oneBatch(s));
  batchChain = next.catch(() => undefined);
  return next;
}

function finish(): void {
  setState('done');
  post({ type: 'done' });
}

async function runLoop(s: Session): Promise<void> {
  try {
    while (state === 'running') {
      if (!(await queuedBatch(s))) return finish();
      await nextTurn();
    }
  } finally {
    loop = undefined;
  }
}

async function race(settings: TrainSettings, steps: number): Promise<void> {
  registerBackends(true);
  const loaded = await series(settings.dataset);
  for (const name of await availableBackends()) {
    await loom.setBackend(name);
    const data = prepareData(loaded, settings);
    const model = buildModel(settings, data.features);
    const optimizer = makeOptimizer(settings.optimizer, settings.learningRate);
    const loss = lossFunction(settings.loss);
    const times: number[] = [];
    const lossValues: number[] = [];
    const it = data.train.batches(0);
    for (let i = 0; i < steps; i++) {
      const b = it.next();
      if (b.done) break;
      const t0 = performance.now();
      const r = await trainStep(model, optimizer, loss, b.value.x, b.value.y!);
      times.push(performance.now() - t0);
      lossValues.push(r.loss);
      loom.dispose([b.value.x, b.value.y!]);
      await nextTurn();
    }
    const rest = times.slice(1).sort((a, b) => a - b);
    post({ type: 'race-result', result: {
      backend: name, device: loom.info().device.description, firstMs: times[0], steadyMs: rest[Math.floor(rest.length / 2)] ?? times[0], losses: lossValues,
    } });
    model.dispose();
    optimizer.dispose();
    data.valX.dispose();
  }
  post({ type: 'done' });
}

/** Times `f` (which reads its result) for about `budgetMs`; returns the median ms. */
async function timeIt(f: () => Promise<unknown>, budgetMs: number): Promise<number> {
  await f();
  const times: number[] = [];
  const end = performance.now() + budgetMs;
  while (performance.now() < end || times.length < 3) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function measure(seconds: number): Promise<void> {
  registerBackends(true);
  const names = await availableBackends();
  const rng = new loom.SeededRandom(11);
  const A = Float32Array.from({ length: 256 * 256 }, () => rng.uniform() - 0.5);
  const B = Float32Array.from({ length: 256 * 256 }, () => rng.uniform() - 0.5);
  const X = Float32Array.from({ length: 32 * 16 }, () => rng.uniform() - 0.5);
  let reference: { mm: Float32Array; lstm: Float32Array } | undefined;
  const budget = (seconds * 1000) / names.length / 2;
  for (const name of names) {
    await loom.setBackend(name);
    const a = loom.tensor(A, [256, 256]);
    const b = loom.tensor(B, [256, 256]);
    const x = loom.tensor(X, [32, 1, 16]);
    // One LSTM step: a sequence of length 1 through an LSTM(32), the same seeded weights everywhere.
    const cell = sequential([layers.lstm({ units: 32, inputShape: [1, 16] })], { seed: 7 });
    const mm = async () => { const y = loom.matmul(a, b); const v = await y.data(); y.dispose(); return v as Float32Array; };
    const step = async () => { const y = cell.predict(x) as loom.Tensor; const v = await y.data(); y.dispose(); return v as Float32Array; };
    const matmulMs = await timeIt(mm, budget);
    const lstmMs = await timeIt(step, budget);
    const outs = { mm: await mm(), lstm: await step() };
    reference ??= outs;
    let maxDiff = 0;
    for (const k of ['mm', 'lstm'] as const) outs[k].forEach((v, i) => { maxDiff = Math.max(maxDiff, Math.abs(v - reference![k][i])); });
    const result: MeasureResult = { backend: name, device: loom.info().device.description, matmulMs, lstmMs, maxDiffFromJs: maxDiff };
    post({ type: 'measure-result', result });
    cell.dispose();
    loom.dispose([a, b, x]);
    await nextTurn();
  }
  post({ type: 'done' });
}

async function profileStep(settings: TrainSettings): Promise<void> {
  const data = prepareData(await series(settings.dataset), settings);
  const model = buildModel(settings, data.features);
  const optimizer = makeOptimizer(settings.optimizer, settings.learningRate);
  const loss = lossFunction(settings.loss);
  const it = data.train.batches(0);
  const warm = it.next().value!;
  await trainStep(model, optimizer, loss, warm.x, warm.y!);
  loom.dispose([warm.x, warm.y!]);
  const b = it.next().value!;
  const p = await loom.profile(() => trainStep(model, optimizer, loss, b.x, b.y!));
  loom.dispose([b.x, b.y!]);
  post({
    type: 'profile-result', backend: loom.getBackend(), totalMs: p.totalMs, peakBytes: p.peakBytes, startBytes: p.start.bytes, endBytes: p.end.bytes,
    rows: p.records.map((r) => ({ op: r.op, ms: r.ms, inputShapes: r.inputShapes, outputShapes: r.outputShapes, liveTensors: r.liveTensors, liveBytes: r.liveBytes })),
    byOp: p.byOp,
  });
  model.dispose();
  optimizer.dispose();
  data.valX.dispose();
  post({ type: 'done' });
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'setup': {
      const backend = await startBackend(m.choice);
      post({ type: 'backend', backend, device: loom.info().device.description });
      if (session) {
        session.model.dispose();
        session.optimizer.dispose();
        session.data.valX.dispose();
        session = undefined;
      }
      setState('loading');
      await setup(m.settings);
      return;
    }
    case 'start':
      if (!session || state === 'running' || state === 'done' || state === 'loading') return;
      setState('running');
      // A loop that saw Pause may still be finishing its batch: it sees 'running' again and goes on.
      loop ??= runLoop(session);
      return;
    case 'pause':
      if (state === 'running') setState('paused');
      return;
    case 'step':
      if (!session || state === 'running' || state === 'done' || state === 'loading') return;
      if (!(await queuedBatch(session))) finish();
      // Start may have come in while this batch ran.
      else if ((state as TrainState) !== 'running') setState('paused');
      return;
    case 'save': {
      if (!session) return;
      try {
        const files = await exportModelFiles(session.model, { format: m.format, name: 'loom-lab-model' });
        // Each buffer transferred once (two files may be views of one buffer).
        post({ type: 'saved', format: m.format, files }, [...new Set(files.map((f) => f.bytes.buffer as ArrayBuffer))]);
      } catch (err) {
        // A format may not express the model (e.g. TF.js has no GRU with resetAfter); training goes on.
        post({ type: 'save-failed', message: err instanceof Error ? err.message : String(err) });
      }
      return;
    }
    case 'race':
      return race(m.settings, m.steps);
    case 'measure':
      return measure(m.seconds);
    case 'profile':
      await startBackend(m.choice);
      post({ type: 'backend', backend: loom.getBackend(), device: loom.info().device.description });
      return profileStep(m.settings);
  }
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  handle(e.data).catch((err: unknown) => post({ type: 'error', message: err instanceof Error ? err.message : String(err) }));
};
