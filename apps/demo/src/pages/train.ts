// Train: a forecaster on a real process signal, trained in a Web Worker (the page never freezes),
// with Start / Pause / Step / Reset, the layer stack, loss, optimizer and data settings in the URL,
// and live charts: training and validation loss against the naive forecast, forecast vs truth, and
// the gradient norm of every layer (backpropagation made visible).
import type { ModelFormat } from '@loom/nn';
import { chart, type Chart } from '../chart.js';
import { DATASETS } from '../datasets.js';
import { byId, code, el, fmt, select } from '../dom.js';
import type { FromWorker, ToWorker, TrainState } from '../protocol.js';
import { run } from '../shell.js';

const FORMAT_LABELS: Record<ModelFormat, string> = {
  loom: 'Loom format', keras: 'Keras 3', tfjs: 'TensorFlow.js', onnx: 'ONNX', safetensors: 'safetensors weights',
};
import {
  ACTIVATION_CHOICES, LAYER_KINDS, layerToText, LOSS_CHOICES, modelCode, OPTIMIZER_CHOICES, settingsFromQuery, settingsToQuery, type LayerSpec,
  type TrainSettings,
} from '../train-settings.js';

run('train', async (ctx) => {
  let settings = settingsFromQuery(location.search);
  const status = byId('train-status');
  const results = byId('train-results');
  const buttons = {
    start: byId<HTMLButtonElement>('btn-start'), pause: byId<HTMLButtonElement>('btn-pause'), step: byId<HTMLButtonElement>('btn-step'),
    reset: byId<HTMLButtonElement>('btn-reset'), save: byId<HTMLButtonElement>('btn-save'),
  };
  const [lossChart, forecastChart] = await Promise.all([
    chart(byId('chart-loss'), { title: 'Loss during training', xLabel: 'step', yLabel: 'loss (normalized units)', yLog: true, series: [
      { label: 'training loss (per batch)' }, { label: 'validation MSE', points: true, spanGaps: true }, { label: 'naive forecast MSE', dash: [6, 4] },
    ] }),
    chart(byId('chart-forecast'), { title: 'Forecast vs truth (validation period)', xLabel: 'validation window', yLabel: `${settings.target} (${DATASETS[settings.dataset].units[settings.target]})`, series: [
      { label: 'truth' }, { label: 'model forecast' }, { label: 'naive forecast', dash: [4, 4] },
    ] }),
  ]);
  let gradChart: Chart | undefined;
  let layerNames: string[] = [];

  // What the charts show, kept here and redrawn once per frame.
  let steps: number[] = [];
  let trainLoss: number[] = [];
  let valAt: (number | null)[] = [];
  let naive = 0;
  let grads: number[][] = [];

  let worker: Worker | undefined;
  let state: TrainState = 'loading';

  const setState = (s: TrainState): void => {
    state = s;
    document.body.dataset.trainState = s;
    buttons.start.disabled = !(s === 'ready' || s === 'paused');
    buttons.pause.disabled = s !== 'running';
    buttons.step.disabled = !(s === 'ready' || s === 'paused');
    buttons.save.disabled = s === 'loading';
  };

  const send = (m: ToWorker): void => worker!.postMessage(m);

  const onMessage = async (m: FromWorker): Promise<void> => {
    switch (m.type) {
      case 'backend':
        // The worker's wasm backend leaves one core to this page (src/backends.ts), so say so.
        const spare = m.backend === 'wasm' ? ' It leaves one core to this page, so the charts keep drawing while it trains.' : '';
        byId('train-backend').textContent = `The worker trains on ${m.backend} (${m.device}).${spare}`;
        document.body.dataset.workerBackend = m.backend;
        return;
      case 'ready': {
        naive = m.naiveMse;
        byId('summary').textContent = m.summary;
        status.textContent = `Ready: ${m.trainWindows} training windows (${m.batchesPerEpoch} batches per epoch), ${m.valWindows} validation windows. ` +
          `The naive forecast's validation MSE is ${fmt(m.naiveMse)} (normalized; ${fmt(Math.sqrt(m.naiveMse) * m.targetStd)} ${DATASETS[settings.dataset].units[settings.target]} RMSE).`;
        results.dataset.naiveMse = String(m.naiveMse);
        const names = [...m.summary.matchAll(/^\s*(\S+) \(/gm)].map((x) => x[1]);
        layerNames = names;
        return;
      }
      case 'state':
        setState(m.state);
        if (m.state === 'running') status.textContent = 'Training…';
        if (m.state === 'paused') status.textContent = `Paused at step ${steps.length}.`;
        return;
      case 'batch': {
        steps.push(m.step);
        trainLoss.push(m.loss);
        valAt.push(null);
        const layerKeys = Object.keys(m.gradNorms);
        if (!gradChart) {
          layerNames = layerKeys;
          gradChart = await chart(byId('chart-grads'), {
            title: 'Gradient norm per layer', xLabel: 'step', yLabel: '‖∂loss/∂w‖', yLog: true, series: layerKeys.map((k) => ({ label: k })),
          });
          grads = layerKeys.map(() => []);
        }
        layerNames.forEach((k, i) => grads[i].push(m.gradNorms[k] ?? null as unknown as number));
        lossChart.setData(steps, [trainLoss, valAt, steps.map(() => naive)]);
        gradChart.setData(steps, grads);
        if (state === 'running') status.textContent = `Training: epoch ${m.epoch} of ${settings.epochs}, step ${m.step}, loss ${fmt(m.loss)} (${fmt(m.ms, 3)} ms per batch)`;
        results.dataset.steps = String(m.step);
        return;
      }
      case 'epoch': {
        valAt[valAt.length - 1] = m.valMse;
        lossChart.setData(steps, [trainLoss, valAt, steps.map(() => naive)]);
        forecastChart.setData(m.truth.map((_, i) => i), [m.truth, m.forecast, m.naive]);
        results.dataset.valMse = String(m.valMse);
        results.dataset.epochs = String(m.epoch);
        const ratio = m.valMse / m.naiveMse;
        byId('verdict').textContent = `After epoch ${m.epoch}: validation MSE ${fmt(m.valMse)} vs naive ${fmt(m.naiveMse)} — ` +
          (ratio < 1 ? `the model's error is ${fmt(ratio, 2)}× the naive forecast's: it learned something.` : `not better than repeating the last value yet (${fmt(ratio, 2)}×).`);
        return;
      }
      case 'done':
        status.textContent = `Done: ${steps.length} steps.`;
        results.dataset.done = 'true';
        return;
      case 'saved': {
        const files: [string, Blob][] = [
          ...m.files.map((f): [string, Blob] => [f.name, new Blob([f.bytes as BlobPart], { type: 'application/octet-stream' })]),
          ['loom-lab-settings.json', new Blob([JSON.stringify({ settings, url: location.href }, null, 2)], { type: 'application/json' })],
        ];
        for (const [name, blob] of files) {
          const a = el('a', { href: URL.createObjectURL(blob), download: name });
          a.click();
          // Revoked a moment later: some browsers read the blob after click() returns.
          setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
        }
        status.textContent = `Downloaded the model (${FORMAT_LABELS[m.format]}: ${m.files.map((f) => f.name).join(', ')}) and its settings.`;
        status.dataset.saved = m.format;
        return;
      }
      case 'save-failed':
        status.textContent = `Could not export: ${m.message}`;
        status.dataset.saved = 'failed';
        return;
      case 'error':
        status.textContent = `Error: ${m.message}`;
        document.body.dataset.trainError = m.message;
        return;
      default:
        return;
    }
  };

  const reset = (): void => {
    worker?.terminate();
    steps = []; trainLoss = []; valAt = []; grads = [];
    gradChart?.root.remove();
    gradChart = undefined;
    delete results.dataset.valMse; delete results.dataset.done; delete results.dataset.epochs;
    byId('verdict').textContent = '';
    lossChart.setData([], [[], [], []]);
    forecastChart.setData([], [[], [], []]);
    setState('loading');
    status.textContent = 'Loading the data and building the model…';
    byId('model-code').replaceChildren(code(modelCode(settings, DATASETS[settings.dataset].columns.length)));
    worker = new Worker(new URL('../lab-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<FromWorker>) => { void onMessage(e.data); };
    worker.onerror = (e) => { status.textContent = `Worker error: ${e.message}`; };
    send({ type: 'setup', choice: ctx.choice, settings });
  };

  const apply = (next: TrainSettings): void => {
    settings = next;
    history.replaceState(null, '', `?${settingsToQuery(settings, new URLSearchParams(ctx.choice === 'auto' ? '' : `backend=${ctx.choice}`))}`);
    renderSettings();
    reset();
  };

  const renderSettings = (): void => {
    const info = DATASETS[settings.dataset];
    const box = byId('settings');
    const dataControls = el('div', { class: 'controls' },
      select('Data set', Object.values(DATASETS).map((d) => [d.id, d.title] as [string, string]), settings.dataset,
        (v) => apply(settingsFromQuery(new URLSearchParams({ dataset: v, layers: settings.stack.map(layerToText).join(','), epochs: String(settings.epochs), seed: String(settings.seed) }).toString())), 'dataset').root,
      select('Forecast target', info.columns, settings.target, (v) => apply({ ...settings, target: v }), 'target').root,
      numberInput(`Window (${info.step}s of input)`, settings.window, 2, 96, (v) => apply({ ...settings, window: v }), 'window'),
      numberInput(`Horizon (${info.step}s ahead)`, settings.horizon, 1, 48, (v) => apply({ ...settings, horizon: v }), 'horizon'),
      numberInput(`Rows of the series used`, settings.rows, 200, settings.dataset === 'seattle' ? 8759 : 741, (v) => apply({ ...settings, rows: v }), 'rows'),
    );
    const list = el('ol');
    settings.stack.forEach((l, i) => {
      const change = (patch: Partial<LayerSpec>) => apply({ ...settings, stack: settings.stack.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
      const remove = el('button', { type: 'button', class: 'secondary', 'aria-label': `Remove layer ${i + 1}` }, 'Remove');
      remove.addEventListener('click', () => apply({ ...settings, stack: settings.stack.filter((_, j) => j !== i) }));
      list.append(el('li', {},
        select(`Layer ${i + 1}`, LAYER_KINDS, l.kind, (v) => change({ kind: v as LayerSpec['kind'], units: v === 'dropout' ? 20 : 16 })).root,
        numberInput(l.kind === 'dropout' ? 'Rate (%)' : l.kind === 'conv1d' ? 'Filters' : 'Units', l.units, 1, l.kind === 'dropout' ? 90 : 256, (v) => change({ units: v })),
        ...(l.kind === 'dropout' ? [] : [select('Activation', ACTIVATION_CHOICES, l.activation, (v) => change({ activation: v as LayerSpec['activation'] })).root]),
        remove));
    });
    const add = el('button', { type: 'button', class: 'secondary' }, 'Add a layer');
    add.addEventListener('click', () => apply({ ...settings, stack: [...settings.stack, { kind: 'dense', units: 16, activation: 'relu' }] }));
    const stack = el('div', { class: 'stack-editor' }, el('h3', {}, 'Layers'), list, add,
      el('p', {}, 'Output: Dense(1), linear — one number, the forecast. A flatten goes in where a sequence meets a dense layer.'));
    const lr = ['0.0003', '0.001', '0.003', '0.01', '0.03', '0.1'];
    const trainingControls = el('div', { class: 'controls' },
      select('Loss', LOSS_CHOICES.map(([v, t]) => [v, t] as [string, string]), settings.loss, (v) => apply({ ...settings, loss: v as TrainSettings['loss'] }), 'loss').root,
      select('Optimizer', OPTIMIZER_CHOICES, settings.optimizer, (v) => apply({ ...settings, optimizer: v as TrainSettings['optimizer'] }), 'optimizer').root,
      select('Learning rate', lr.includes(String(settings.learningRate)) ? lr : [...lr, String(settings.learningRate)], String(settings.learningRate),
        (v) => apply({ ...settings, learningRate: Number(v) }), 'lr').root,
      select('Batch size', ['16', '32', '64', '128', '256'].concat(['16', '32', '64', '128', '256'].includes(String(settings.batchSize)) ? [] : [String(settings.batchSize)]),
        String(settings.batchSize), (v) => apply({ ...settings, batchSize: Number(v) }), 'batch').root,
      numberInput('Epochs', settings.epochs, 1, 200, (v) => apply({ ...settings, epochs: v }), 'epochs'),
      numberInput('Seed', settings.seed, 0, 2 ** 31 - 1, (v) => apply({ ...settings, seed: v }), 'seed'),
    );
    box.replaceChildren(el('h3', {}, 'Data'), dataControls, stack, el('h3', {}, 'Training'), trainingControls);
  };

  buttons.start.addEventListener('click', () => send({ type: 'start' }));
  buttons.pause.addEventListener('click', () => send({ type: 'pause' }));
  buttons.step.addEventListener('click', () => send({ type: 'step' }));
  buttons.reset.addEventListener('click', reset);
  buttons.save.addEventListener('click', () => {
    delete status.dataset.saved;
    send({ type: 'save', format: byId<HTMLSelectElement>('save-format').value as ModelFormat });
  });
  renderSettings();
  reset();
  // ?autostart=1 starts training as soon as the model is ready (shared links, the tests).
  if (new URLSearchParams(location.search).get('autostart') === '1') {
    const started = new MutationObserver(() => {
      if (state === 'ready') { started.disconnect(); send({ type: 'start' }); }
    });
    started.observe(document.body, { attributes: true, attributeFilter: ['data-train-state'] });
  }
});

function numberInput(label: string, value: number, min: number, max: number, onChange: (v: number) => void, name?: string): HTMLElement {
  const id = `num-${name ?? label.replace(/\W+/g, '-').toLowerCase()}-${Math.random().toString(36).slice(2, 7)}`;
  const input = el('input', { type: 'number', id, min: String(min), max: String(max), step: '1', value: String(value) });
  if (name) input.dataset.control = name;
  input.addEventListener('change', () => {
    const v = Number(input.value);
    if (Number.isInteger(v) && v >= min && v <= max) onChange(v);
    else input.value = String(value);
  });
  return el('div', { class: 'control' }, el('label', { for: id }, label), input);
}
