// Private tuning aid (not the project benchmarks): the whole-sequence recurrent ops, forward
// (recurrentSequence) and backward (recurrentSequenceGrad), on both wasm builds and on the js
// reference, best of rounds, one thread. Default: lstm B=32, T=50, u=64 (zx [32,50,256]).
// Run: node --experimental-wasm-relaxed-simd --import tsx scripts/bench-recurrent.ts [cell] [B T u]

import * as loom from '@loom/core';
import { wasm } from '../src/index.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const cell = (args[0] ?? 'lstm') as loom.RecurrentCell;
const [B, T, u] = args.length >= 4 ? args.slice(1, 4).map(Number) : [32, 50, 64];
const G = { simpleRNN: 1, lstm: 4, gru: 3 }[cell];

loom.registerBackend(await wasm({ name: 'wasm' }), -1);
loom.registerBackend(await wasm({ relaxedSimd: false, name: 'wasm-simd' }), -1);

const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + seed) * 0.5);
const opts: loom.RecurrentSequenceOptions = { cell };

/** Best time in ms of `f` over `rounds` runs, after one warm-up; f reads its results back. */
function best(rounds: number, f: () => void): number {
  f();
  let min = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    f();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

const flops = 2 * T * B * u * G * u;
console.log(`${cell} B=${B} T=${T} u=${u}: recurrent matmul ${(flops / 1e6).toFixed(1)} MFLOP forward, ~2x backward`);
for (const name of (process.env.BACKENDS ?? 'wasm,wasm-simd,js').split(',')) {
  await loom.setBackend(name);
  const zx = loom.tensor(rand(B * T * G * u, 1), [B, T, G * u]);
  const U = loom.tensor(rand(u * G * u, 2), [u, G * u]);
  const dh = loom.tensor(rand(B * T * u, 3), [B, T, u]);
  const rounds = name === 'js' ? 3 : 30;
  const fwd = best(rounds, () => {
    const r = loom.recurrentSequence(zx, U, opts);
    r.h.dataSync();
    loom.dispose(r);
  });
  const seq = loom.recurrentSequence(zx, U, opts);
  const bwd = best(rounds, () => {
    const g = loom.recurrentSequenceGrad(dh, undefined, seq, U, opts);
    g.dRecurrentKernel.dataSync();
    loom.dispose(g);
  });
  console.log(`${name.padEnd(9)} forward ${fwd.toFixed(2).padStart(8)} ms (${(flops / fwd / 1e6).toFixed(1)} GFLOP/s)` +
    `   backward ${bwd.toFixed(2).padStart(8)} ms`);
  loom.dispose([zx, U, dh, seq]);
}
