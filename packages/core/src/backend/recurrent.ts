// The input and output lists of the whole-sequence recurrent ops, for every cell, in one place: the
// op (ops/recurrent.ts), every backend's kernel and the gradient rule index them through this.
//
// Shapes (B batch, T steps, u units, G gates: simpleRNN 1, lstm 4, gru 3):
//   recurrent      inputs  zx [B,T,G·u], U [u,G·u], h0 [B,u], c0 [B,u] (lstm), rb [G·u] (gru resetAfter),
//                          mask [B,u] (hasMask)
//                  outputs h [B,T,u] (every step), c [B,T,u] (lstm), work [B,T,W] (lstm, gru)
//   recurrentGrad  inputs  dh [B,T,u], dc [B,T,u] (lstm), U, h0, c0 (lstm), h, c (lstm), work (lstm, gru),
//                          mask (hasMask)
//                  outputs dzx [B,T,G·u], dU [u,G·u], dh0 [B,u], dc0 [B,u] (lstm), drb [G·u] (gru resetAfter)
// work holds the gates after their activations: lstm i, f, g, o (W = 4u); gru z, r, h̃ (W = 3u), and
// with resetAfter a fourth block, h·U_h + b_rh, which the reset gate multiplied (W = 4u).

import type { RecurrentAttrs, RecurrentCell } from './op-attrs.js';

/** Gate blocks per cell. */
export const RECURRENT_GATES: Readonly<Record<RecurrentCell, number>> = { simpleRNN: 1, lstm: 4, gru: 3 };

/** The index of each optional slot, or -1 where the cell has none. */
export interface RecurrentSlots {
  /** recurrent inputs. */
  readonly c0: number;
  readonly rb: number;
  readonly mask: number;
  /** recurrent outputs. */
  readonly c: number;
  readonly work: number;
  /** Gate-value columns per step in `work` (0 for simpleRNN). */
  readonly workWidth: (units: number) => number;
}

/** Where the optional tensors of `recurrent` sit for these attributes. */
export function recurrentSlots(attrs: RecurrentAttrs): RecurrentSlots {
  const lstm = attrs.cell === 'lstm';
  const hasRb = attrs.cell === 'gru' && attrs.resetAfter;
  let next = 3;
  const c0 = lstm ? next++ : -1;
  const rb = hasRb ? next++ : -1;
  const mask = attrs.hasMask ? next++ : -1;
  const c = lstm ? 1 : -1;
  const work = attrs.cell === 'simpleRNN' ? -1 : lstm ? 2 : 1;
  const width = attrs.cell === 'simpleRNN' ? 0 : lstm || hasRb ? 4 : 3;
  return { c0, rb, mask, c, work, workWidth: (u) => width * u };
}

/** Where the tensors of `recurrentGrad` sit for these attributes (inputs, then outputs). */
export interface RecurrentGradSlots {
  readonly dh: number;
  readonly dc: number;
  readonly U: number;
  readonly h0: number;
  readonly c0: number;
  readonly h: number;
  readonly c: number;
  readonly work: number;
  readonly mask: number;
  /** outputs. */
  readonly dc0: number;
  readonly drb: number;
}

export function recurrentGradSlots(attrs: RecurrentAttrs): RecurrentGradSlots {
  const lstm = attrs.cell === 'lstm';
  let next = 0;
  const dh = next++;
  const dc = lstm ? next++ : -1;
  const U = next++;
  const h0 = next++;
  const c0 = lstm ? next++ : -1;
  const h = next++;
  const c = lstm ? next++ : -1;
  const work = attrs.cell === 'simpleRNN' ? -1 : next++;
  const mask = attrs.hasMask ? next++ : -1;
  const dc0 = lstm ? 3 : -1;
  const drb = attrs.cell === 'gru' && attrs.resetAfter ? 3 : -1;
  return { dh, dc, U, h0, c0, h, c, work, mask, dc0, drb };
}
