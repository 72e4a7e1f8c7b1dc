// Whole-sequence recurrent ops: simpleRNN, LSTM and GRU over all time steps in one backend call, and
// the matching backpropagation through time. nn's recurrent layers run on these; the input
// projection x·W + b is computed before (one matmul for every step), as the layers always did.

import {
  RECURRENT_ACTIVATIONS, RECURRENT_CELLS, type RecurrentActivation, type RecurrentAttrs, type RecurrentCell,
} from '../backend/op-attrs.js';
import { RECURRENT_GATES, recurrentGradSlots, recurrentSlots } from '../backend/recurrent.js';
import { runOp } from '../engine/index.js';
import { fmt, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertBool, convert, describe, scoped, type TensorLike } from './convert.js';
import { zeros } from './creation.js';

/** Options of `recurrentSequence` and `recurrentSequenceGrad`. */
export interface RecurrentSequenceOptions {
  cell: RecurrentCell;
  /** Candidate / output activation (default 'tanh'). */
  activation?: RecurrentActivation;
  /** Gate activation of lstm and gru (default 'sigmoid'). */
  recurrentActivation?: RecurrentActivation;
  /** gru: apply the reset gate after the recurrent matmul (default true, as Keras 2+). */
  resetAfter?: boolean;
  /** [h0] or, for lstm, [h0, c0], each [batch, units] (default zeros). */
  initialState?: TensorLike[];
  /** gru with resetAfter: the recurrent bias b_r [3·units] added to h·U (default zeros). */
  recurrentBias?: TensorLike;
  /** [batch, units], multiplies h before every recurrent matmul (recurrent dropout); a constant: no gradient flows to it. */
  recurrentMask?: TensorLike;
}

/** What `recurrentSequence` returns. */
export interface RecurrentSequence {
  /** Every step's h: [batch, steps, units]. */
  h: Tensor;
  /** lstm: every step's c, [batch, steps, units]. */
  c?: Tensor;
  /** lstm and gru: the gate values `recurrentSequenceGrad` reads (layout in @loom/core/backend's recurrent.ts). */
  gates?: Tensor;
}

/** What `recurrentSequenceGrad` returns. */
export interface RecurrentSequenceGrad {
  /** Gradient of the input projection zx. */
  dInput: Tensor;
  dRecurrentKernel: Tensor;
  dInitialH: Tensor;
  /** lstm. */
  dInitialC?: Tensor;
  /** gru with resetAfter. */
  dRecurrentBias?: Tensor;
}

interface Checked {
  attrs: RecurrentAttrs;
  U: Tensor;
  batch: number;
  steps: number;
  units: number;
  h0: Tensor;
  c0?: Tensor;
  rb?: Tensor;
  mask?: Tensor;
}

function floatArg(op: string, name: string, x: TensorLike, shape: readonly number[]): Tensor {
  const t = convert(op, name, x);
  if (t.dtype !== 'float32' || !shapesEqual(t.shape, shape)) {
    throw new Error(`${op}: ${name} must be ${fmt(shape)} float32, got ${describe(t)}`);
  }
  return t;
}

function pick<T extends string>(op: string, name: string, value: unknown, valid: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!valid.includes(value as T)) {
    throw new Error(`${op}: ${name} must be one of ${valid.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Validates the options and the operands shared by the forward and backward ops. */
function check(op: string, inputShape: readonly number[], recurrentKernel: TensorLike, options: RecurrentSequenceOptions): Checked {
  if (typeof options !== 'object' || options === null) throw new Error(`${op}: options { cell, ... } are required`);
  const cell = pick(op, 'cell', options.cell ?? null, RECURRENT_CELLS, 'lstm');
  const activation = pick(op, 'activation', options.activation, RECURRENT_ACTIVATIONS, 'tanh');
  const recurrentActivation = pick(op, 'recurrentActivation', options.recurrentActivation, RECURRENT_ACTIVATIONS, 'sigmoid');
  const resetAfter = options.resetAfter ?? true;
  assertBool(op, 'resetAfter', resetAfter);
  const U = convert(op, 'recurrentKernel', recurrentKernel);
  const G = RECURRENT_GATES[cell];
  if (U.dtype !== 'float32' || U.rank !== 2 || U.shape[1] !== G * U.shape[0] || U.shape[0] === 0) {
    throw new Error(`${op}: recurrentKernel must be [units, ${G}·units] float32 for ${cell}, got ${describe(U)}`);
  }
  const units = U.shape[0];
  if (inputShape.length !== 3 || inputShape[2] !== G * units) {
    throw new Error(`${op}: the input projection must be [batch, steps, ${G * units}] for ${cell} with ${units} units, got ${fmt(inputShape)}`);
  }
  const [batch, steps] = inputShape;
  if (steps === 0) throw new Error(`${op}: the sequence has 0 steps; valid: at least 1`);
  const states = cell === 'lstm' ? 2 : 1;
  const initial = options.initialState;
  if (initial !== undefined && (!Array.isArray(initial) || initial.length !== states)) {
    throw new Error(`${op}: initialState must be ${states === 2 ? '[h0, c0]' : '[h0]'} for ${cell}, got ${Array.isArray(initial) ? `${initial.length} tensors` : JSON.stringify(initial)}`);
  }
  const stateShape = [batch, units];
  const h0 = initial ? floatArg(op, 'initialState[0]', initial[0], stateShape) : zeros(stateShape);
  const c0 = cell !== 'lstm' ? undefined : initial ? floatArg(op, 'initialState[1]', initial[1], stateShape) : zeros(stateShape);
  const hasRb = cell === 'gru' && resetAfter;
  if (options.recurrentBias !== undefined && !hasRb) throw new Error(`${op}: recurrentBias applies to gru with resetAfter only`);
  // Validated here; the forward op fills a missing one with zeros (the backward kernel does not read it).
  const rb = options.recurrentBias === undefined ? undefined : floatArg(op, 'recurrentBias', options.recurrentBias, [G * units]);
  const mask = options.recurrentMask === undefined ? undefined : floatArg(op, 'recurrentMask', options.recurrentMask, stateShape);
  const attrs: RecurrentAttrs = { cell, activation, recurrentActivation, resetAfter: cell === 'gru' && resetAfter, hasMask: !!mask };
  return { attrs, U, batch, steps, units, h0, c0, rb, mask };
}

/**
 * Runs a simpleRNN, LSTM or GRU over every step of `input` (the projection x·W + b, [batch, steps,
 * G·units], G = 1, 4, 3) with recurrent kernel U [units, G·units], in one kernel. Keras gate order
 * and formulas (lstm i, f, c, o; gru z, r, h). Returns every h, lstm's c, and the gate values the
 * backward op reads.
 */
export function recurrentSequence(input: TensorLike, recurrentKernel: TensorLike, options: RecurrentSequenceOptions): RecurrentSequence {
  return scoped(() => {
    const op = 'recurrentSequence';
    const zx = convert(op, 'input', input);
    if (zx.dtype !== 'float32') throw new Error(`${op}: input must be float32, got ${describe(zx)}`);
    const k = check(op, zx.shape, recurrentKernel, options);
    const slots = recurrentSlots(k.attrs);
    const inputs = [zx, k.U, k.h0];
    if (k.c0) inputs.push(k.c0);
    if (slots.rb >= 0) inputs.push(k.rb ?? zeros([RECURRENT_GATES[k.attrs.cell] * k.units]));
    if (k.mask) inputs.push(k.mask);
    const seq = [k.batch, k.steps, k.units];
    const outs = [{ shape: seq, dtype: 'float32' as const }];
    if (slots.c >= 0) outs.push({ shape: seq, dtype: 'float32' });
    if (slots.work >= 0) outs.push({ shape: [k.batch, k.steps, slots.workWidth(k.units)], dtype: 'float32' });
    const ys = runOp('recurrent', inputs, k.attrs, outs);
    const result: Record<string, Tensor> = { h: ys[0] };
    if (slots.c >= 0) result.c = ys[slots.c];
    if (slots.work >= 0) result.gates = ys[slots.work];
    return result;
  }) as unknown as RecurrentSequence;
}

/**
 * Backpropagation through the whole sequence of `recurrentSequence`, in one kernel: given the
 * gradients of every h (`dh`, [batch, steps, units]) and, for lstm, of every c (`dc`, or undefined
 * for none), the forward results and the same recurrent kernel and options, returns the gradients
 * of the input projection, the recurrent kernel, the initial states and (gru resetAfter) b_r.
 */
export function recurrentSequenceGrad(
  dh: TensorLike, dc: TensorLike | undefined, forward: RecurrentSequence, recurrentKernel: TensorLike,
  options: RecurrentSequenceOptions,
): RecurrentSequenceGrad {
  return scoped(() => {
    const op = 'recurrentSequenceGrad';
    if (typeof forward !== 'object' || forward === null || forward.h === undefined) {
      throw new Error(`${op}: forward must be what recurrentSequence returned ({ h, c?, gates? })`);
    }
    const h = convert(op, 'forward.h', forward.h);
    const U = convert(op, 'recurrentKernel', recurrentKernel);
    const G = U.rank === 2 && U.shape[0] > 0 ? U.shape[1] / U.shape[0] : NaN;
    const k = check(op, h.rank === 3 ? [h.shape[0], h.shape[1], G * h.shape[2]] : h.shape, U, options);
    const s = recurrentGradSlots(k.attrs);
    const seq = [k.batch, k.steps, k.units];
    const inputs: Tensor[] = [floatArg(op, 'dh', dh, seq)];
    if (s.dc >= 0) inputs.push(dc === undefined ? zeros(seq) : floatArg(op, 'dc', dc, seq));
    else if (dc !== undefined) throw new Error(`${op}: dc applies to lstm only`);
    inputs.push(k.U, k.h0);
    if (k.c0) inputs.push(k.c0);
    inputs.push(floatArg(op, 'forward.h', h, seq));
    if (s.c >= 0) {
      if (forward.c === undefined) throw new Error(`${op}: forward.c is required for lstm`);
      inputs.push(floatArg(op, 'forward.c', forward.c, seq));
    }
    if (s.work >= 0) {
      if (forward.gates === undefined) throw new Error(`${op}: forward.gates is required for ${k.attrs.cell}`);
      inputs.push(floatArg(op, 'forward.gates', forward.gates, [k.batch, k.steps, recurrentSlots(k.attrs).workWidth(k.units)]));
    }
    if (k.mask) inputs.push(k.mask);
    const G3 = RECURRENT_GATES[k.attrs.cell] * k.units;
    const f32 = 'float32' as const;
    const outs = [
      { shape: [k.batch, k.steps, G3], dtype: f32 }, { shape: [k.units, G3], dtype: f32 }, { shape: [k.batch, k.units], dtype: f32 },
    ];
    if (s.dc0 >= 0) outs.push({ shape: [k.batch, k.units], dtype: f32 });
    if (s.drb >= 0) outs.push({ shape: [G3], dtype: f32 });
    const ys = runOp('recurrentGrad', inputs, k.attrs, outs);
    const result: Record<string, Tensor> = { dInput: ys[0], dRecurrentKernel: ys[1], dInitialH: ys[2] };
    if (s.dc0 >= 0) result.dInitialC = ys[s.dc0];
    if (s.drb >= 0) result.dRecurrentBias = ys[s.drb];
    return result;
  }) as unknown as RecurrentSequenceGrad;
}
