// Save and load: train a small GRU, write it to files, load it back, and check the predictions match.
import * as loom from '@loom/core';
import { layers, loadModelFromFiles, saveModelToFiles, sequential } from '@loom/nn';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tiny, useWasm } from './shared.mjs';

await useWasm();
const x = loom.randomNormal([64, 10, 2], { seed: 4 });
const y = loom.sum(x, [1, 2]).reshape([64, 1]);
const model = sequential([layers.gru({ units: 8, inputShape: [10, 2] }), layers.dense({ units: 1 })], { seed: 2 });
model.compile({ optimizer: 'adam', loss: 'mse' });
await model.fit(x, y, { epochs: tiny ? 3 : 20, verbose: 0 });
const dir = mkdtempSync(join(tmpdir(), 'loom-example-'));
await saveModelToFiles(model, join(dir, 'gru'));
const loaded = await loadModelFromFiles(join(dir, 'gru'));
const a = await model.predict(x).data();
const b = await loaded.predict(x).data();
const maxDiff = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
rmSync(dir, { recursive: true, force: true });
console.log(`saved and loaded; largest prediction difference ${maxDiff}`);
console.log('RESULT ' + JSON.stringify({ maxDiff, n: a.length }));
