// Conformance cases of the whole-sequence recurrent ops. The oracle is each cell written step by step
// in TensorFlow.js ops (Keras formulas); for the backward op, tf.grads of that composition weighted
// by the incoming gradients. Edge cases: T = 1, batch 1, units not a multiple of 4, both GRU modes,
// initial states, the recurrent-dropout mask, every kernel activation.

import type { RecurrentActivation, RecurrentCell } from '../backend/op-attrs.js';
import { dispose } from '../engine/index.js';
import type { RecurrentSequenceOptions } from '../ops/recurrent.js';
import type { Tensor } from '../tensor.js';
import { gen } from './data.js';
import type { ConformanceCase, InputData, TfLike } from './types.js';

interface Spec {
  name: string;
  cell: RecurrentCell;
  batch: number;
  steps: number;
  units: number;
  activation?: RecurrentActivation;
  recurrentActivation?: RecurrentActivation;
  resetAfter?: boolean;
  /** Pass initial states (else zeros). */
  initial?: boolean;
  /** Pass a recurrent-dropout mask. */
  mask?: boolean;
  /** Smooth activations only: also a gradient case. */
  grad?: boolean;
}

const GATES: Record<RecurrentCell, number> = { simpleRNN: 1, lstm: 4, gru: 3 };

/** The optional inputs after zx and U, in the order the cases list them. */
interface Layout {
  inputs: InputData[];
  h0?: number;
  c0?: number;
  rb?: number;
  mask?: number;
}

function layout(s: Spec): Layout {
  const G = GATES[s.cell];
  const inputs = [gen([s.batch, s.steps, G * s.units], 'unit'), gen([s.units, G * s.units], 'unit')];
  const at = (d: InputData): number => inputs.push(d) - 1;
  const l: Layout = { inputs };
  if (s.initial) {
    l.h0 = at(gen([s.batch, s.units], 'unit'));
    if (s.cell === 'lstm') l.c0 = at(gen([s.batch, s.units], 'unit'));
  }
  if (s.cell === 'gru' && s.resetAfter !== false) l.rb = at(gen([G * s.units], 'unit'));
  if (s.mask) {
    const m = gen([s.batch, s.units], 'unit');
    l.mask = at({ ...m, values: m.values.map((v) => (v < -0.3 ? 0 : 1.4)) });
  }
  return l;
}

function options(s: Spec, l: Layout, xs: Tensor[]): RecurrentSequenceOptions {
  return {
    cell: s.cell, activation: s.activation, recurrentActivation: s.recurrentActivation, resetAfter: s.resetAfter,
    initialState: l.h0 === undefined ? undefined : [xs[l.h0], ...(l.c0 === undefined ? [] : [xs[l.c0]])],
    recurrentBias: l.rb === undefined ? undefined : xs[l.rb],
    recurrentMask: l.mask === undefined ? undefined : xs[l.mask],
  };
}

function tfActivation(tf: TfLike, a: RecurrentActivation): (x: TfLike) => TfLike {
  switch (a) {
    case 'tanh': return (x) => tf.tanh(x);
    case 'sigmoid': return (x) => tf.sigmoid(x);
    case 'relu': return (x) => tf.relu(x);
    case 'linear': return (x) => x;
    case 'hardSigmoid': return (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1);
  }
}

/** The cell in TF.js ops, step by step: every h (and lstm's c) as [batch, steps, units]. */
function tfSequence(tf: TfLike, s: Spec, zx: TfLike, U: TfLike, h0: TfLike, c0: TfLike, rb: TfLike, mask: TfLike): TfLike[] {
  const u = s.units;
  const act = tfActivation(tf, s.activation ?? 'tanh');
  const gate = tfActivation(tf, s.recurrentActivation ?? 'sigmoid');
  let h = h0;
  let c = c0;
  const hs: TfLike[] = [];
  const cs: TfLike[] = [];
  const cols = (t: TfLike, q: number, n = 1): TfLike => tf.slice(t, [0, q * u], [-1, n * u]);
  for (let t = 0; t < s.steps; t++) {
    const x = tf.reshape(tf.slice(zx, [0, t, 0], [-1, 1, -1]), [s.batch, -1]);
    const hIn = mask ? tf.mul(h, mask) : h;
    if (s.cell === 'simpleRNN') {
      h = act(tf.add(x, tf.matMul(hIn, U)));
    } else if (s.cell === 'lstm') {
      const z = tf.add(x, tf.matMul(hIn, U));
      c = tf.add(tf.mul(gate(cols(z, 1)), c), tf.mul(gate(cols(z, 0)), act(cols(z, 2))));
      h = tf.mul(gate(cols(z, 3)), act(c));
      cs.push(c);
    } else if (s.resetAfter !== false) {
      const inner = tf.add(tf.matMul(hIn, U), rb);
      const z = gate(tf.add(cols(x, 0), cols(inner, 0)));
      const r = gate(tf.add(cols(x, 1), cols(inner, 1)));
      const hh = act(tf.add(cols(x, 2), tf.mul(r, cols(inner, 2))));
      h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
    } else {
      const zr = tf.matMul(hIn, cols(U, 0, 2));
      const z = gate(tf.add(cols(x, 0), cols(zr, 0)));
      const r = gate(tf.add(cols(x, 1), cols(zr, 1)));
      const hh = act(tf.add(cols(x, 2), tf.matMul(tf.mul(r, hIn), cols(U, 2))));
      h = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), hh));
    }
    hs.push(h);
  }
  return s.cell === 'lstm' ? [tf.stack(hs, 1), tf.stack(cs, 1)] : [tf.stack(hs, 1)];
}

/** The tf operands of a case: zx, U, h0, c0, rb, mask (zeros where the case passes none). */
function tfOperands(tf: TfLike, s: Spec, l: Layout, xs: TfLike[]): TfLike[] {
  const zerosState = (): TfLike => tf.zeros([s.batch, s.units]);
  return [
    xs[0], xs[1], l.h0 === undefined ? zerosState() : xs[l.h0], l.c0 === undefined ? zerosState() : xs[l.c0],
    l.rb === undefined ? tf.zeros([GATES[s.cell] * s.units]) : xs[l.rb], l.mask === undefined ? undefined : xs[l.mask],
  ];
}

function forwardCase(s: Spec): ConformanceCase {
  const l = layout(s);
  return {
    kind: 'op', name: `recurrentSequence/${s.name}`, op: 'recurrentSequence', inputs: l.inputs,
    // Compared: h (and lstm's c); the gate values are checked through the backward op.
    run: (loom, xs) => {
      const r = loom.recurrentSequence(xs[0], xs[1], options(s, l, xs));
      r.gates?.dispose();
      return r.c ? [r.h, r.c] : [r.h];
    },
    tf: (tf, xs) => {
      const [zx, U, h0, c0, rb, mask] = tfOperands(tf, s, l, xs);
      return tfSequence(tf, s, zx, U, h0, c0, rb, mask);
    },
    // The mask is a constant (recurrent dropout): the ops give it no gradient, so it is not differentiated.
    grad: s.grad ? { inputs: l.inputs.flatMap((_, i) => (i === l.mask ? [] : [i])) } : undefined,
  };
}

function backwardCase(s: Spec): ConformanceCase {
  const l = layout(s);
  const seq = [s.batch, s.steps, s.units];
  const lstm = s.cell === 'lstm';
  const dh = l.inputs.push(gen(seq, 'unit')) - 1;
  const dc = lstm ? l.inputs.push(gen(seq, 'unit')) - 1 : -1;
  return {
    kind: 'op', name: `recurrentSequenceGrad/${s.name}`, op: 'recurrentSequenceGrad', inputs: l.inputs,
    run: (loom, xs) => {
      const opts = options(s, l, xs);
      const fwd = loom.recurrentSequence(xs[0], xs[1], opts);
      const g = loom.recurrentSequenceGrad(xs[dh], lstm ? xs[dc] : undefined, fwd, xs[1], opts);
      dispose(fwd);
      return [g.dInput, g.dRecurrentKernel, g.dInitialH, ...(g.dInitialC ? [g.dInitialC] : []), ...(g.dRecurrentBias ? [g.dRecurrentBias] : [])];
    },
    tf: (tf, xs) => {
      const [zx, U, h0, c0, rb, mask] = tfOperands(tf, s, l, xs);
      const wrt = lstm ? [zx, U, h0, c0] : l.rb !== undefined ? [zx, U, h0, rb] : [zx, U, h0];
      const f = (...args: TfLike[]): TfLike => {
        const [a, b, c, d] = args;
        const ys = tfSequence(tf, s, a, b, c, lstm ? d : c0, l.rb !== undefined ? d : rb, mask);
        const loss = tf.sum(tf.mul(ys[0], xs[dh]));
        return lstm ? tf.add(loss, tf.sum(tf.mul(ys[1], xs[dc]))) : loss;
      };
      return tf.grads(f)(wrt);
    },
  };
}

const SPECS: Spec[] = [
  { name: 'rnn', cell: 'simpleRNN', batch: 2, steps: 5, units: 3, grad: true },
  { name: 'rnn-relu-initial', cell: 'simpleRNN', batch: 3, steps: 3, units: 2, activation: 'relu', initial: true },
  { name: 'rnn-linear-mask', cell: 'simpleRNN', batch: 2, steps: 4, units: 3, activation: 'linear', mask: true, grad: true },
  { name: 'rnn-t1-b1', cell: 'simpleRNN', batch: 1, steps: 1, units: 5, initial: true, grad: true },
  { name: 'lstm', cell: 'lstm', batch: 2, steps: 4, units: 5, grad: true },
  { name: 'lstm-initial', cell: 'lstm', batch: 2, steps: 3, units: 4, initial: true, grad: true },
  { name: 'lstm-hard-sigmoid', cell: 'lstm', batch: 3, steps: 4, units: 3, recurrentActivation: 'hardSigmoid' },
  { name: 'lstm-mask', cell: 'lstm', batch: 2, steps: 3, units: 3, mask: true, initial: true, grad: true },
  { name: 'lstm-t1-b1-u1', cell: 'lstm', batch: 1, steps: 1, units: 1, initial: true, grad: true },
  { name: 'lstm-relu-long', cell: 'lstm', batch: 2, steps: 12, units: 6, activation: 'relu' },
  { name: 'gru', cell: 'gru', batch: 2, steps: 4, units: 5, grad: true },
  { name: 'gru-reset-before', cell: 'gru', batch: 2, steps: 4, units: 3, resetAfter: false, grad: true },
  { name: 'gru-initial-mask', cell: 'gru', batch: 3, steps: 3, units: 3, initial: true, mask: true, grad: true },
  { name: 'gru-reset-before-mask', cell: 'gru', batch: 2, steps: 3, units: 2, resetAfter: false, initial: true, mask: true, grad: true },
  { name: 'gru-hard-sigmoid-t1', cell: 'gru', batch: 1, steps: 1, units: 4, recurrentActivation: 'hardSigmoid' },
  { name: 'gru-linear', cell: 'gru', batch: 2, steps: 5, units: 2, activation: 'linear', grad: true },
];

export const RECURRENT_CASES: readonly ConformanceCase[] = [...SPECS.map(forwardCase), ...SPECS.map(backwardCase)];
