// The fused recurrent path (one kernel per sequence, forward and backward) against the step-by-step
// composition it replaces, on js, wasm and webgpu in Node: outputs, weight gradients and 100 Adam
// steps of training; and the layers take the fused path only where its kernels apply.

import * as core from '@loom/core';
import { JsBackend, findBackend, onOp, type Backend, type Tensor } from '@loom/core';
import { useSuiteBackend } from '@loom/core/testing';
import { wasm } from '@loom/wasm-kernels';
import { describe, expect, it } from 'vitest';
import { layers, optimizers, sequential, variableGrads, type RecurrentArgs } from '../src/index.js';
import { probeWebGPU, whenWebGPUMissing } from '../../webgpu-kernels/test/probe.js';

type Kind = 'simpleRNN' | 'lstm' | 'gru';
interface Config { name: string; kind: Kind; args: Partial<RecurrentArgs>; initial?: boolean }

const CONFIGS: Config[] = [
  { name: 'lstm', kind: 'lstm', args: {} },
  { name: 'lstm sequences + state + goBackwards', kind: 'lstm', args: { returnSequences: true, returnState: true, goBackwards: true } },
  { name: 'lstm initial states', kind: 'lstm', args: { returnSequences: true }, initial: true },
  { name: 'lstm hardSigmoid, no bias', kind: 'lstm', args: { recurrentActivation: 'hardSigmoid', useBias: false } },
  { name: 'gru resetAfter', kind: 'gru', args: { returnSequences: true } },
  { name: 'gru resetAfter false + state', kind: 'gru', args: { resetAfter: false, returnState: true }, initial: true },
  { name: 'simpleRNN relu', kind: 'simpleRNN', args: { activation: 'relu', returnSequences: true } },
  { name: 'simpleRNN initial + goBackwards', kind: 'simpleRNN', args: { goBackwards: true }, initial: true },
];

const BATCH = 3;
const STEPS = 6;
const FEATURES = 2;
const UNITS = 5;

function makeLayer(c: Config, fused: boolean) {
  const args = { units: UNITS, ...c.args, fused, seed: 4 } as RecurrentArgs;
  return c.kind === 'lstm' ? layers.lstm(args) : c.kind === 'gru' ? layers.gru(args) : layers.simpleRNN(args);
}

/** Runs the layer on fixed data; returns its outputs and the gradients of a weighted sum of them. */
async function run(c: Config, fused: boolean): Promise<{ outputs: Float32Array[]; grads: Float32Array[]; kernels: number }> {
  const layer = makeLayer(c, fused);
  const model = sequential([layer], { seed: 9 });
  let kernels = 0;
  const stop = onOp((r) => { if (r.op === 'recurrent' || r.op === 'recurrentGrad') kernels++; });
  let ys: Tensor[] = [];
  let gs: Tensor[] = [];
  try {
    [ys, gs] = core.tidy(() => {
      const x = core.randomNormal([BATCH, STEPS, FEATURES], { seed: 1 });
      const states = c.kind === 'lstm' ? 2 : 1;
      const initial = c.initial ? Array.from({ length: states }, (_, i) => core.randomNormal([BATCH, UNITS], { seed: 2 + i })) : [];
      layer.ensureBuilt([BATCH, STEPS, FEATURES]);
      const forward = (): Tensor[] => {
        const y = layer.call(initial.length ? [x, ...initial] : x, true);
        return Array.isArray(y) ? y : [y];
      };
      const outs = forward();
      const { grads } = variableGrads(() =>
        forward().map((y, i) => core.sum(core.mul(y, core.randomUniform(y.shape, { seed: 10 + i })))).reduce((a, b) => core.add(a, b)));
      return [outs, layer.weights.map((w) => grads.get(w)!)];
    });
    stop();
    const read = (ts: Tensor[]) => Promise.all(ts.map(async (t) => (await t.data()) as Float32Array));
    return { outputs: await read(ys), grads: await read(gs), kernels };
  } finally {
    stop();
    core.dispose([ys, gs]);
    model.dispose();
  }
}

function expectClose(a: Float32Array, b: Float32Array, rtol: number, atol: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) - rtol * Math.abs(b[i]));
  expect(worst, `${what}: worst excess ${worst}`).toBeLessThanOrEqual(atol);
}

function defineFusedSuite(name: string, make: () => Backend | Promise<Backend>): void {
  describe(`fused recurrent layers: ${name}`, () => {
    useSuiteBackend(make);

    for (const c of CONFIGS) {
      it(`${c.name}: the fused kernel matches the step-by-step composition (outputs and weight gradients)`, async () => {
        const fused = await run(c, true);
        const composed = await run(c, false);
        expect(fused.kernels, 'two forward passes and one backward pass, one kernel each').toBe(3);
        expect(composed.kernels).toBe(0);
        fused.outputs.forEach((o, i) => expectClose(o, composed.outputs[i], 1e-5, 1e-5, `output ${i}`));
        fused.grads.forEach((g, i) => expectClose(g, composed.grads[i], 1e-4, 1e-5, `gradient of weight ${i}`));
      });
    }

    it('a custom activation function falls back to the composition', () => {
      const layer = layers.lstm({ units: 3, activation: (t: Tensor) => core.div(t, core.add(core.abs(t), 1)) });
      const model = sequential([layer], { seed: 1 });
      let kernels = 0;
      const stop = onOp((r) => { if (r.op === 'recurrent') kernels++; });
      core.tidy(() => { model.predict(core.ones([1, 2, 2])); });
      stop();
      model.dispose();
      expect(kernels).toBe(0);
    });

    it('100 Adam steps train the same LSTM → Dense model on both paths (losses and weights within 1e-4 relative)', async () => {
      const train = async (fused: boolean) => {
        const m = sequential([layers.lstm({ units: 6, inputShape: [STEPS, FEATURES], fused }), layers.dense({ units: 1 })], { seed: 3 });
        m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'mse' });
        const x = core.randomNormal([8, STEPS, FEATURES], { seed: 5 });
        const y = core.reshape(core.sum(x, [1, 2]), [8, 1]);
        const h = await m.fit(x, y, { epochs: 100, batchSize: 8, shuffle: false });
        const weights = await Promise.all(m.getWeights().map(async (w) => (await w.data()) as Float32Array));
        core.dispose([x, y]);
        m.dispose();
        return { loss: Float32Array.from(h.history.loss), weights };
      };
      const fused = await train(true);
      const composed = await train(false);
      expect(fused.loss[99]).toBeLessThan(0.5 * fused.loss[0]);
      expectClose(fused.loss, composed.loss, 1e-4, 1e-6, 'losses');
      fused.weights.forEach((w, i) => expectClose(w, composed.weights[i], 1e-4, 1e-5, `weight ${i}`));
    }, 60_000);
  });
}

defineFusedSuite('js', () => findBackend('js') ?? new JsBackend());
defineFusedSuite('wasm', () => wasm());
const probe = await probeWebGPU();
if (probe.backend) {
  const backend = probe.backend;
  defineFusedSuite('webgpu', () => backend);
} else {
  whenWebGPUMissing('fused recurrent layers (webgpu, Node)', probe.reason);
}
