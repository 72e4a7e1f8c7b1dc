// In Chromium: a model trains, saves to IndexedDB, loads back and predicts exactly the same.

import * as core from '@loom/core';
import { describe, expect, it } from 'vitest';
import { layers, loadModelFromIndexedDB, optimizers, saveModelToIndexedDB, sequential, setSeed } from '../src/index.js';

describe('browser save/load', () => {
  it('IndexedDB round trip after training', async () => {
    setSeed(1);
    const m = sequential([layers.gru({ units: 3, inputShape: [4, 2] }), layers.dense({ units: 1 })]);
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'mse' });
    const x = core.tensor(Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)), [3, 4, 2]);
    const y = core.tensor([[0.1], [0.5], [-0.2]]);
    const first = await m.trainOnBatch(x, y);
    for (let i = 0; i < 5; i++) await m.trainOnBatch(x, y);
    expect(await m.trainOnBatch(x, y)).toBeLessThan(first);
    await saveModelToIndexedDB(m, 'gru-test');
    const m2 = await loadModelFromIndexedDB('gru-test');
    const a = (m.predict(x) as core.Tensor).dataSync();
    const b = (m2.predict(x) as core.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    await expect(loadModelFromIndexedDB('missing')).rejects.toThrow(/no model stored under 'missing'/);
    m.dispose();
    m2.dispose();
  });
});
