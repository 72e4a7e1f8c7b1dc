// The whole-sequence recurrent kernels on WebGPU (Node, Dawn) beyond the conformance cases: shapes
// that span several workgroup tiles and reduction chunks, compared with the js backend, and the
// dispatch budget (one per step forward, one per step backward, plus a constant).

import * as loom from '@loom/core';
import { compareResults, toleranceFor } from '@loom/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { probeWebGPU, whenWebGPUMissing } from './probe.js';

type Options = loom.RecurrentSequenceOptions;
type Result = { shape: number[]; dtype: loom.DType; values: ArrayLike<number> };

const GATES = { simpleRNN: 1, lstm: 4, gru: 3 } as const;

function values(n: number, seed: number, scale = 1): Float32Array {
  const rng = new loom.SeededRandom(seed);
  return Float32Array.from({ length: n }, () => scale * (2 * rng.uniform() - 1));
}

interface Spec {
  cell: loom.RecurrentCell;
  batch: number;
  steps: number;
  units: number;
  resetAfter?: boolean;
  mask?: boolean;
  activation?: loom.RecurrentActivation;
}

/** Forward outputs and every gradient of one sequence, built from seeded inputs on the active backend. */
function build(l: typeof loom, s: Spec): loom.Tensor[] {
  const G = GATES[s.cell];
  const t = (shape: number[], seed: number, scale = 1) => l.tensor(values(shape.reduce((a, b) => a * b, 1), seed, scale), shape);
  const state = [s.batch, s.units];
  const seq = [s.batch, s.steps, s.units];
  const options: Options = {
    cell: s.cell, resetAfter: s.resetAfter, activation: s.activation,
    initialState: [t(state, 3), ...(s.cell === 'lstm' ? [t(state, 4)] : [])],
    recurrentBias: s.cell === 'gru' && s.resetAfter !== false ? t([G * s.units], 5, 0.5) : undefined,
    recurrentMask: s.mask ? l.tensor(values(s.batch * s.units, 6).map((v) => (v < -0.3 ? 0 : 1.4)), state) : undefined,
  };
  const zx = t([s.batch, s.steps, G * s.units], 1, 2);
  const U = t([s.units, G * s.units], 2, 1 / Math.sqrt(s.units));
  const fwd = l.recurrentSequence(zx, U, options);
  const g = l.recurrentSequenceGrad(t(seq, 7), s.cell === 'lstm' ? t(seq, 8) : undefined, fwd, U, options);
  return [fwd.h, ...(fwd.c ? [fwd.c] : []), g.dInput, g.dRecurrentKernel, g.dInitialH,
    ...(g.dInitialC ? [g.dInitialC] : []), ...(g.dRecurrentBias ? [g.dRecurrentBias] : [])];
}

async function runOn(backend: string, s: Spec): Promise<Result[]> {
  await loom.setBackend(backend);
  const out = loom.tidy(() => build(loom, s));
  const results: Result[] = [];
  for (const x of out) results.push({ shape: [...x.shape], dtype: x.dtype, values: await x.data() });
  loom.dispose(out);
  return results;
}

const probe = await probeWebGPU();

if (probe.backend) {
  const backend = probe.backend;
  beforeAll(() => {
    loom.registerBackend(backend, 3);
  });

  describe('recurrent kernels on shapes spanning several tiles match js', () => {
    // Batch 10: partial batch tiles; 37 units: one unit per invocation, 36: four (vec4 loads, Uᵀ staged);
    // batch 1: the wide tile.
    const specs: Spec[] = [
      { cell: 'simpleRNN', batch: 10, steps: 5, units: 37, mask: true },
      { cell: 'simpleRNN', batch: 10, steps: 5, units: 36, mask: true },
      { cell: 'lstm', batch: 10, steps: 5, units: 37, mask: true },
      { cell: 'lstm', batch: 10, steps: 5, units: 36, mask: true },
      { cell: 'lstm', batch: 1, steps: 4, units: 68 },
      { cell: 'lstm', batch: 3, steps: 3, units: 20, activation: 'relu' },
      { cell: 'gru', batch: 10, steps: 5, units: 37, mask: true },
      { cell: 'gru', batch: 10, steps: 5, units: 36, mask: true },
      { cell: 'gru', batch: 10, steps: 5, units: 37, resetAfter: false, mask: true },
      { cell: 'gru', batch: 10, steps: 5, units: 36, resetAfter: false, mask: true },
      { cell: 'gru', batch: 1, steps: 3, units: 70, resetAfter: false },
    ];
    for (const s of specs) {
      const name = `${s.cell}${s.resetAfter === false ? ' (reset before)' : ''} batch ${s.batch}, ${s.steps} steps, ${s.units} units${s.mask ? ', mask' : ''}`;
      it(name, async () => {
        const expected = await runOn('js', s);
        const actual = await runOn('webgpu', s);
        expect(compareResults(actual, expected, toleranceFor('recurrentSequenceGrad'), name)).toBeUndefined();
      });
    }
  });

  describe('recurrent dispatch budget', () => {
    it('LSTM forward: one dispatch per step; backward: one per step plus a constant', async () => {
      await loom.setBackend('webgpu');
      const [B, T, n] = [4, 50, 16];
      const t = (shape: number[], seed: number) => loom.tensor(values(shape.reduce((a, b) => a * b, 1), seed), shape);
      const zx = t([B, T, 4 * n], 1);
      const U = t([n, 4 * n], 2);
      const options: Options = { cell: 'lstm', initialState: [t([B, n], 3), t([B, n], 4)] };
      const dh = t([B, T, n], 5);
      const dc = t([B, T, n], 6);
      const count = () => backend.memory().dispatches ?? 0;
      const before = count();
      const fwd = loom.recurrentSequence(zx, U, options);
      const forward = count() - before;
      const grads = loom.recurrentSequenceGrad(dh, dc, fwd, U, options);
      const backward = count() - before - forward;
      await grads.dInput.data();
      // The counter counts (at least one dispatch per step either way).
      expect(forward).toBeGreaterThanOrEqual(T);
      expect(forward).toBeLessThanOrEqual(T);
      expect(backward).toBeGreaterThanOrEqual(T);
      expect(backward).toBeLessThanOrEqual(T + 4);
      loom.dispose([zx, U, dh, dc, fwd.h, fwd.c!, fwd.gates!, grads.dInput, grads.dRecurrentKernel, grads.dInitialH,
        grads.dInitialC!, ...(options.initialState as loom.Tensor[])]);
    });
  });
} else {
  whenWebGPUMissing('webgpu recurrent kernels (Node (Dawn))', probe.reason);
}
