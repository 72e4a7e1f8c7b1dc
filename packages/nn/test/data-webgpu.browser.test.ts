// In Chromium on the WebGPU backend: a normalizer fits and a series is windowed straight from a
// webgpu tensor (no synchronous reads), and batchDataset gathers batches on the GPU.

import * as core from '@loom/core';
import { webgpu } from '@loom/webgpu-kernels';
import { describe, expect, it } from 'vitest';
import { batchDataset, csvBatches, normalizer, timeseriesDataset, timeseriesDatasetAsync } from '../src/index.js';

describe('data pipeline on webgpu', () => {
  it('fitAsync, timeseriesDatasetAsync, batchDataset and csvBatches work with webgpu tensors', async () => {
    if (!core.findBackend('webgpu')) core.registerBackend(await webgpu(), 5);
    await core.setBackend('webgpu');
    expect(core.getBackend()).toBe('webgpu');
    const rows = Array.from({ length: 12 }, (_, t) => [t, 2 * t + 1]);
    const series = core.tensor(rows);
    // The sync path cannot read a webgpu tensor; the async one must.
    expect(() => normalizer().fit(series)).toThrow(/Normalizer.fit: data must be readable synchronously; use the async variant/);
    const n = await normalizer().fitAsync(series);
    // Hand values: mean of 0..11 is 5.5, population std sqrt((144 - 1) / 12).
    expect(n.stats.mean[0]).toBeCloseTo(5.5, 5);
    expect(n.stats.mean[1]).toBeCloseTo(12, 5);
    expect(n.stats.std[0]).toBeCloseTo(Math.sqrt(143 / 12), 5);
    expect(n.stats.std[1]).toBeCloseTo(2 * Math.sqrt(143 / 12), 5);
    const z = n.transform(series);
    const ds = await timeseriesDatasetAsync(z, null, { sequenceLength: 4, batchSize: 100 });
    const host = timeseriesDataset(rows.map(([a, b]) => [(a - 5.5) / n.stats.std[0], (b - 12) / n.stats.std[1]]), null, { sequenceLength: 4, batchSize: 100 });
    const [w, h] = [ds.toTensors().x, host.toTensors().x];
    expect(w.shape).toEqual([9, 4, 2]);
    const wv = await w.data();
    const hv = await h.data();
    wv.forEach((v, i) => expect(v).toBeCloseTo(hv[i], 5));
    const bd = batchDataset(series, z, { batchSize: 5, shuffle: true, seed: 1 });
    const order = bd.order(0);
    const [first] = [...bd.batches(0)];
    expect(Array.from(await (first.x as core.Tensor).data())).toEqual(order.slice(0, 5).flatMap((i) => rows[i]));
    core.dispose([first.x, first.y]);
    let count = 0;
    for await (const b of csvBatches('a,b\n1,2\n3,4\n5,6\n', { features: ['a'], targets: ['b'], batchSize: 2 }).batches(0)) {
      count += b.x.shape[0];
      expect(Array.from(await b.y!.data())).toEqual(count === 2 ? [2, 4] : [6]);
      core.dispose([b.x, b.y!]);
    }
    expect(count).toBe(3);
    core.dispose([series, z, w, h]);
  });
});
