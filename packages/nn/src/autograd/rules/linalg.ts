// Gradient rules for matmul and fusedMatmul (matmul with a bias and activation epilogue).

import {
  add, fusedMatmul, greater, lessEqual, logicalAnd, matmul, mul, reshape, square, sub, sum, where,
  type OpAttrs, type Tensor,
} from '@loom/core';
import { normalCdf, normalPdf } from '../grad-helpers.js';
import { AB, type GradientFamily } from './types.js';

/** Sums a batched matmul gradient over the batch when that input had a batch of 1. */
function batchSum(g: Tensor, input: Tensor): Tensor {
  return input.shape[0] === 1 && g.shape[0] !== 1 ? sum(g, 0, true) : g;
}

/** dA, dB of C = op(A) op(B), the transposes folded in; batch-1 inputs sum over the batch. Only the needed ones are computed. */
function matmulGrads(dy: Tensor, a: Tensor, b: Tensor, ta: boolean, tb: boolean, needs: readonly boolean[]): [Tensor | null, Tensor | null] {
  const da = !needs[0] ? null
    : !ta && !tb ? matmul(dy, b, { transposeB: true })
      : ta && !tb ? matmul(b, dy, { transposeB: true })
        : !ta && tb ? matmul(dy, b)
          : matmul(b, dy, { transposeA: true, transposeB: true });
  const db = !needs[1] ? null
    : !ta && !tb ? matmul(a, dy, { transposeA: true })
      : ta && !tb ? matmul(a, dy)
        : !ta && tb ? matmul(dy, a, { transposeA: true })
          : matmul(dy, a, { transposeA: true, transposeB: true });
  return [da && batchSum(da, a), db && batchSum(db, b)];
}

/** act'(z) ⊙ dy for the fused epilogue; from the output where it suffices, else from z recomputed. */
function fusedActivationGrad(
  dy: Tensor, y: Tensor, a: Tensor, b: Tensor, bias: Tensor | undefined, attrs: OpAttrs['fusedMatmul'],
): Tensor {
  const z = (): Tensor => fusedMatmul(a, b, { transposeA: attrs.transposeA, transposeB: attrs.transposeB, bias, activation: 'linear' });
  switch (attrs.activation) {
    case 'linear': return dy;
    case 'relu': return where(greater(y, 0), dy, 0);
    case 'relu6': { const zz = z(); return where(logicalAnd(greater(zz, 0), lessEqual(zz, 6)), dy, 0); }
    case 'sigmoid': return mul(dy, mul(y, sub(1, y)));
    case 'tanh': return mul(dy, sub(1, square(y)));
    case 'gelu': { const zz = z(); return mul(dy, add(normalCdf(zz), mul(zz, normalPdf(zz)))); }
  }
}

/** Rules for the linear-algebra family. */
export const LINALG_GRADIENTS = {
  // C = op(A) op(B): dA = dC Bᵀ, dB = Aᵀ dC, transposes folded in; batch-1 inputs sum over the batch
  matmul: { save: AB, vjp: (dy, { inputs: [a, b], attrs: { transposeA: ta, transposeB: tb }, needs }) => matmulGrads(dy, a, b, ta, tb, needs) },
  // y = act(op(A) op(B) + bias): dz = act'(z) dy, then dA, dB as matmul and dbias = Σ dz over rows and batch
  fusedMatmul: {
    save: { inputs: [0, 1, 2], outputs: [0] },
    vjp: (dy, { inputs: [a, b, bias], outputs: [y], attrs, needs }) => {
      const dz = fusedActivationGrad(dy, y, a, b, bias, attrs);
      const [da, db] = matmulGrads(dz, a, b, attrs.transposeA, attrs.transposeB, needs);
      return bias ? [da, db, sum(reshape(dz, [-1, bias.size]), 0)] : [da, db];
    },
  },
} satisfies GradientFamily;
