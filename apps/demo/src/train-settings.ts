// The Train page's settings: parsed from and written to the URL (so a result can be shared), and
// turned into a model. Shared by the page, the training worker and the backend race.
import { layers, sequential, type Layer, type Sequential } from '@loom/nn';
import { DATASETS, isDatasetId, type DatasetInfo } from './datasets.js';

export const LAYER_KINDS = ['dense', 'conv1d', 'lstm', 'gru', 'dropout'] as const;
export type LayerKind = (typeof LAYER_KINDS)[number];
export const ACTIVATION_CHOICES = ['tanh', 'relu', 'sigmoid', 'linear'] as const;
export type ActivationChoice = (typeof ACTIVATION_CHOICES)[number];
export const LOSS_CHOICES = [['mse', 'MSE'], ['halfMse', '½·MSE'], ['mae', 'MAE'], ['huber', 'Huber']] as const;
export type LossChoice = (typeof LOSS_CHOICES)[number][0];
export const OPTIMIZER_CHOICES = ['adam', 'sgd', 'rmsprop'] as const;
export type OptimizerChoice = (typeof OPTIMIZER_CHOICES)[number];

/** A hidden layer: `units` is the dropout rate ×100 for dropout. */
export interface LayerSpec {
  kind: LayerKind;
  units: number;
  activation: ActivationChoice;
}

export interface TrainSettings {
  dataset: DatasetInfo['id'];
  target: string;
  /** Steps per window, and how many steps ahead the forecast is. */
  window: number;
  horizon: number;
  /** The first `rows` steps of the series are used (fewer = faster). */
  rows: number;
  stack: LayerSpec[];
  loss: LossChoice;
  optimizer: OptimizerChoice;
  learningRate: number;
  batchSize: number;
  epochs: number;
  seed: number;
}

export const DEFAULTS: TrainSettings = {
  dataset: 'seattle', target: 'temperature', window: 24, horizon: 6, rows: 4380,
  stack: [{ kind: 'lstm', units: 16, activation: 'tanh' }],
  loss: 'mse', optimizer: 'adam', learningRate: 0.01, batchSize: 64, epochs: 5, seed: 1,
};

const intIn = (v: string | null, lo: number, hi: number, d: number): number => {
  const n = Number(v);
  return v !== null && Number.isInteger(n) && n >= lo && n <= hi ? n : d;
};
const numIn = (v: string | null, lo: number, hi: number, d: number): number => {
  const n = Number(v);
  return v !== null && Number.isFinite(n) && n >= lo && n <= hi ? n : d;
};
const oneOf = <T extends string>(v: string | null, list: readonly T[], d: T): T => (list as readonly string[]).includes(v ?? '') ? (v as T) : d;

/** `lstm.16.tanh` (dropout: `dropout.20` = rate 0.2). */
export function layerToText(l: LayerSpec): string {
  return l.kind === 'dropout' ? `dropout.${l.units}` : `${l.kind}.${l.units}.${l.activation}`;
}

function layerFromText(t: string): LayerSpec | undefined {
  const [kind, units, activation] = t.split('.');
  if (!(LAYER_KINDS as readonly string[]).includes(kind)) return undefined;
  const k = kind as LayerKind;
  const u = intIn(units ?? null, 1, k === 'dropout' ? 90 : 256, k === 'dropout' ? 20 : 16);
  return { kind: k, units: u, activation: oneOf(activation ?? null, ACTIVATION_CHOICES, k === 'conv1d' || k === 'dense' ? 'relu' : 'tanh') };
}

/** Settings from a URL query; anything missing or invalid takes its default. */
export function settingsFromQuery(search: string): TrainSettings {
  const q = new URLSearchParams(search);
  const dataset = isDatasetId(q.get('dataset')) ? (q.get('dataset') as DatasetInfo['id']) : DEFAULTS.dataset;
  const info = DATASETS[dataset];
  const maxRows = dataset === 'seattle' ? 8759 : 741;
  const stackText = q.get('layers');
  const stack = stackText === null ? DEFAULTS.stack : stackText.split(',').filter(Boolean).map(layerFromText).filter((l): l is LayerSpec => !!l).slice(0, 6);
  return {
    dataset,
    target: oneOf(q.get('target'), info.columns, info.columns[0]),
    window: intIn(q.get('window'), 2, 96, dataset === 'seattle' ? DEFAULTS.window : 24),
    horizon: intIn(q.get('horizon'), 1, 48, dataset === 'seattle' ? DEFAULTS.horizon : 1),
    rows: intIn(q.get('rows'), 200, maxRows, dataset === 'seattle' ? DEFAULTS.rows : maxRows),
    stack,
    loss: oneOf(q.get('loss'), LOSS_CHOICES.map((l) => l[0]), DEFAULTS.loss),
    optimizer: oneOf(q.get('opt'), OPTIMIZER_CHOICES, DEFAULTS.optimizer),
    learningRate: numIn(q.get('lr'), 1e-5, 1, DEFAULTS.learningRate),
    batchSize: intIn(q.get('batch'), 1, 1024, DEFAULTS.batchSize),
    epochs: intIn(q.get('epochs'), 1, 200, DEFAULTS.epochs),
    seed: intIn(q.get('seed'), 0, 2 ** 31 - 1, DEFAULTS.seed),
  };
}

/** The query that reproduces `s` (the backend parameter is kept by the caller). */
export function settingsToQuery(s: TrainSettings, keep: URLSearchParams = new URLSearchParams()): string {
  const q = new URLSearchParams(keep);
  const set: Record<string, string> = {
    dataset: s.dataset, target: s.target, window: String(s.window), horizon: String(s.horizon), rows: String(s.rows),
    layers: s.stack.map(layerToText).join(','), loss: s.loss, opt: s.optimizer, lr: String(s.learningRate),
    batch: String(s.batchSize), epochs: String(s.epochs), seed: String(s.seed),
  };
  for (const [k, v] of Object.entries(set)) q.set(k, v);
  return q.toString();
}

/** The Loom code of the stack: what the page shows under the editor. */
export function modelCode(s: TrainSettings, features: number): string {
  const lines = buildPlan(s, features).map((p) => `  layers.${p.factory}(${JSON.stringify(p.args).replace(/"(\w+)":/g, '$1: ').replace(/,/g, ', ')}),`);
  return `const model = sequential([\n${lines.join('\n')}\n], { seed: ${s.seed} });`;
}

interface PlanStep {
  factory: 'dense' | 'conv1d' | 'lstm' | 'gru' | 'dropout' | 'flatten';
  args: Record<string, unknown>;
}

/**
 * The layers to build: recurrent layers return sequences when another sequence layer follows; a
 * flatten goes in before the first dense on a sequence; the output is Dense(1) (linear).
 */
export function buildPlan(s: TrainSettings, features: number): PlanStep[] {
  const plan: PlanStep[] = [];
  let sequence = true;
  const first = (args: Record<string, unknown>) => (plan.length === 0 ? { ...args, inputShape: [s.window, features] } : args);
  const rest = s.stack;
  rest.forEach((l, i) => {
    const laterSequenceLayer = rest.slice(i + 1).some((n) => n.kind === 'lstm' || n.kind === 'gru' || n.kind === 'conv1d');
    if (l.kind === 'dropout') plan.push({ factory: 'dropout', args: first({ rate: l.units / 100 }) });
    else if (l.kind === 'lstm' || l.kind === 'gru') {
      if (!sequence) return;
      plan.push({ factory: l.kind, args: first({ units: l.units, activation: l.activation, returnSequences: laterSequenceLayer }) });
      sequence = laterSequenceLayer;
    } else if (l.kind === 'conv1d') {
      if (!sequence) return;
      plan.push({ factory: 'conv1d', args: first({ filters: l.units, kernelSize: 3, activation: l.activation, padding: 'causal' }) });
    } else {
      if (sequence) {
        plan.push({ factory: 'flatten', args: first({}) });
        sequence = false;
      }
      plan.push({ factory: 'dense', args: { units: l.units, activation: l.activation } });
    }
  });
  if (sequence) plan.push({ factory: 'flatten', args: first({}) });
  plan.push({ factory: 'dense', args: { units: 1 } });
  // Readable names (they label the gradient chart): lstm_1, dense_1, …, output.
  const counts: Record<string, number> = {};
  plan.forEach((p, i) => {
    counts[p.factory] = (counts[p.factory] ?? 0) + 1;
    p.args = { ...p.args, name: i === plan.length - 1 ? 'output' : `${p.factory}_${counts[p.factory]}` };
  });
  return plan;
}

/** The model of `s` for series with `features` columns per step. */
export function buildModel(s: TrainSettings, features: number): Sequential {
  const made: Layer[] = buildPlan(s, features).map((p) => {
    const make = layers[p.factory] as (a: Record<string, unknown>) => Layer;
    return make(p.args);
  });
  return sequential(made, { seed: s.seed });
}
