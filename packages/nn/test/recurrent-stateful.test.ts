// Stateful recurrent layers (streaming inference): states carried across predict calls, feeding a
// window one step at a time equals predicting it whole, resetStates, clear errors, flat memory; and
// the recurrent layers' option checks.

import * as core from '@loom/core';
import { JsBackend, findBackend, memory, type Backend, type Tensor } from '@loom/core';
import { useSuiteBackend } from '@loom/core/testing';
import { wasm } from '@loom/wasm-kernels';
import { describe, expect, it } from 'vitest';
import { layers, sequential, type RecurrentArgs } from '../src/index.js';

const STEPS = 7;
const FEATURES = 3;
const UNITS = 4;

type Kind = 'lstm' | 'gru' | 'simpleRNN';
const make = (kind: Kind, args: RecurrentArgs) =>
  kind === 'lstm' ? layers.lstm(args) : kind === 'gru' ? layers.gru(args) : layers.simpleRNN(args);

function streamingModel(kind: Kind, batch: number, extra: Partial<RecurrentArgs> = {}) {
  const layer = make(kind, { units: UNITS, stateful: true, returnSequences: true, batchInputShape: [batch, null, FEATURES], ...extra });
  return { layer, model: sequential([layer, layers.dense({ units: 2 })], { seed: 21 }) };
}

async function values(t: Tensor | Tensor[]): Promise<Float32Array> {
  const one = Array.isArray(t) ? t[0] : t;
  const v = (await one.data()) as Float32Array;
  core.dispose(t);
  return v;
}

function defineStatefulSuite(name: string, factory: () => Backend | Promise<Backend>): void {
  describe(`stateful recurrent layers: ${name}`, () => {
    useSuiteBackend(factory);

    for (const kind of ['lstm', 'gru', 'simpleRNN'] as const) {
      it(`${kind}: feeding a window one step at a time gives the outputs of predicting it whole`, async () => {
        const { layer, model } = streamingModel(kind, 2);
        const x = core.randomNormal([2, STEPS, FEATURES], { seed: 3 });
        const whole = await values(model.predict(x));
        layer.resetStates();
        const streamed: number[][] = [[], []];
        for (let t = 0; t < STEPS; t++) {
          const step = core.slice(x, [0, t, 0], [2, 1, FEATURES]);
          const y = await values(model.predict(step));
          step.dispose();
          for (let b = 0; b < 2; b++) streamed[b].push(...y.subarray(b * 2, b * 2 + 2));
        }
        const flat = Float32Array.from([...streamed[0], ...streamed[1]]);
        expect(flat.length).toBe(whole.length);
        flat.forEach((v, i) => expect(v, `value ${i}`).toBeCloseTo(whole[i], 5));
        x.dispose();
        model.dispose();
      });
    }

    it('states carry across calls until resetStates, which can also set them', async () => {
      const { layer, model } = streamingModel('lstm', 1, { returnSequences: false });
      const step = core.ones([1, 1, FEATURES]);
      const first = await values(model.predict(step));
      const second = await values(model.predict(step));
      expect(Array.from(second)).not.toEqual(Array.from(first));
      model.resetStates();
      expect(layer.states).toBeUndefined();
      expect(Array.from(await values(model.predict(step)))).toEqual(Array.from(first));
      // Setting the states to those after one step makes the next call repeat the second output.
      layer.resetStates();
      core.dispose(model.predict(step));
      const after = layer.states!.map((t) => core.clone(t));
      layer.resetStates(after);
      core.dispose(after);
      expect(Array.from(await values(model.predict(step)))).toEqual(Array.from(second));
      step.dispose();
      model.dispose();
    });

    it('refuses what a stateful layer cannot do, naming the layer and the fix', () => {
      const free = layers.lstm({ units: 2, stateful: true, inputShape: [3, 1] });
      expect(() => sequential([free])).toThrow(/lstm.*: a stateful layer needs a fixed batch size; pass batchInputShape: \[batch, steps, features\]/);
      const { layer, model } = streamingModel('gru', 2);
      const wrong = core.ones([3, 1, FEATURES]);
      expect(() => model.predict(wrong, { batchSize: 3 })).toThrow(/gru.*: this stateful layer's batch size is fixed at 2, got an input of 3/);
      expect(() => layer.resetStates([core.ones([2, 5])])).toThrow(/resetStates: state 0 must be \[2, 4\], got \[2,5\]/);
      expect(() => layer.resetStates([])).toThrow(/resetStates takes \[h\], got 0 tensors/);
      expect(() => layers.simpleRNN({ units: 2 }).resetStates()).toThrow(/resetStates applies to stateful layers/);
      core.dispose(wrong);
      model.dispose();
    });

    it('streams 300 samples with flat memory, and dispose frees the carried states', async () => {
      const { model } = streamingModel('lstm', 1, { returnSequences: false });
      const step = core.ones([1, 1, FEATURES]);
      await values(model.predict(step));
      const before = memory().numTensors;
      for (let i = 0; i < 300; i++) core.dispose(model.predict(step));
      expect(memory().numTensors).toBe(before);
      step.dispose();
      const beforeDispose = memory().numTensors;
      model.dispose();
      // kernel, recurrentKernel, bias, the two carried states, dense kernel and bias.
      expect(beforeDispose - memory().numTensors).toBe(7);
    });
  });
}

it("runs the README's real-time monitoring example as written", async () => {
  const loom = core;
  const monitor = sequential([
    layers.lstm({ units: 32, stateful: true, batchInputShape: [1, 1, 3] }),
    layers.dense({ units: 1, activation: 'sigmoid' }),
  ]);
  const sample = loom.tensor([[[0.2, 1.3, -0.4]]]);
  const pFault = monitor.predict(sample) as Tensor;
  const p = (await pFault.data())[0];
  expect(p).toBeGreaterThan(0);
  expect(p).toBeLessThan(1);
  expect(pFault.shape).toEqual([1, 1]);
  monitor.resetStates();
  core.dispose([sample, pFault]);
  monitor.dispose();
});

describe('recurrent layer options are checked at construction', () => {
  it('names the layer, the option, what was given and what is valid', () => {
    expect(() => layers.lstm(undefined as never)).toThrow(/lstm: units must be a positive integer, got undefined/);
    expect(() => layers.gru({ units: 2, kernelRegulariser: 'l2' } as never)).toThrow(/gru: unknown option 'kernelRegulariser'; valid: .*resetAfter/);
    expect(() => layers.simpleRNN({ units: 2, unitForgetBias: true } as never)).toThrow(/simpleRNN: unknown option 'unitForgetBias'/);
    expect(() => layers.lstm({ units: 2, returnSequences: 'yes' as never })).toThrow(/lstm: returnSequences must be true or false, got 'yes'/);
    expect(() => layers.lstm({ units: 2, dropout: 1 })).toThrow(/lstm: dropout must be .*, got 1/);
    expect(() => layers.gru({ units: 2, resetAfter: 1 as never })).toThrow(/gru: resetAfter must be true or false, got 1/);
    expect(() => layers.lstm({ units: 2, kernelInitializer: 'constructor' })).toThrow(/lstm \(kernelInitializer\): unknown initializer 'constructor'/);
    expect(() => layers.lstm({ units: 2, stateful: 'on' as never })).toThrow(/lstm: stateful must be true or false, got 'on'/);
    expect(() => layers.bidirectional({ layer: layers.lstm({ units: 2 }), mergeMode: 'max' as never })).toThrow(/bidirectional: mergeMode must be one of 'concat', 'sum', 'mul', 'ave', got 'max'/);
  });
});

defineStatefulSuite('js', () => findBackend('js') ?? new JsBackend());
defineStatefulSuite('wasm', () => wasm());
