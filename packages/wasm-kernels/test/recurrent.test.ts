// The whole-sequence recurrent kernels on shapes larger than the conformance cases: units not a
// multiple of 4 or 8, recurrent GEMMs deeper than one KC block (G·u and 2·u > 256), more batch rows
// than one MC block (> 120), masks and initial states; forward and backward compared with js.

import * as loom from '@loom/core';
import { beforeAll, describe, it } from 'vitest';
import { wasm } from '@loom/wasm-kernels';
import { expectSameAsJs, values } from './helpers.js';

interface Shape {
  cell: loom.RecurrentCell;
  batch: number;
  steps: number;
  units: number;
  resetAfter?: boolean;
  /** Initial states and a recurrent-dropout mask. */
  extras?: boolean;
}

const CASES: Shape[] = [
  { cell: 'lstm', batch: 7, steps: 4, units: 67, extras: true },
  { cell: 'gru', batch: 125, steps: 2, units: 130, resetAfter: false, extras: true },
  { cell: 'gru', batch: 9, steps: 3, units: 33 },
  { cell: 'simpleRNN', batch: 3, steps: 6, units: 260, extras: true },
];

const GATES = { simpleRNN: 1, lstm: 4, gru: 3 };

/** The inputs: zx, U (scaled by 1/√u so gates do not saturate), dh, dc, then h0, c0, rb, mask as the case has them. */
function inputs(s: Shape) {
  const G = GATES[s.cell] * s.units;
  const spec = (shape: number[], seed: number, scale = 1) =>
    ({ shape, data: values(shape.reduce((a, b) => a * b, 1), seed).map((v) => Math.fround(v * scale)) });
  const seq = [s.batch, s.steps, s.units];
  const list = [spec([s.batch, s.steps, G], 1), spec([s.units, G], 2, 1 / Math.sqrt(s.units)), spec(seq, 3), spec(seq, 4)];
  const state = [s.batch, s.units];
  if (s.extras) list.push(spec(state, 5), spec(state, 6));
  if (s.cell === 'gru' && s.resetAfter !== false) list.push(spec([G], 7));
  if (s.extras) list.push({ shape: state, data: values(s.batch * s.units, 8).map((v) => (v < -0.3 ? 0 : 1.4)) });
  return list;
}

function options(s: Shape, xs: loom.Tensor[]): loom.RecurrentSequenceOptions {
  let next = 4;
  const initialState = s.extras ? [xs[next++], ...(s.cell === 'lstm' ? [xs[next]] : [])] : undefined;
  if (s.extras) next++;
  const recurrentBias = s.cell === 'gru' && s.resetAfter !== false ? xs[next++] : undefined;
  const recurrentMask = s.extras ? xs[next++] : undefined;
  return { cell: s.cell, resetAfter: s.resetAfter, initialState, recurrentBias, recurrentMask };
}

describe.each([
  ['relaxed', true],
  ['simd', false],
] as const)('recurrent kernels (%s build)', (label, relaxed) => {
  const name = `wasm-recurrent-${label}`;
  beforeAll(async () => {
    loom.registerBackend(await wasm({ relaxedSimd: relaxed, name }), -1);
  });

  it.each(CASES)('$cell B=$batch T=$steps u=$units resetAfter=$resetAfter extras=$extras', async (s) => {
    await expectSameAsJs(name, inputs(s), (...xs) => {
      const opts = options(s, xs);
      const fwd = loom.recurrentSequence(xs[0], xs[1], opts);
      const g = loom.recurrentSequenceGrad(xs[2], s.cell === 'lstm' ? xs[3] : undefined, fwd, xs[1], opts);
      const out = [fwd.h, ...(fwd.c ? [fwd.c] : []), ...(fwd.gates ? [fwd.gates] : []), g.dInput, g.dRecurrentKernel, g.dInitialH];
      return [...out, ...(g.dInitialC ? [g.dInitialC] : []), ...(g.dRecurrentBias ? [g.dRecurrentBias] : [])];
    }, 1e-4, 1e-4);
  });

  it('a gradient that vanishes over a long sequence (only the last step has one) matches js; what is left is ~0', async () => {
    // Backpropagated 300 steps through small weights, the gradients fall far below float32's normal
    // range; the kernel flushes them (see TINY in recurrent-grad.ts) where js keeps float64 values.
    const [B, T, u] = [2, 300, 8];
    const dh = new Float32Array(B * T * u);
    for (let b = 0; b < B; b++) for (let j = 0; j < u; j++) dh[(b * T + T - 1) * u + j] = 1;
    const spec = (shape: number[], seed: number, scale: number) =>
      ({ shape, data: values(shape.reduce((a, b) => a * b, 1), seed).map((v) => Math.fround(v * scale)) });
    await expectSameAsJs(name, [spec([B, T, 4 * u], 11, 1), spec([u, 4 * u], 12, 0.05), { shape: [B, T, u], data: Array.from(dh) }], (zx, U, d) => {
      const fwd = loom.recurrentSequence(zx, U, { cell: 'lstm' });
      const g = loom.recurrentSequenceGrad(d, undefined, fwd, U, { cell: 'lstm' });
      loom.dispose(fwd);
      return [g.dInput, g.dRecurrentKernel, g.dInitialH, g.dInitialC!];
    }, 1e-4, 1e-6);
  });
});
