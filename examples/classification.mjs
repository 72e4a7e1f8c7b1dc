// Fault classification: is the pump in a fault state during this 12-hour window? Faults are rare,
// so the loss weighs them more (classWeight); 'accuracy' is resolved from the loss, and recall says
// how many faults are caught.
import * as loom from '@loom/core';
import { layers, loadCsv, metrics, sequential, timeseriesDataset } from '@loom/nn';
import { pumpCsv, tiny, useWasm } from './shared.mjs';

await useWasm();
const table = await loadCsv(pumpCsv(tiny ? 600 : 4000, 7));
const L = 12;
const x = table.toSeries(['temperature', 'pressure', 'vibration']);
const fault = table.column('fault');
// A window is a fault window when its last hour is faulty.
const labels = Array.from({ length: table.numRows }, (_, i) => [i + L - 1 < table.numRows ? fault[i + L - 1] : 0]);
const ds = timeseriesDataset(x.slice(0, table.numRows - L + 1), labels.slice(0, table.numRows - L + 1), { sequenceLength: L }).toTensors();
const mean = loom.mean(ds.x, [0, 1], true);
const std = loom.sqrt(loom.add(loom.mean(loom.square(loom.sub(ds.x, mean)), [0, 1], true), 1e-6));
const xs = loom.div(loom.sub(ds.x, mean), std);
const positives = (await loom.sum(ds.y).data())[0];
const n = ds.y.shape[0];
const model = sequential([
  layers.conv1d({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [L, 3] }),
  layers.globalMaxPooling1d(),
  layers.dense({ units: 1, activation: 'sigmoid' }),
], { seed: 3 });
model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy', metrics.recall()] });
const classWeight = { 0: 1, 1: (n - positives) / Math.max(positives, 1) };
console.log(`${n} windows, ${positives} faulty; classWeight ${JSON.stringify(classWeight)}`);
const h = await model.fit(xs, ds.y, { epochs: tiny ? 10 : 30, batchSize: 32, classWeight, validationSplit: 0.2, verbose: tiny ? 0 : 1 });
const accuracy = h.history.val_accuracy.at(-1);
const recall = h.history.val_recall.at(-1);
console.log(`validation accuracy ${accuracy.toFixed(3)}, recall ${recall.toFixed(3)}`);
console.log('RESULT ' + JSON.stringify({ accuracy, recall, faultShare: positives / n }));
