// Reference kernels for matmul and fused matmul (direct loops, float64 accumulation).

import { UNARY_FN } from './math.js';
import type { RefKernel as Kernel } from './types.js';

export const matmulKernel: Kernel<'matmul'> = ([a, b], [y], { transposeA, transposeB }) => {
  const [ba, ar, ac] = a.shape;
  const [bb, br, bc] = b.shape;
  const m = transposeA ? ac : ar;
  const k = transposeA ? ar : ac;
  const n = transposeB ? br : bc;
  const batch = y.shape[0];
  const av = a.values;
  const bv = b.values;
  const yv = y.values;
  for (let bi = 0; bi < batch; bi++) {
    const aBase = (ba === 1 ? 0 : bi) * ar * ac;
    const bBase = (bb === 1 ? 0 : bi) * br * bc;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const x = av[aBase + (transposeA ? p * ac + i : i * ac + p)];
          const w = bv[bBase + (transposeB ? j * bc + p : p * bc + j)];
          s += x * w;
        }
        yv[(bi * m + i) * n + j] = s;
      }
    }
  }
};

/** matmul, then bias and activation on each output value (the reference of the fused epilogue). */
export const fusedMatmulKernel: Kernel<'fusedMatmul'> = ([a, b, bias], [y], { transposeA, transposeB, activation }) => {
  matmulKernel([a, b], [y], { transposeA, transposeB });
  const n = y.shape[2];
  const act = activation === 'linear' ? (v: number) => v : UNARY_FN[activation];
  const yv = y.values;
  for (let i = 0; i < yv.length; i++) yv[i] = act(bias ? yv[i] + bias.values[i % n] : yv[i]);
};
