// Reference kernels of the whole-sequence recurrent ops: the time loop written out step by step,
// float64 within a step. The slot lists are in backend/recurrent.ts; every other backend is tested
// against these, and these against the composed TF.js cells and finite differences.

import type { RecurrentActivation } from '../backend/op-attrs.js';
import { recurrentGradSlots, recurrentSlots } from '../backend/recurrent.js';
import { sigmoid } from './math.js';
import type { RefKernel, RefTensor } from './types.js';

const ACTIVATE: Record<RecurrentActivation, (x: number) => number> = {
  tanh: Math.tanh,
  sigmoid,
  hardSigmoid: (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5)),
  relu: (x) => (x > 0 ? x : 0),
  linear: (x) => x,
};

/** Each activation's derivative, written as a function of its output y (all five allow it). */
const SLOPE_FROM_OUTPUT: Record<RecurrentActivation, (y: number) => number> = {
  tanh: (y) => 1 - y * y,
  sigmoid: (y) => y * (1 - y),
  hardSigmoid: (y) => (y > 0 && y < 1 ? 0.2 : 0),
  relu: (y) => (y > 0 ? 1 : 0),
  linear: () => 1,
};

/** The sizes every recurrent kernel works with. */
function dims(zxOrDzx: RefTensor, u: RefTensor): { B: number; T: number; n: number; G: number } {
  const [B, T] = zxOrDzx.shape;
  const n = u.shape[0];
  return { B, T, n, G: u.shape[1] };
}

/** out[j] = Σ_k v[k]·U[k, col0 + j] for j < width (a row vector times a block of U's columns). */
function rowTimes(v: ArrayLike<number>, U: ArrayLike<number>, G: number, col0: number, width: number): Float64Array {
  const out = new Float64Array(width);
  for (let k = 0; k < v.length; k++) {
    const vk = v[k];
    if (vk === 0) continue;
    const row = k * G + col0;
    for (let j = 0; j < width; j++) out[j] += vk * U[row + j];
  }
  return out;
}

export const recurrentKernel: RefKernel<'recurrent'> = (inputs, outputs, attrs) => {
  const slots = recurrentSlots(attrs);
  const [zx, U] = inputs;
  const { B, T, n, G } = dims(zx, U);
  const act = ACTIVATE[attrs.activation];
  const gate = ACTIVATE[attrs.recurrentActivation];
  const mask = slots.mask >= 0 ? inputs[slots.mask].values : undefined;
  const rb = slots.rb >= 0 ? inputs[slots.rb].values : undefined;
  const hs = outputs[0].values;
  const cs = slots.c >= 0 ? outputs[slots.c].values : undefined;
  const work = slots.work >= 0 ? outputs[slots.work].values : undefined;
  const W = slots.workWidth(n);
  for (let b = 0; b < B; b++) {
    let h = Float64Array.from(inputs[2].values.subarray(b * n, (b + 1) * n));
    let c = slots.c0 >= 0 ? Float64Array.from(inputs[slots.c0].values.subarray(b * n, (b + 1) * n)) : undefined;
    for (let t = 0; t < T; t++) {
      const zRow = (b * T + t) * G;
      const out = (b * T + t) * n;
      const wRow = (b * T + t) * W;
      const hIn = mask ? h.map((v, j) => v * mask[b * n + j]) : h;
      const next = new Float64Array(n);
      if (attrs.cell === 'simpleRNN') {
        const rec = rowTimes(hIn, U.values, G, 0, n);
        for (let j = 0; j < n; j++) next[j] = act(zx.values[zRow + j] + rec[j]);
      } else if (attrs.cell === 'lstm') {
        const rec = rowTimes(hIn, U.values, G, 0, G);
        const cNext = new Float64Array(n);
        for (let j = 0; j < n; j++) {
          const i = gate(zx.values[zRow + j] + rec[j]);
          const f = gate(zx.values[zRow + n + j] + rec[n + j]);
          const g = act(zx.values[zRow + 2 * n + j] + rec[2 * n + j]);
          const o = gate(zx.values[zRow + 3 * n + j] + rec[3 * n + j]);
          cNext[j] = f * c![j] + i * g;
          next[j] = o * act(cNext[j]);
          work![wRow + j] = i;
          work![wRow + n + j] = f;
          work![wRow + 2 * n + j] = g;
          work![wRow + 3 * n + j] = o;
        }
        c = cNext;
        cs!.set(c, out);
      } else {
        // gru: z and r read h·U (plus b_r with resetAfter); the candidate reads r⊙(h·U_h + b_rh)
        // with resetAfter, or (r⊙h)·U_h without.
        const rec = rowTimes(hIn, U.values, G, 0, attrs.resetAfter ? G : 2 * n);
        if (rb) for (let j = 0; j < G; j++) rec[j] += rb[j];
        const z = new Float64Array(n);
        const r = new Float64Array(n);
        for (let j = 0; j < n; j++) {
          z[j] = gate(zx.values[zRow + j] + rec[j]);
          r[j] = gate(zx.values[zRow + n + j] + rec[n + j]);
        }
        const cand = attrs.resetAfter
          ? rec.subarray(2 * n).map((v, j) => r[j] * v)
          : rowTimes(hIn.map((v, j) => v * r[j]), U.values, G, 2 * n, n);
        for (let j = 0; j < n; j++) {
          const hh = act(zx.values[zRow + 2 * n + j] + cand[j]);
          next[j] = z[j] * h[j] + (1 - z[j]) * hh;
          work![wRow + j] = z[j];
          work![wRow + n + j] = r[j];
          work![wRow + 2 * n + j] = hh;
          if (attrs.resetAfter) work![wRow + 3 * n + j] = rec[2 * n + j];
        }
      }
      h = next;
      hs.set(h, out);
    }
  }
};

export const recurrentGradKernel: RefKernel<'recurrentGrad'> = (inputs, outputs, attrs) => {
  const s = recurrentGradSlots(attrs);
  const U = inputs[s.U];
  const [dzxOut, dUOut, dh0Out] = outputs;
  const { B, T, n, G } = dims(dzxOut, U);
  const Uv = U.values;
  const slopeAct = SLOPE_FROM_OUTPUT[attrs.activation];
  const slopeGate = SLOPE_FROM_OUTPUT[attrs.recurrentActivation];
  const act = ACTIVATE[attrs.activation];
  const dh = inputs[s.dh].values;
  const dcIn = s.dc >= 0 ? inputs[s.dc].values : undefined;
  const hs = inputs[s.h].values;
  const cs = s.c >= 0 ? inputs[s.c].values : undefined;
  const work = s.work >= 0 ? inputs[s.work].values : undefined;
  const mask = s.mask >= 0 ? inputs[s.mask].values : undefined;
  const W = recurrentSlots(attrs).workWidth(n);
  const dU = new Float64Array(n * G);
  const drb = new Float64Array(G);
  /** dU[:, col0 : col0 + width] += vᵀ·d (an outer product). */
  const addOuter = (v: ArrayLike<number>, d: ArrayLike<number>, col0: number, width: number): void => {
    for (let k = 0; k < n; k++) {
      const vk = v[k];
      if (vk === 0) continue;
      for (let j = 0; j < width; j++) dU[k * G + col0 + j] += vk * d[j];
    }
  };
  /** out[k] = Σ_j d[j]·U[k, col0 + j] (d times the transpose of a block of U's columns). */
  const timesUT = (d: ArrayLike<number>, col0: number, width: number): Float64Array => {
    const out = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      let acc = 0;
      for (let j = 0; j < width; j++) acc += d[j] * Uv[k * G + col0 + j];
      out[k] = acc;
    }
    return out;
  };
  for (let b = 0; b < B; b++) {
    let dhNext: Float64Array = new Float64Array(n);
    const dcNext = new Float64Array(n);
    const state = (values: ArrayLike<number>, initial: RefTensor, t: number): Float64Array =>
      t < 0
        ? Float64Array.from(initial.values.subarray(b * n, (b + 1) * n))
        : Float64Array.from({ length: n }, (_, j) => values[(b * T + t) * n + j]);
    for (let t = T - 1; t >= 0; t--) {
      const row = (b * T + t) * n;
      const zRow = (b * T + t) * G;
      const wRow = (b * T + t) * W;
      const hPrev = state(hs, inputs[s.h0], t - 1);
      const hIn = mask ? hPrev.map((v, j) => v * mask[b * n + j]) : hPrev;
      const dht = Float64Array.from({ length: n }, (_, j) => dh[row + j] + dhNext[j]);
      const dz = new Float64Array(G);
      let dhPrev: Float64Array;
      if (attrs.cell === 'simpleRNN') {
        for (let j = 0; j < n; j++) dz[j] = dht[j] * slopeAct(hs[row + j]);
        addOuter(hIn, dz, 0, G);
        dhPrev = timesUT(dz, 0, G);
      } else if (attrs.cell === 'lstm') {
        const cPrev = state(cs!, inputs[s.c0], t - 1);
        for (let j = 0; j < n; j++) {
          const [i, f, g, o] = [0, 1, 2, 3].map((q) => work![wRow + q * n + j]);
          const ac = act(cs![row + j]);
          const dc = dht[j] * o * slopeAct(ac) + dcIn![row + j] + dcNext[j];
          dz[j] = dc * g * slopeGate(i);
          dz[n + j] = dc * cPrev[j] * slopeGate(f);
          dz[2 * n + j] = dc * i * slopeAct(g);
          dz[3 * n + j] = dht[j] * ac * slopeGate(o);
          dcNext[j] = dc * f;
        }
        addOuter(hIn, dz, 0, G);
        dhPrev = timesUT(dz, 0, G);
      } else {
        const direct = new Float64Array(n);
        const dCand = new Float64Array(n);
        for (let j = 0; j < n; j++) {
          const z = work![wRow + j];
          const hh = work![wRow + 2 * n + j];
          direct[j] = dht[j] * z;
          dz[j] = dht[j] * (hPrev[j] - hh) * slopeGate(z);
          dCand[j] = dht[j] * (1 - z) * slopeAct(hh);
          dz[2 * n + j] = dCand[j];
        }
        if (attrs.resetAfter) {
          // The recurrent pre-activations: z and r as in dz, the candidate's inner part times r.
          const dInner = Float64Array.from(dz);
          for (let j = 0; j < n; j++) {
            const r = work![wRow + n + j];
            dz[n + j] = dCand[j] * work![wRow + 3 * n + j] * slopeGate(r);
            dInner[n + j] = dz[n + j];
            dInner[2 * n + j] = dCand[j] * r;
          }
          for (let j = 0; j < G; j++) drb[j] += dInner[j];
          addOuter(hIn, dInner, 0, G);
          dhPrev = timesUT(dInner, 0, G);
        } else {
          const dRh = timesUT(dCand, 2 * n, n);
          const rh = new Float64Array(n);
          const viaCand = new Float64Array(n);
          for (let j = 0; j < n; j++) {
            const r = work![wRow + n + j];
            dz[n + j] = dRh[j] * hIn[j] * slopeGate(r);
            rh[j] = r * hIn[j];
            viaCand[j] = dRh[j] * r;
          }
          addOuter(hIn, dz, 0, 2 * n);
          addOuter(rh, dCand, 2 * n, n);
          dhPrev = timesUT(dz, 0, 2 * n).map((v, j) => v + viaCand[j]);
        }
        if (mask) dhPrev = dhPrev.map((v, j) => v * mask[b * n + j]);
        dhNext = dhPrev.map((v, j) => v + direct[j]);
        dzxOut.values.set(dz, zRow);
        continue;
      }
      if (mask) dhPrev = dhPrev.map((v, j) => v * mask[b * n + j]);
      dhNext = dhPrev;
      dzxOut.values.set(dz, zRow);
    }
    dh0Out.values.set(dhNext, b * n);
    if (s.dc0 >= 0) outputs[s.dc0].values.set(dcNext, b * n);
  }
  dUOut.values.set(dU);
  if (s.drb >= 0) outputs[s.drb].values.set(drb);
};
