// Masking: padded variable-length sequences give the outputs (and gradients) of the unpadded ones,
// through a masking layer or an embedding with maskZero, in sequential and functional models, through
// lstm, gru, simpleRNN and bidirectional; a layer that cannot take a mask says so.

import * as core from '@loom/core';
import { JsBackend, findBackend, type Backend, type Tensor } from '@loom/core';
import { useSuiteBackend } from '@loom/core/testing';
import { wasm } from '@loom/wasm-kernels';
import { describe, expect, it } from 'vitest';
import { input, layers, model, sequential, variableGrads, type Layer } from '../src/index.js';

const F = 2;
const REAL = 3;
const PAD = 2;

async function values(t: Tensor | Tensor[]): Promise<number[]> {
  const one = Array.isArray(t) ? t[0] : t;
  const v = Array.from((await one.data()) as Float32Array);
  core.dispose(t);
  return v;
}

/** The real steps [1, REAL, F] and the same padded with zero steps before or after. */
function sequences(where: 'pre' | 'post'): { real: Tensor; padded: Tensor } {
  const real = core.add(core.randomNormal([1, REAL, F], { seed: 4 }), 3); // no real step is all zeros
  const pad = core.zeros([1, PAD, F]);
  return { real, padded: core.concat(where === 'post' ? [real, pad] : [pad, real], 1) };
}

const RNNS: [string, () => Layer][] = [
  ['lstm', () => layers.lstm({ units: 4 })],
  ['gru', () => layers.gru({ units: 4 })],
  ['simpleRNN', () => layers.simpleRNN({ units: 4 })],
  ['bidirectional lstm', () => layers.bidirectional({ layer: layers.lstm({ units: 3 }) })],
];

function defineMaskingSuite(name: string, factory: () => Backend | Promise<Backend>): void {
  describe(`masking: ${name}`, () => {
    useSuiteBackend(factory);

    for (const [label, make] of RNNS) {
      for (const where of ['pre', 'post'] as const) {
        it(`${label}, ${where}-padded: the masked padded sequence gives the unpadded output`, async () => {
          const rnn = make();
          const m = sequential([layers.masking({ maskValue: 0, inputShape: [null as never, F] }), rnn], { seed: 2 });
          const { real, padded } = sequences(where);
          const want = await values(m.predict(real));
          const got = await values(m.predict(padded));
          got.forEach((v, i) => expect(v, `value ${i}`).toBeCloseTo(want[i], 5));
          core.dispose([real, padded]);
          m.dispose();
        });
      }
    }

    it('the weight gradients of a masked padded batch are those of the unpadded one', async () => {
      const lstm = layers.lstm({ units: 3 });
      const m = sequential([layers.masking({ inputShape: [null as never, F] }), lstm, layers.dense({ units: 1 })], { seed: 5 });
      const { real, padded } = sequences('post');
      const gradsOf = (x: Tensor) => core.tidy(() => {
        const { grads } = variableGrads(() => core.sum(m.call(x, true) as Tensor));
        return m.trainableWeights.map((w) => grads.get(w)!);
      });
      const a = gradsOf(real);
      const b = gradsOf(padded);
      for (let i = 0; i < a.length; i++) {
        const [x, y] = [await values(a[i]), await values(b[i])];
        x.forEach((v, j) => expect(y[j], `weight ${i} value ${j}`).toBeCloseTo(v, 5));
      }
      core.dispose([real, padded]);
      m.dispose();
    });

    it('an embedding with maskZero masks id 0, in a functional model, and the model trains', async () => {
      const ids = input({ shape: [null as never] });
      const h = layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true }).apply(ids);
      const out = layers.dense({ units: 1 }).apply(layers.gru({ units: 4 }).apply(h));
      const m = model({ inputs: ids, outputs: out, seed: 3 });
      const short = core.tensor([[4, 2, 5]], [1, 3], 'int32');
      const long = core.tensor([[4, 2, 5, 0, 0]], [1, 5], 'int32');
      const want = await values(m.predict(short));
      const got = await values(m.predict(long));
      expect(got[0]).toBeCloseTo(want[0], 5);
      m.compile({ optimizer: 'adam', loss: 'mse' });
      const x = core.tensor([[1, 2, 0, 0, 0], [3, 4, 5, 1, 0], [2, 0, 0, 0, 0], [5, 5, 5, 5, 5]], [4, 5], 'int32');
      const y = core.tensor([[1], [0], [1], [0]]);
      const hist = await m.fit(x, y, { epochs: 30, batchSize: 4 });
      expect(hist.history.loss[29]).toBeLessThan(hist.history.loss[0]);
      core.dispose([short, long, x, y]);
      m.dispose();
    }, 30_000);

    it('a layer that cannot take a mask refuses a masked input, naming itself', () => {
      const m = sequential([
        layers.masking({ inputShape: [4, F] }), layers.lstm({ units: 2, returnSequences: true }), layers.flatten(),
      ]);
      const x = core.ones([1, 4, F]);
      expect(() => m.predict(x)).toThrow(/flatten.*: this layer does not support masking, but its input carries a mask/);
      x.dispose();
      m.dispose();
    });
  });
}

defineMaskingSuite('js', () => findBackend('js') ?? new JsBackend());
defineMaskingSuite('wasm', () => wasm());
