// Time-series utilities: Keras-compatible windowing, chronological split, normalizer.
import { describe, expect, it } from 'vitest';
import { dispose, memory, tensor } from '@loom/core';
import { chronologicalSplit, normalizer, Normalizer, timeseriesDataset, timeseriesDatasetAsync } from '../src/data/index.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('timeseriesDataset', () => {
  it('makes the windows Keras makes (stride, sampling rate, targets, batching)', async () => {
    // Keras: timeseries_dataset_from_array(range(10), range(10), sequence_length=3, sequence_stride=2,
    // sampling_rate=2, batch_size=2) → starts 0, 2, 4; windows [0,2,4], [2,4,6], [4,6,8].
    const ds = timeseriesDataset(range(10), range(10), { sequenceLength: 3, sequenceStride: 2, samplingRate: 2, batchSize: 2 });
    expect(ds.size).toBe(3);
    expect(ds.numBatches).toBe(2);
    const batches = [...ds];
    expect(await batches[0].x.array()).toEqual([[0, 2, 4], [2, 4, 6]]);
    expect(await batches[0].y!.array()).toEqual([0, 2]);
    expect(await batches[1].x.array()).toEqual([[4, 6, 8]]);
    expect(await batches[1].y!.array()).toEqual([4]);
    dispose(batches);
  });

  it('windows multivariate series and one-step-ahead targets', async () => {
    const series = range(6).map((t) => [t, 10 * t]);
    const L = 2;
    // One step ahead: the target of the window starting at i is the first feature at i + L.
    const targets = range(6).slice(L).map((t) => t);
    const ds = timeseriesDataset(series.slice(0, -1), targets, { sequenceLength: L });
    const { x, y } = ds.toTensors();
    expect(x.shape).toEqual([4, 2, 2]);
    expect(await x.array()).toEqual([[[0, 0], [1, 10]], [[1, 10], [2, 20]], [[2, 20], [3, 30]], [[3, 30], [4, 40]]]);
    expect(await y!.array()).toEqual([2, 3, 4, 5]);
    dispose([x, y]);
  });

  it('shuffles reproducibly per seed and epoch, and restricts to [startIndex, endIndex)', () => {
    const a = timeseriesDataset(range(50), null, { sequenceLength: 5, shuffle: true, seed: 3 });
    const b = timeseriesDataset(range(50), null, { sequenceLength: 5, shuffle: true, seed: 3 });
    const c = timeseriesDataset(range(50), null, { sequenceLength: 5, shuffle: true, seed: 4 });
    expect(a.windowStarts).toEqual(b.windowStarts);
    expect(a.windowStarts).not.toEqual(c.windowStarts);
    expect([...a.windowStarts].sort((p, q) => p - q)).toEqual(range(46));
    const limited = timeseriesDataset(range(50), null, { sequenceLength: 5, startIndex: 10, endIndex: 20 });
    expect(limited.windowStarts).toEqual(range(6).map((i) => i + 10));
  });

  it('reads tensors, frees nothing it does not own, and rejects bad input clearly', () => {
    const before = memory().numTensors;
    const data = tensor(range(12), [6, 2]);
    const ds = timeseriesDataset(data, null, { sequenceLength: 3, batchSize: 10 });
    const [batch] = [...ds];
    expect(batch.x.shape).toEqual([4, 3, 2]);
    dispose([batch, data]);
    expect(memory().numTensors).toBe(before);
    expect(() => timeseriesDataset([1, NaN, 3], null, { sequenceLength: 2 })).toThrow(/timeseriesDataset: data holds a non-finite value \(NaN\) at step 1/);
    expect(() => timeseriesDataset([1, 2, 3], null, { sequenceLength: 0 })).toThrow(/sequenceLength must be an integer >= 1/);
    expect(() => timeseriesDataset([1, 2, 3], [1], { sequenceLength: 1 })).toThrow(/targets has 1 steps but windows start up to step 2/);
    expect(() => timeseriesDataset([[1, 2], [3]], null, { sequenceLength: 1 })).toThrow(/data is ragged/);
  });
});

describe('chronologicalSplit', () => {
  it('splits arrays and tensors into consecutive parts', async () => {
    const parts = chronologicalSplit(range(10), { train: 0.6, validation: 0.2 });
    expect(parts.train).toEqual(range(6));
    expect(parts.validation).toEqual([6, 7]);
    expect(parts.test).toEqual([8, 9]);
    const t = tensor(range(20), [10, 2]);
    const tp = chronologicalSplit(t, { train: 0.5 });
    expect(tp.train.shape).toEqual([5, 2]);
    expect(tp.validation.shape).toEqual([0, 2]);
    expect(await tp.test.array()).toEqual([[10, 11], [12, 13], [14, 15], [16, 17], [18, 19]]);
    dispose([t, tp.train, tp.validation, tp.test]);
    expect(() => chronologicalSplit(range(4), { train: 0.8, validation: 0.3 })).toThrow(/exceed 1/);
  });
});

describe('Normalizer', () => {
  it('fits on training data and standardizes per feature; inverse restores units', async () => {
    const train = [[1, 10], [3, 10], [5, 10]];
    const n = normalizer().fit(train);
    expect(n.stats.mean).toEqual([3, 10]);
    expect(n.stats.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 6);
    expect(n.stats.std[1]).toBe(1); // constant feature: centred, not NaN
    const x = tensor([[3, 10], [5, 12]]);
    const z = n.transform(x);
    const zv = (await z.array()) as number[][];
    expect(zv[0]).toEqual([0, 0]);
    expect(zv[1][0]).toBeCloseTo(2 / Math.sqrt(8 / 3), 5);
    expect(zv[1][1]).toBeCloseTo(2, 6);
    const back = n.inverseTransform(z);
    expect(await back.array()).toEqual([[3, 10], [5, 12]]);
    const restored = Normalizer.fromJSON(JSON.parse(JSON.stringify(n)));
    expect(restored.stats).toEqual(n.stats);
    expect(() => n.transform(tensor([[1, 2, 3]]))).toThrow(/last dim of \[1,3\] is 3, but the normalizer was fit on 2 features/);
    expect(() => normalizer().transform(x)).toThrow(/call fit\(trainingData\) first/);
    expect(() => Normalizer.fromJSON({ mean: [0], std: [0] })).toThrow(/positive std/);
    dispose([x, z, back]);
  });
});

describe('async variants (any backend: tensors read with await t.data())', () => {
  it('Normalizer.fitAsync and timeseriesDatasetAsync give what the sync paths give', async () => {
    const before = memory().numTensors;
    const rows = range(8).map((t) => [t, t * t]);
    const data = tensor(rows);
    const sync = normalizer().fit(rows);
    const viaTensor = await normalizer().fitAsync(data);
    expect(viaTensor.stats).toEqual(sync.stats);
    // Hand check: mean of 0..7 is 3.5, population variance (64 - 1) / 12 = 5.25.
    expect(viaTensor.stats.mean[0]).toBeCloseTo(3.5, 6);
    expect(viaTensor.stats.std[0]).toBeCloseTo(Math.sqrt(5.25), 6);
    const targets = tensor(range(8));
    const a = await timeseriesDatasetAsync(data, targets, { sequenceLength: 3, batchSize: 4 });
    const b = timeseriesDataset(rows, range(8), { sequenceLength: 3, batchSize: 4 });
    expect(a.windowStarts).toEqual(b.windowStarts);
    const [ta, tb] = [a.toTensors(), b.toTensors()];
    expect(await ta.x.array()).toEqual(await tb.x.array());
    expect(await ta.y!.array()).toEqual(await tb.y!.array());
    const empty = tensor([]);
    await expect(normalizer().fitAsync(empty)).rejects.toThrow(/Normalizer.fitAsync: data is empty/);
    dispose([ta, tb, data, targets, empty]);
    expect(memory().numTensors).toBe(before);
    await expect(timeseriesDatasetAsync([1, 2], null, { sequenceLength: 0 })).rejects.toThrow(/timeseriesDatasetAsync: sequenceLength must be an integer >= 1/);
  });
});
