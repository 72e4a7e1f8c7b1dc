// Forecasting: load a sensor log from CSV, split it by time, normalize with training statistics,
// window it, and train an LSTM to predict the next hour's temperature; compare with the naive
// "same as the last hour" forecast.
import * as loom from '@loom/core';
import { chronologicalSplit, layers, loadCsv, Normalizer, optimizers, sequential, timeseriesDataset } from '@loom/nn';
import { pumpCsv, tiny, useWasm } from './shared.mjs';

await useWasm();
const table = await loadCsv(pumpCsv(tiny ? 400 : 3000));
console.log(`loaded ${table.numRows} rows, columns ${table.columns.join(', ')}, missing ${JSON.stringify(table.missing)}`);
const series = table.toTensor(['temperature', 'pressure', 'vibration']); // [hours, 3]
const { train, validation } = chronologicalSplit(series, { train: 0.8, validation: 0.2 });
const norm = new Normalizer().fit(train);
const L = 24;
const windows = (s) => {
  const n = norm.transform(s);
  const target = loom.slice(n, [L, 0], [-1, 1]); // temperature one hour after each window
  return timeseriesDataset(loom.slice(n, 0, n.shape[0] - L), target, { sequenceLength: L }).toTensors();
};
const tr = windows(train);
const va = windows(validation);
const model = sequential([layers.lstm({ units: tiny ? 8 : 32, inputShape: [L, 3] }), layers.dense({ units: 1 })], { seed: 1 });
model.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'mse', metrics: ['mae'] });
const history = await model.fit(tr.x, tr.y, { epochs: tiny ? 8 : 20, batchSize: 32, validationData: [va.x, va.y], verbose: tiny ? 0 : 1 });
const valMse = history.history.val_loss.at(-1);
// Naive forecast: the window's last temperature.
const last = loom.reshape(loom.slice(va.x, [0, L - 1, 0], [-1, 1, 1]), [-1, 1]);
const naive = (await loom.mean(loom.square(loom.sub(last, va.y))).data())[0];
console.log(`validation MSE ${valMse.toFixed(4)} vs naive ${naive.toFixed(4)}`);
console.log('RESULT ' + JSON.stringify({ valMse, naive }));
