// Model cases: training steps (MLP, LSTM, GRU with Adam; a long-sequence LSTM), batch-1 LSTM inference
// latency over a window, and stateful streaming: one new sample per call.
// Every engine starts from the same weights and data, so the losses must agree before timing.

import type { BenchCase, CaseInstance, Engine, ModelHandle, ModelSpec } from '../harness/types.js';
import { seedOf, sizeOfShape, uniform } from './data.js';

/** Deterministic weights for the given shapes: Glorot-uniform matrices, small non-zero biases. */
export function initialWeights(shapes: readonly number[][], seed: number): Float32Array[] {
  return shapes.map((shape, i) => {
    const n = sizeOfShape(shape);
    if (shape.length === 1) return uniform(n, seed + i, -0.05, 0.05);
    const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const limit = Math.sqrt(6 / (fanIn + shape[shape.length - 1]));
    return uniform(n, seed + i, -limit, limit);
  });
}

function oneHotRows(rows: number, classes: number, seed: number): Float32Array {
  const y = new Float32Array(rows * classes);
  const r = uniform(rows, seed, 0, classes);
  for (let i = 0; i < rows; i++) y[i * classes + Math.min(classes - 1, Math.floor(r[i]))] = 1;
  return y;
}

function supportsTraining(engine: Engine): true | string {
  return engine.train ? true : engine.trainUnavailable ?? 'no model API';
}

async function buildWithWeights(engine: Engine, spec: ModelSpec, seed: number): Promise<ModelHandle> {
  const model = await engine.train!.build(spec);
  try {
    model.setWeights(initialWeights(model.weightShapes(), seed));
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

interface TrainSpec {
  id: string;
  full?: boolean;
  title: string;
  model: ModelSpec;
  xShape: number[];
  yShape: number[];
  y: (seed: number) => Float32Array;
}

/** Steps compared by the gate: losses of the first few steps from identical weights. */
const GATE_STEPS = 3;

function trainCase(t: TrainSpec): BenchCase {
  const seed = seedOf(t.id);
  return {
    id: t.id, group: 'training', title: t.title, unit: 'ms/step', work: {}, full: t.full,
    // Losses after a few Adam steps: different summation orders shift the last digits only.
    tolerance: { abs: 1e-4, rel: 2e-3 },
    supports: supportsTraining,
    async create(engine: Engine): Promise<CaseInstance> {
      const x = uniform(sizeOfShape(t.xShape), seed + 101);
      const y = t.y(seed + 202);
      const timed = await buildWithWeights(engine, t.model, seed);
      const trainer = timed.trainer(x, t.xShape, y, t.yShape);
      return {
        async step() {
          await trainer.step();
        },
        counters: trainer.counters && (() => trainer.counters!()),
        async result() {
          // A fresh model, so the timed one's steps do not change what is compared.
          const fresh = await buildWithWeights(engine, t.model, seed);
          const tr = fresh.trainer(x, t.xShape, y, t.yShape);
          try {
            const losses = new Float32Array(GATE_STEPS);
            for (let i = 0; i < GATE_STEPS; i++) losses[i] = await tr.step();
            return losses;
          } finally {
            tr.dispose();
            fresh.dispose();
          }
        },
        dispose() {
          trainer.dispose();
          timed.dispose();
        },
      };
    },
  };
}

/** Training-step and inference cases (need a model API on the engine). */
export function trainCases(): BenchCase[] {
  const lr = 1e-3;
  const seqSpec = (layer: 'lstm' | 'gru'): ModelSpec => ({
    inputShape: [50, 8], layers: [{ type: layer, units: 64 }, { type: 'dense', units: 1 }], loss: 'meanSquaredError', learningRate: lr,
  });
  const cases: BenchCase[] = [
    trainCase({
      id: 'train-mlp-784-256-256-10', title: 'MLP 784-256-256-10 train step, batch 128, Adam',
      model: {
        inputShape: [784],
        layers: [{ type: 'dense', units: 256, activation: 'relu' }, { type: 'dense', units: 256, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
        loss: 'categoricalCrossentropy', learningRate: lr,
      },
      xShape: [128, 784], yShape: [128, 10], y: (s) => oneHotRows(128, 10, s),
    }),
    trainCase({
      id: 'train-lstm64-32x50x8', title: 'LSTM(64) train step on [32,50,8] → Dense(1), MSE, Adam',
      model: seqSpec('lstm'), xShape: [32, 50, 8], yShape: [32, 1], y: (s) => uniform(32, s),
    }),
    trainCase({
      id: 'train-gru64-32x50x8', title: 'GRU(64) train step on [32,50,8] → Dense(1), MSE, Adam',
      model: seqSpec('gru'), xShape: [32, 50, 8], yShape: [32, 1], y: (s) => uniform(32, s),
    }),
    trainCase({
      id: 'train-lstm128-16x500x8', title: 'LSTM(128) train step on a long sequence [16,500,8] → Dense(1), MSE, Adam', full: true,
      model: { inputShape: [500, 8], layers: [{ type: 'lstm', units: 128 }, { type: 'dense', units: 1 }], loss: 'meanSquaredError', learningRate: lr },
      xShape: [16, 500, 8], yShape: [16, 1], y: (s) => uniform(16, s),
    }),
  ];
  cases.push(latencyCase('infer-lstm64-1x50x8', 'LSTM(64) → Dense(1) inference, one window [1,50,8] (latency)', seqSpec('lstm'), [1, 50, 8]));
  // Streaming: the layer carries its state from call to call, and each call brings one new sample.
  const stateful: ModelSpec = {
    inputShape: [1, 8], batchSize: 1, layers: [{ type: 'lstm', units: 64, stateful: true }, { type: 'dense', units: 1 }],
    loss: 'meanSquaredError', learningRate: lr,
  };
  cases.push(latencyCase('infer-lstm64-stateful-1x1x8', 'Stateful LSTM(64) → Dense(1), one new sample [1,1,8] per call (latency)', stateful, [1, 1, 8]));
  return cases;
}

/** Training cases that only make sense on a GPU (`--gpu`): LSTM(256) over T = 200 steps, batch 64. */
export function gpuTrainCases(): BenchCase[] {
  return [trainCase({
    id: 'train-lstm256-64x200x8', title: 'LSTM(256) train step on [64,200,8] → Dense(1), MSE, Adam',
    model: { inputShape: [200, 8], layers: [{ type: 'lstm', units: 256 }, { type: 'dense', units: 1 }], loss: 'meanSquaredError', learningRate: 1e-3 },
    xShape: [64, 200, 8], yShape: [64, 1], y: (s) => uniform(64, s),
  })];
}

/** The latency of one predict call on a fixed input (the gate compares the first call's output). */
function latencyCase(id: string, title: string, spec: ModelSpec, xShape: number[]): BenchCase {
  const seed = seedOf(id);
  return {
    id, group: 'inference', title, unit: 'ms', work: {}, tolerance: { abs: 1e-5, rel: 1e-4 }, supports: supportsTraining,
    async create(engine: Engine): Promise<CaseInstance> {
      const model = await buildWithWeights(engine, spec, seed);
      const predictor = model.predictor(uniform(sizeOfShape(xShape), seed + 7), xShape);
      return {
        async step() {
          await predictor.run();
        },
        result: () => predictor.run(),
        dispose() {
          predictor.dispose();
          model.dispose();
        },
      };
    },
  };
}
