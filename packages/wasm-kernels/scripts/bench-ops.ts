// Private tuning aid (not the project benchmarks): conv1d, tanh, sigmoid, add and softmax throughput
// of this backend versus TensorFlow.js's wasm backend, best of interleaved rounds, one thread.
// Both sides include reading the result back (dataSync), as a user would; --compute leaves the
// readback out of Loom's time (TF.js's wasm backend has no separate sync point).
// Run: node --experimental-wasm-relaxed-simd --import tsx scripts/bench-ops.ts

import * as loom from '@loom/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { wasm } from '../src/index.js';

const computeOnly = process.argv.includes('--compute');
setThreadsCount(1);
await tf.setBackend('wasm');
await tf.ready();
loom.registerBackend(await wasm({ name: 'wasm' }), -1);
await loom.setBackend('wasm');

const rand = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) * 3);

interface Case {
  name: string;
  shapes: number[][];
  loom: (...t: loom.Tensor[]) => loom.Tensor;
  tf: (...t: tf.Tensor[]) => tf.Tensor;
}
const cases: Case[] = [
  {
    name: 'conv1d [32,128,64] k3 f64', shapes: [[32, 128, 64], [3, 64, 64]],
    loom: (x, f) => loom.conv1d(x, f, { padding: 'same' }), tf: (x, f) => tf.conv1d(x as tf.Tensor3D, f as tf.Tensor3D, 1, 'same'),
  },
  { name: 'tanh 1M', shapes: [[1 << 20]], loom: (x) => loom.tanh(x), tf: (x) => tf.tanh(x) },
  { name: 'sigmoid 1M', shapes: [[1 << 20]], loom: (x) => loom.sigmoid(x), tf: (x) => tf.sigmoid(x) },
  { name: 'add 1M', shapes: [[1 << 20], [1 << 20]], loom: (a, b) => loom.add(a, b), tf: (a, b) => tf.add(a, b) },
  { name: 'softmax [4096,1000]', shapes: [[4096, 1000]], loom: (x) => loom.softmax(x), tf: (x) => tf.softmax(x) },
];

for (const c of cases) {
  const data = c.shapes.map((s) => rand(s.reduce((a, b) => a * b, 1)));
  const lt = data.map((d, i) => loom.tensor(d, c.shapes[i]));
  const tt = data.map((d, i) => tf.tensor(d, c.shapes[i]));
  const tl: number[] = [];
  const ttf: number[] = [];
  for (let round = 0; round < 21; round++) {
    let t0 = performance.now();
    const z = c.loom(...lt);
    if (!computeOnly) z.dataSync();
    z.dispose();
    tl.push(performance.now() - t0);
    t0 = performance.now();
    const y = c.tf(...tt);
    y.dataSync();
    y.dispose();
    ttf.push(performance.now() - t0);
  }
  const a = Math.min(...tl.slice(1));
  const b = Math.min(...ttf.slice(1));
  console.log(`${c.name}: loom ${a.toFixed(2)} ms, tfjs-wasm ${b.toFixed(2)} ms, ratio ${(b / a).toFixed(2)}x`);
  loom.dispose(lt);
  tt.forEach((t) => t.dispose());
}
