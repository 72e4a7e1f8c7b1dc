// verboseLogger's exact text (fake clock), modelCheckpoint (saveBestOnly into a temp dir, reload gives the
// same predictions), csvLogger / historyToCSV content, and bad-option errors.

import * as core from '@loom/core';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  csvLogger, historyToCSV, historyToJSON, layers, loadModelFromFiles, modelCheckpoint, sequential, verboseLogger, type Callback,
} from '../src/index.js';

function clock(stepMs: number): () => number {
  let t = 0;
  return () => { const v = t; t += stepMs; return v; };
}

async function drive(cb: Callback, epochs: number, steps: number, lossAt: (e: number, b: number) => number): Promise<void> {
  await cb.onTrainBegin?.({});
  for (let e = 0; e < epochs; e++) {
    await cb.onEpochBegin?.(e, {});
    for (let b = 0; b < steps; b++) await cb.onBatchEnd?.(b, { batch: b, size: 4, loss: lossAt(e, b) });
    await cb.onEpochEnd?.(e, { loss: lossAt(e, steps), val_loss: 0.015 });
  }
  await cb.onTrainEnd?.({});
}

describe('verboseLogger', () => {
  it('level 2 prints one line per epoch with time, ms/step and 4-decimal logs', async () => {
    const out: string[] = [];
    // the clock advances 100 ms per read: epoch begin, then the epoch end read → 100 ms over 2 steps.
    await drive(verboseLogger(2, { epochs: 2, steps: 2, write: (t) => out.push(t), now: clock(100) }), 2, 2, () => 0.0123);
    expect(out).toEqual([
      'Epoch 1/2 - 0.10s - 50ms/step - loss: 0.0123 - val_loss: 0.0150\n',
      'Epoch 2/2 - 0.10s - 50ms/step - loss: 0.0123 - val_loss: 0.0150\n',
    ]);
  });

  it('level 1 on a TTY redraws a progress bar with ETA and ends with the epoch summary', async () => {
    const out: string[] = [];
    await drive(verboseLogger(1, { epochs: 1, steps: 4, write: (t) => out.push(t), tty: true, now: clock(1000) }), 1, 4, (_e, b) => 0.5 / (b + 1));
    expect(out).toEqual([
      'Epoch 1/1\n',
      // after batch 1: 1 s elapsed for 1 step, 3 left → ETA 3s; bar 30·1/4 = 7 cells.
      '\r1/4 [======>.......................] - ETA: 3s - loss: 0.5000',
      '\r2/4 [==============>...............] - ETA: 2s - loss: 0.2500',
      '\r3/4 [=====================>........] - ETA: 1s - loss: 0.1667',
      '\r4/4 [==============================] - loss: 0.1250',
      '\r4/4 [==============================] - 5.00s - 1250ms/step - loss: 0.1000 - val_loss: 0.0150\n',
    ]);
  });

  it('level 1 without a TTY prints the per-epoch line; unknown steps show the count only', async () => {
    const out: string[] = [];
    await drive(verboseLogger(1, { epochs: 1, steps: 3, write: (t) => out.push(t), tty: false, now: clock(3) }), 1, 3, () => 2e-4);
    expect(out).toEqual(['Epoch 1/1 - 0.00s - 1ms/step - loss: 2.0000e-4 - val_loss: 0.0150\n']);
    const out2: string[] = [];
    await drive(verboseLogger(1, { epochs: 1, write: (t) => out2.push(t), tty: true, now: clock(1) }), 1, 2, () => 1);
    expect(out2).toEqual(['Epoch 1/1\n', '\r1/Unknown - loss: 1.0000', '\r2/Unknown - loss: 1.0000', '\r2/Unknown - 0.00s - 2ms/step - loss: 1.0000 - val_loss: 0.0150\n']);
  });

  it('rejects bad options by name', () => {
    expect(() => verboseLogger(3 as 1, { epochs: 1 })).toThrow(/verboseLogger: level must be 1 or 2, got 3/);
    expect(() => verboseLogger(1, { epochs: -1 })).toThrow(/verboseLogger: epochs must be a non-negative integer, got -1/);
    expect(() => verboseLogger(1, { epochs: 1, tty: 'yes' as unknown as boolean })).toThrow(/tty must be true or false/);
    expect(() => verboseLogger(1, { epochs: 1, colour: 1 } as never)).toThrow(/unknown option 'colour'/);
  });
});

function tinyModel() {
  const m = sequential([layers.dense({ units: 3, inputShape: [2], activation: 'tanh' }), layers.dense({ units: 1 })], { seed: 3 });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}

describe('modelCheckpoint', () => {
  it('saveBestOnly writes only improving epochs, with {epoch} and {val_loss} filled in; the file reloads to the same predictions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loom-ckpt-'));
    try {
      const m = tinyModel();
      const x = core.tensor([[0, 1], [1, 0], [1, 1], [0, 0]]);
      const cb = modelCheckpoint({ filepath: join(dir, 'm-{epoch}-{val_loss}'), saveBestOnly: true });
      cb.setModel?.(m);
      await cb.onTrainBegin?.({});
      const vals = [0.5, 0.7, 0.4, 0.4, 0.1];
      for (let e = 0; e < vals.length; e++) await cb.onEpochEnd?.(e, { loss: 1, val_loss: vals[e] });
      const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
      expect(files).toEqual(['m-1-0.5000.json', 'm-3-0.4000.json', 'm-5-0.1000.json']);
      expect(cb.lastSaved).toBe(join(dir, 'm-5-0.1000'));
      const back = await loadModelFromFiles(join(dir, 'm-5-0.1000'));
      const p0 = m.predict(x) as core.Tensor, p1 = back.predict(x) as core.Tensor;
      expect(Array.from(await p1.data())).toEqual(Array.from(await p0.data()));
      core.dispose([x, p0, p1]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('save: receives the model each epoch (or every saveFreq batches); errors name the option', async () => {
    const seen: number[] = [];
    const m = tinyModel();
    const cb = modelCheckpoint({ save: async (model, epoch) => { expect(model).toBe(m); seen.push(epoch); }, monitor: 'acc', saveBestOnly: true });
    cb.setModel?.(m);
    await cb.onTrainBegin?.({});
    for (const [e, a] of [[0, 0.5], [1, 0.4], [2, 0.9]]) await cb.onEpochEnd?.(e, { acc: a });
    expect(seen).toEqual([0, 2]); // 'acc' is maximised under mode 'auto'
    await expect(cb.onEpochEnd?.(3, { loss: 1 }) as Promise<void>).rejects.toThrow(/modelCheckpoint: monitored quantity 'acc' is not logged; available: loss/);
    const batches: number[] = [];
    const byBatch = modelCheckpoint({ save: async (_m, e) => { batches.push(e); }, saveFreq: 2 });
    byBatch.setModel?.(m);
    await drive(byBatch, 2, 3, () => 1);
    expect(batches).toEqual([0, 1, 1]); // batches 2, 4, 6 of 3 per epoch
    expect(() => modelCheckpoint({})).toThrow(/give exactly one of filepath/);
    expect(() => modelCheckpoint({ filepath: '' })).toThrow(/filepath must be a non-empty path string, got ''/);
    expect(() => modelCheckpoint({ filepath: 'a', saveFreq: 0 })).toThrow(/saveFreq must be 'epoch' or a positive integer of batches, got 0/);
    expect(() => modelCheckpoint({ filepath: 'a', mode: 'up' as 'min' })).toThrow(/mode must be one of 'min', 'max', 'auto', got 'up'/);
  });
});

describe('csvLogger and history helpers', () => {
  it('writes a header of epoch + sorted keys and one row per epoch, to a file or a sink; append keeps old rows', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'loom-csv-'));
    try {
      const file = join(dir, 'log.csv');
      const logsAt = (e: number) => ({ val_loss: 1 / (e + 2), loss: 1 / (e + 1) });
      const run = async (cb: Callback, epochs: number) => {
        await cb.onTrainBegin?.({});
        for (let e = 0; e < epochs; e++) await cb.onEpochEnd?.(e, logsAt(e));
      };
      await run(csvLogger({ filename: file }), 2);
      expect(await readFile(file, 'utf8')).toBe('epoch,loss,val_loss\n0,1,0.5\n1,0.5,0.3333333333333333\n');
      await run(csvLogger({ filename: file, append: true }), 1);
      expect(await readFile(file, 'utf8')).toBe('epoch,loss,val_loss\n0,1,0.5\n1,0.5,0.3333333333333333\n0,1,0.5\n');
      const sink: string[] = [];
      await run(csvLogger({ write: (t) => { sink.push(t); }, separator: ';' }), 2);
      expect(sink.join('')).toBe('epoch;loss;val_loss\n0;1;0.5\n1;0.5;0.3333333333333333\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const h = { epoch: [0, 1], history: { loss: [1, 0.5], acc: [0.25, 0.75] } };
    expect(historyToCSV(h)).toBe('epoch,acc,loss\n0,0.25,1\n1,0.75,0.5\n');
    expect(JSON.parse(historyToJSON(h))).toEqual(h);
    expect(() => csvLogger({})).toThrow(/csvLogger: give exactly one of filename/);
    expect(() => csvLogger({ write: () => {}, separator: '' })).toThrow(/separator must be a non-empty string/);
    expect(() => csvLogger({ filename: 'a', append: 1 as unknown as boolean })).toThrow(/append must be true or false, got 1/);
  });

  it('runs inside fit without leaking tensors', async () => {
    const m = tinyModel();
    const x = core.tensor([[0, 1], [1, 0], [1, 1], [0, 0]]);
    const y = core.tensor([[1], [1], [0], [0]]);
    const rows: string[] = [];
    const before = core.memory().numTensors;
    await m.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0, callbacks: [csvLogger({ write: (t) => { rows.push(t); } })] });
    expect(core.memory().numTensors).toBe(before);
    expect(rows.join('').split('\n')[0]).toBe('epoch,loss');
    expect(rows.join('').trim().split('\n')).toHaveLength(3);
    core.dispose([x, y]);
  });
});
