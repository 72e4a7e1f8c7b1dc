// The data utilities on any backend: Normalizer and timeseriesDataset take tensors of the active
// backend (read with `await t.data()` by the async variants, so webgpu works), give the same
// statistics and windows as host arrays, and feed a forecaster end to end without leaking.
// Run by data-backends.test.ts (js, wasm in Node) and data-backends.browser.test.ts (webgpu, js in Chromium).

import * as core from '@loom/core';
import { describe, expect, it } from 'vitest';
import { chronologicalSplit, layers, Normalizer, optimizers, sequential, timeseriesDataset, timeseriesDatasetAsync } from '../src/index.js';

const rows = Array.from({ length: 12 }, (_, t) => [t, 2 * t + 1]);
// Hand values: the mean of 0..11 is 5.5 and its population std sqrt(143 / 12); the second column is 2t + 1.
const STD0 = Math.sqrt(143 / 12);

async function valuesOf(t: core.Tensor): Promise<number[]> {
  return Array.from((await t.data()) as Float32Array);
}

export function defineDataBackendSuite(backend: string, use: () => Promise<void>): void {
  describe(`data utilities on ${backend}`, () => {
    it('fitAsync on a tensor of this backend gives the host statistics', async () => {
      await use();
      const series = core.tensor(rows);
      expect(series.backend).toBe(backend);
      const n = await new Normalizer().fitAsync(series);
      expect(n.stats.mean[0]).toBeCloseTo(5.5, 5);
      expect(n.stats.mean[1]).toBeCloseTo(12, 5);
      expect(n.stats.std[0]).toBeCloseTo(STD0, 5);
      expect(n.stats.std[1]).toBeCloseTo(2 * STD0, 5);
      // The same numbers from host arrays, sync.
      expect(new Normalizer().fit(rows).stats).toEqual(n.stats);
      const z = n.transform(series);
      expect(z.backend).toBe(backend);
      const back = n.inverseTransform(z);
      (await valuesOf(back)).forEach((v, i) => expect(v).toBeCloseTo(rows.flat()[i], 4));
      const zv = await valuesOf(z);
      expect(zv[0]).toBeCloseTo(-5.5 / STD0, 5);
      core.dispose([series, z, back]);
    });

    it('timeseriesDatasetAsync on tensors of this backend gives the host windows and targets', async () => {
      await use();
      const start = core.memory().numTensors;
      const series = core.tensor(rows);
      const targets = core.tensor(rows.map(([a]) => a * 10));
      const options = { sequenceLength: 3, sequenceStride: 2, batchSize: 2, shuffle: true, seed: 5 };
      const ds = await timeseriesDatasetAsync(series, targets, options);
      const host = timeseriesDataset(rows, rows.map(([a]) => a * 10), options);
      expect(ds.size).toBe(5);
      expect(ds.windowStarts).toEqual(host.windowStarts);
      const all = ds.toTensors();
      expect(all.x.shape).toEqual([5, 3, 2]);
      expect(all.x.backend).toBe(backend);
      const hostAll = host.toTensors();
      expect(await valuesOf(all.x)).toEqual(await valuesOf(hostAll.x));
      expect(await valuesOf(all.y!)).toEqual(ds.windowStarts.map((s) => s * 10));
      let windows = 0;
      for (const b of ds.batches(1)) {
        windows += b.x.shape[0];
        core.dispose([b.x, b.y!]);
      }
      expect(windows).toBe(5);
      core.dispose([series, targets, all.x, all.y!, hostAll.x, hostAll.y!]);
      expect(core.memory().numTensors).toBe(start);
    });

    it('reads host-visible tensors synchronously, and says which async call to use where it cannot', async () => {
      await use();
      const series = core.tensor(rows);
      if (core.activeBackend().readSync) {
        expect(new Normalizer().fit(series).stats.mean[1]).toBeCloseTo(12, 5);
        const ds = timeseriesDataset(series, null, { sequenceLength: 4 });
        expect(ds.size).toBe(9);
      } else {
        expect(() => new Normalizer().fit(series)).toThrow(/^Normalizer\.fit: data must be readable synchronously; use the async variant \(Normalizer\.fitAsync/);
        expect(() => timeseriesDataset(series, null, { sequenceLength: 4 })).toThrow(/^timeseriesDataset: data must be readable synchronously/);
      }
      series.dispose();
    });

    it('the forecasting pipeline of the README runs from a tensor of this backend and beats the naive forecast', async () => {
      await use();
      const start = core.memory().numTensors;
      const L = 8;
      const series = core.tensor(Float32Array.from({ length: 160 }, (_, t) => 10 + 3 * Math.sin(0.3 * t)), [160, 1]);
      const { train, validation, test } = chronologicalSplit(series, { train: 0.75, validation: 0.25 });
      const norm = await new Normalizer().fitAsync(train);
      const windows = async (s: core.Tensor) => {
        const z = norm.transform(s);
        const x = core.slice(z, 0, s.shape[0] - L);
        const y = core.slice(z, L, s.shape[0] - L);
        const ds = (await timeseriesDatasetAsync(x, y, { sequenceLength: L })).toTensors();
        core.dispose([z, x, y]);
        return ds;
      };
      const tr = await windows(train);
      const va = await windows(validation);
      expect(tr.x.shape).toEqual([120 - 2 * L + 1, L, 1]);
      const model = sequential([layers.flatten({ inputShape: [L, 1] }), layers.dense({ units: 1 })], { seed: 3 });
      model.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'mse' });
      const history = await model.fit(tr.x, tr.y!, { epochs: 6, batchSize: 16, validationData: [va.x, va.y!], verbose: 0 });
      const naive = core.tidy(() => core.mean(core.square(core.sub(core.reshape(core.slice(va.x, [0, L - 1, 0], [-1, 1, 1]), [-1, 1]), va.y!))));
      const [naiveMse] = await valuesOf(naive);
      expect(history.history.val_loss.at(-1)!).toBeLessThan(naiveMse);
      model.dispose();
      core.dispose([series, train, validation, test, tr.x, tr.y!, va.x, va.y!, naive]);
      expect(core.memory().numTensors).toBe(start);
    });
  });
}
