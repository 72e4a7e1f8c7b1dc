// Streaming inference: a stateful LSTM takes one sensor sample at a time, as it arrives, and its
// state carries on between calls; the stream gives the same outputs as the whole sequence at once.
import * as loom from '@loom/core';
import { layers, sequential } from '@loom/nn';
import { tiny, useWasm } from './shared.mjs';

await useWasm();
const T = tiny ? 20 : 200;
const whole = sequential([layers.lstm({ units: 6, returnSequences: true, inputShape: [T, 3] })], { seed: 5 });
const stream = sequential([layers.lstm({ units: 6, stateful: true, batchInputShape: [1, 1, 3] })], { seed: 5 });
stream.setWeights(whole.getWeights());
const samples = loom.randomNormal([1, T, 3], { seed: 6 });
const all = await whole.predict(samples).data(); // [1, T, 6]
let maxDiff = 0;
for (let t = 0; t < T; t++) {
  const out = await stream.predict(loom.slice(samples, [0, t, 0], [1, 1, 3])).data(); // one new sample
  for (let u = 0; u < 6; u++) maxDiff = Math.max(maxDiff, Math.abs(out[u] - all[t * 6 + u]));
}
stream.resetStates();
console.log(`${T} samples streamed one by one; largest difference from the whole-sequence run ${maxDiff}`);
console.log('RESULT ' + JSON.stringify({ maxDiff, steps: T }));
