// Private tuning aid: where splitting an op across threads starts to pay. Times each op family at
// growing sizes on one thread and on all threads with every op split (splitSmallOps), median of
// interleaved rounds; the crossover sizes set MIN_WORK_PER_THREAD in src/schedule.ts.
// Run: node --experimental-wasm-relaxed-simd --import tsx scripts/bench-threads.ts [--threads N]

import * as loom from '@loom/core';
import { wasm } from '../src/index.js';

const arg = process.argv.indexOf('--threads');
const threads = arg > 0 ? Number(process.argv[arg + 1]) : 'auto';
const one = await wasm({ name: 'one', threads: 1 });
const many = await wasm({ name: 'many', threads, splitSmallOps: true });
loom.registerBackend(one, -1);
loom.registerBackend(many, -1);
console.log(`1 thread vs ${many.threads} threads (every op split); ratio > 1: the split is faster`);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Median ms of `f` on backend `name`, repeated until ≥ 5 ms per sample. */
async function time(name: string, shapes: number[][], f: (...t: loom.Tensor[]) => loom.Tensor): Promise<() => number> {
  await loom.setBackend(name);
  const xs = shapes.map((s, i) => loom.randomUniform(s, { minval: -2, maxval: 2, seed: i + 1 }));
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) f(...xs).dispose();
    if (performance.now() - t0 > 5) break;
    reps *= 2;
  }
  return () => {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) f(...xs).dispose();
    return (performance.now() - t0) / reps;
  };
}

async function compare(label: string, shapes: number[][], f: (...t: loom.Tensor[]) => loom.Tensor): Promise<void> {
  const a = await time('one', shapes, f);
  const b = await time('many', shapes, f);
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < 15; r++) {
    await loom.setBackend('one');
    ta.push(a());
    await loom.setBackend('many');
    tb.push(b());
  }
  const ma = median(ta);
  const mb = median(tb);
  console.log(`${label.padEnd(34)} ${(ma * 1000).toFixed(1).padStart(9)} µs  ${(mb * 1000).toFixed(1).padStart(9)} µs  ${(ma / mb).toFixed(2)}×`);
}

for (const n of [32, 48, 64, 96, 128, 192]) await compare(`matmul ${n} (${(2 * n ** 3 / 1e6).toFixed(2)} MFLOP)`, [[n, n], [n, n]], (a, b) => loom.matmul(a, b));
// The MLP's GEMMs (forward, dW = xᵀ·dy, dx = dy·Wᵀ) and large squares: how well a split scales.
for (const [m, k, n, tA, tB] of [[128, 784, 256, false, false], [784, 128, 256, true, false], [128, 256, 784, false, true],
  [256, 256, 256, false, false], [512, 512, 512, false, false], [1024, 1024, 1024, false, false]] as const) {
  const label = `matmul ${m}·${k}·${n}${tA ? ' Aᵀ' : ''}${tB ? ' Bᵀ' : ''}`;
  await compare(label, [tA ? [k, m] : [m, k], tB ? [n, k] : [k, n]], (a, b) => loom.matmul(a, b, { transposeA: tA, transposeB: tB }));
}
for (const n of [8192, 16384, 32768, 65536, 131072, 262144]) {
  await compare(`relu ${n}`, [[n]], (x) => loom.relu(x));
  await compare(`sigmoid ${n}`, [[n]], (x) => loom.sigmoid(x));
  await compare(`add ${n}`, [[n], [n]], (a, b) => loom.add(a, b));
}
for (const rows of [8, 16, 32, 64, 128, 256]) {
  await compare(`sum rows [${rows},1024]`, [[rows, 1024]], (x) => loom.sum(x, 1));
  await compare(`softmax [${rows},1000]`, [[rows, 1000]], (x) => loom.softmax(x));
}
one.dispose();
many.dispose();
