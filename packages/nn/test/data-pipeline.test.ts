// Streaming CSV batches (csvBatches) against the in-memory path, and batchDataset's seeded batching.
import { describe, expect, it } from 'vitest';
import { dispose, memory, tensor, type Tensor } from '@loom/core';
import { batchDataset, csvBatches, loadCsv, normalizer, timeseriesDataset } from '../src/index.js';

// A small sensor log: step, temperature (a slow sine), pressure (a ramp); values exact in float32.
const N = 40;
const log = ['step,temp,pressure', ...Array.from({ length: N }, (_, i) => `${i},${(Math.round(Math.sin(i / 3) * 64) / 64)},${1000 + i / 4}`)].join('\n') + '\n';

async function collect(src: AsyncIterable<{ x: Tensor; y?: Tensor }>): Promise<{ x: number[]; y: number[]; shapes: number[][] }> {
  const x: number[] = [];
  const y: number[] = [];
  const shapes: number[][] = [];
  for await (const b of src) {
    x.push(...(await b.x.data()));
    if (b.y) y.push(...(await b.y.data()));
    shapes.push([...b.x.shape]);
    dispose([b.x, b.y!].filter(Boolean));
  }
  return { x, y, shapes };
}

describe('csvBatches', () => {
  it('streams exactly the windows timeseriesDataset makes from the loaded log, at any chunk size', async () => {
    const table = await loadCsv(log);
    const series = table.toSeries(['temp', 'pressure']);
    const temp = table.toSeries(['temp']);
    const L = 5;
    // In memory: one-step-ahead windows, as timeseriesDataset's docs say (targets shifted by L).
    const ds = timeseriesDataset(series.slice(0, -1), temp.slice(L), { sequenceLength: L, batchSize: 7 });
    const expected = await collect((async function* () { yield* ds.batches(0); })());
    expect(expected.shapes[0]).toEqual([7, L, 2]);
    // Hand check of one window: the window at step 3 holds steps 3..7 and its target is temp at 8.
    const w = 3;
    expect(expected.x.slice(w * L * 2, w * L * 2 + 2)).toEqual([series[3][0], series[3][1]]);
    expect(expected.y[w]).toBe(temp[8][0]);
    const before = memory().numTensors;
    // Chunks of 1 and 7 characters cut inside rows and windows; 100000 reads the log in one chunk.
    for (const chunkSize of [1, 7, 23, 100000]) {
      const src = csvBatches(log, { features: ['temp', 'pressure'], targets: ['temp'], sequenceLength: L, batchSize: 7, chunkSize });
      const got = await collect(src.batches(0));
      expect(got).toEqual(expected);
      expect(src.size).toBe(N - L);
      expect(src.missing).toEqual({ temp: 0, pressure: 0 });
    }
    expect(memory().numTensors).toBe(before);
  });

  it('matches stride, sampling rate and a [startIndex, endIndex) range', async () => {
    const series = (await loadCsv(log)).toSeries(['pressure']);
    const ds = timeseriesDataset(series, null, { sequenceLength: 3, sequenceStride: 4, samplingRate: 2, startIndex: 6, endIndex: 31, batchSize: 2 });
    const expected = await collect((async function* () { yield* ds.batches(0); })());
    const got = await collect(csvBatches(log, {
      features: [2], sequenceLength: 3, sequenceStride: 4, samplingRate: 2, startIndex: 6, endIndex: 31, batchSize: 2, chunkSize: 5,
    }).batches(0));
    expect(got).toEqual(expected);
    // Windows start at 6, 10, ..., 26 (26 + 4 = 30 < 31): 6 windows.
    expect(got.x.length).toBe(6 * 3);
  });

  it('yields row batches without windows, and the same data every epoch', async () => {
    const src = csvBatches(log, { features: ['step'], targets: ['pressure'], batchSize: 16, chunkSize: 11 });
    for (const epoch of [0, 1]) {
      const got = await collect(src.batches(epoch));
      expect(got.shapes).toEqual([[16, 1], [16, 1], [8, 1]]);
      expect(got.x).toEqual(Array.from({ length: N }, (_, i) => i));
      expect(got.y).toEqual(Array.from({ length: N }, (_, i) => 1000 + i / 4));
    }
  });

  it('reads a ReadableStream (once; a factory every epoch) and handles missing values', async () => {
    const bytes = new TextEncoder().encode(log);
    const stream = (): ReadableStream<Uint8Array> => new ReadableStream({
      start(c) { for (let i = 0; i < bytes.length; i += 13) c.enqueue(bytes.slice(i, i + 13)); c.close(); },
    });
    const once = csvBatches(stream(), { features: ['temp'], sequenceLength: 4, batchSize: 100 });
    const first = await collect(once.batches(0));
    expect(first.shapes).toEqual([[N - 3, 4, 1]]);
    await expect(collect(once.batches(1))).rejects.toThrow(/csvBatches: the ReadableStream is locked \(already read or being read\)/);
    const every = csvBatches(stream, { features: ['temp'], sequenceLength: 4, batchSize: 100 });
    expect(await collect(every.batches(0))).toEqual(first);
    expect(await collect(every.batches(1))).toEqual(first);
    const gappy = 'a,b\n1,10\n2,\n3,30\n4,40\n';
    await expect(collect(csvBatches(gappy, { features: ['a'], targets: ['b'] }).batches(0)))
      .rejects.toThrow(/csvBatches: column 'b' has a missing value at row 1; set missing to 'drop' or \{ fill: number \}/);
    const dropped = csvBatches(gappy, { features: ['a'], targets: ['b'], missing: 'drop' });
    expect(await collect(dropped.batches(0))).toEqual({ x: [1, 3, 4], y: [10, 30, 40], shapes: [[3, 1]] });
    expect(dropped.missing).toEqual({ a: 0, b: 1 });
    const filled = await collect(csvBatches(gappy, { features: ['b'], missing: { fill: 0 }, chunkSize: 3 }).batches(0));
    expect(filled.x).toEqual([10, 0, 30, 40]);
  });

  it('standardizes features and targets with fitted normalizers (fit on the training part by time)', async () => {
    const table = await loadCsv(log);
    const train = table.toSeries(['temp', 'pressure']).slice(0, 30);
    const nx = normalizer().fit(train);
    const ny = normalizer().fit(train.map((r) => [r[1]]));
    const src = csvBatches(log, {
      features: ['temp', 'pressure'], targets: ['pressure'], batchSize: 64, endIndex: 30, chunkSize: 9, normalizer: nx, targetNormalizer: ny,
    });
    const got = await collect(src.batches(0));
    const { mean, std } = nx.stats;
    got.x.forEach((v, i) => expect(v).toBeCloseTo((train[Math.floor(i / 2)][i % 2] - mean[i % 2]) / std[i % 2], 5));
    got.y.forEach((v, i) => expect(v).toBeCloseTo((train[i][1] - ny.stats.mean[0]) / ny.stats.std[0], 5));
    expect(got.shapes).toEqual([[30, 2]]);
    expect(() => csvBatches(log, { features: ['temp'], normalizer: nx })).toThrow(/csvBatches: normalizer was fit on 2 features but 1 columns are features/);
    expect(() => csvBatches(log, { features: ['temp'], normalizer: {} as never })).toThrow(/csvBatches: normalizer must be a fitted Normalizer, got an object/);
  });

  it('shuffles within a buffer, reproducibly per seed and epoch and whatever the chunk size', async () => {
    const opts = { features: ['step'], targets: ['temp'], sequenceLength: 3, batchSize: 8 } as const;
    const windowsOf = (r: { x: number[]; y: number[] }): string[] =>
      r.y.map((y, i) => `${r.x.slice(i * 3, i * 3 + 3).join(' ')}>${y}`);
    const inOrder = windowsOf(await collect(csvBatches(log, opts).batches(0)));
    const a = csvBatches(log, { ...opts, shuffleBuffer: 10, seed: 5, chunkSize: 7 });
    const b = csvBatches(log, { ...opts, shuffleBuffer: 10, seed: 5, chunkSize: 1000 });
    const a0 = windowsOf(await collect(a.batches(0)));
    expect(windowsOf(await collect(b.batches(0)))).toEqual(a0);
    expect(a0).not.toEqual(inOrder);
    expect([...a0].sort()).toEqual([...inOrder].sort());
    expect(windowsOf(await collect(a.batches(1)))).not.toEqual(a0);
    // Memory stays bounded: the i-th window out was among the first i + 11 read (the buffer holds 10),
    // so it starts at step <= i + 10.
    a0.forEach((w, i) => expect(Number(w.split(' ')[0])).toBeLessThanOrEqual(i + 10));
    const full = windowsOf(await collect(csvBatches(log, { ...opts, shuffleBuffer: 1000, seed: 5 }).batches(0)));
    expect([...full].sort()).toEqual([...inOrder].sort());
    expect(full).not.toEqual(inOrder);
  });

  it('rejects bad input clearly', async () => {
    const run = (opts: object, src: string = log): Promise<unknown> => collect(csvBatches(src, opts as never).batches(0));
    await expect(run({ features: ['temp', 'humidity'] })).rejects.toThrow(/csvBatches: features names an unknown column 'humidity'; columns: 'step', 'temp', 'pressure'/);
    await expect(run({ features: ['temp'], targets: [9] })).rejects.toThrow(/targets has the column index 9, but the file has 3 columns/);
    await expect(run({ features: ['a'] }, 'a\n1\nhigh\n')).rejects.toThrow(/csvBatches: column 'a' is numeric but row 1 holds 'high'/);
    await expect(run({ features: ['temp'], sequenceLength: 41 })).rejects.toThrow(/csvBatches: no samples: 40 usable rows but a sample needs 41 \(sequenceLength 41, samplingRate 1\)/);
    await expect(run({ features: ['temp'], targets: ['temp'], sequenceLength: 40 })).rejects.toThrow(/a sample needs 41 \(sequenceLength 40, samplingRate 1, targetOffset 40\)/);
    expect(() => csvBatches(log, { features: ['temp'], sequenceLength: 0 })).toThrow(/csvBatches: sequenceLength must be a positive integer, got 0/);
    expect(() => csvBatches(log, { features: ['temp'], missing: 'nan' as never })).toThrow(/csvBatches: missing must be 'error', 'drop' or \{ fill: <finite number> \}, got 'nan'/);
    expect(() => csvBatches(log, { features: ['temp'], batchsize: 3 } as never)).toThrow(/csvBatches: unknown option 'batchsize'/);
  });
});

describe('batchDataset', () => {
  it('batches tensors and arrays, reshuffling reproducibly per epoch with the seed', async () => {
    const before = memory().numTensors;
    const x = tensor(Array.from({ length: 20 }, (_, i) => i), [10, 2]);
    const y = Array.from({ length: 10 }, (_, i) => [i * 10]);
    const a = batchDataset(x, y, { batchSize: 4, shuffle: true, seed: 7 });
    const b = batchDataset(x, y, { batchSize: 4, shuffle: true, seed: 7 });
    const c = batchDataset(x, y, { batchSize: 4, shuffle: true, seed: 8 });
    expect(a.order(0)).toEqual(b.order(0));
    expect(a.order(1)).toEqual(b.order(1));
    expect(a.order(0)).not.toEqual(a.order(1));
    expect(a.order(0)).not.toEqual(c.order(0));
    expect([...a.order(3)].sort((p, q) => p - q)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(a.numBatches).toBe(3);
    for (const epoch of [0, 1]) {
      const order = a.order(epoch);
      const seen: number[] = [];
      const sizes: number[] = [];
      for (const batch of a.batches(epoch)) {
        const xv = (await (batch.x as Tensor).array()) as number[][];
        const yv = (await (batch.y as Tensor).array()) as number[][];
        // Each row of x and y is the same sample: x = [2i, 2i+1], y = [10i].
        xv.forEach((row, k) => { expect(row).toEqual([2 * (row[0] / 2), row[0] + 1]); expect(yv[k]).toEqual([5 * row[0]]); });
        seen.push(...xv.map((row) => row[0] / 2));
        sizes.push(xv.length);
        dispose([batch.x, batch.y]);
      }
      expect(seen).toEqual(order);
      expect(sizes).toEqual([4, 4, 2]);
    }
    const plain = batchDataset([x, x], y, { batchSize: 10 });
    const [only] = [...plain.batches(0)];
    expect((only.x as Tensor[]).length).toBe(2);
    expect(await (only.y as Tensor).array()).toEqual(y);
    dispose([only.x, only.y]);
    for (const d of [a, b, c, plain]) d.dispose();
    x.dispose();
    expect(memory().numTensors).toBe(before);
    expect(() => batchDataset([1, 2, 3], [1, 2], {})).toThrow(/batchDataset: y has 2 samples but x has 3/);
    expect(() => batchDataset([1, 2], [1, 2], { batchSize: 0 })).toThrow(/batchDataset: batchSize must be a positive integer, got 0/);
    expect(memory().numTensors).toBe(before);
  });
});
