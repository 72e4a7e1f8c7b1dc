// Gradient rules of the whole-sequence recurrent ops: the backward pass of `recurrent` is one more
// kernel, `recurrentGrad` (backpropagation through every step at once). The gate values the
// forward kernel wrote are read back, so nothing is recomputed.

import { recurrentSequenceGrad, type OpAttrs, type RecurrentSequenceOptions, type Tensor } from '@loom/core';
import { recurrentSlots } from '@loom/core/backend';
import { nonDiff, type GradientFamily } from './types.js';

/** The op attributes as the options of the public ops, with the recorded initial states and mask. */
function optionsOf(attrs: OpAttrs['recurrent'], inputs: readonly Tensor[]): RecurrentSequenceOptions {
  const slots = recurrentSlots(attrs);
  return {
    cell: attrs.cell, activation: attrs.activation, recurrentActivation: attrs.recurrentActivation, resetAfter: attrs.resetAfter,
    initialState: slots.c0 >= 0 ? [inputs[2], inputs[slots.c0]] : [inputs[2]],
    recurrentMask: slots.mask >= 0 ? inputs[slots.mask] : undefined,
  };
}

export const RECURRENT_GRADIENTS = {
  recurrent: {
    // U, the initial states and the mask; every output (h, lstm's c, the gate values).
    save: { inputs: [1, 2, 3, 4, 5], outputs: [0, 1, 2] },
    vjp: (dh, { inputs, outputs, attrs, dys }) => {
      const slots = recurrentSlots(attrs);
      const forward = {
        h: outputs[0], c: slots.c >= 0 ? outputs[slots.c] : undefined, gates: slots.work >= 0 ? outputs[slots.work] : undefined,
      };
      // The gate values are bookkeeping for this rule: no gradient flows back through them.
      const dc = slots.c >= 0 ? dys[slots.c] : undefined;
      const g = recurrentSequenceGrad(dh, dc, forward, inputs[1], optionsOf(attrs, inputs));
      const result: (Tensor | null)[] = [g.dInput, g.dRecurrentKernel, g.dInitialH];
      if (slots.c0 >= 0) result[slots.c0] = g.dInitialC!;
      if (slots.rb >= 0) result[slots.rb] = g.dRecurrentBias!;
      if (slots.mask >= 0) result[slots.mask] = null;
      return result;
    },
  },
  recurrentGrad: nonDiff('the backward kernel of recurrent; second derivatives of recurrent layers are not supported'),
} satisfies GradientFamily;
