// Matrix products: batched matmul with broadcast batch dims and transposes, dot and outer.

import { runOp, runView } from '../engine.js';
import { broadcastShapes, fmt, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertBool, convert, describe, scoped, type TensorLike } from './convert.js';
import { cast, mul } from './elementwise.js';
import { broadcastTo } from './shape-ops.js';

/** Options of `matmul`. */
export interface MatmulOptions {
  /** Use the transpose of the last two dims of `a`. */
  transposeA?: boolean;
  /** Use the transpose of the last two dims of `b`. */
  transposeB?: boolean;
}

function floatOperand(op: string, name: string, x: TensorLike): Tensor {
  const t = convert(op, name, x);
  if (t.dtype === 'bool') throw new Error(`${op}: '${name}' ${describe(t)} is bool; valid: float32, int32`);
  return t.dtype === 'float32' ? t : cast(t, 'float32');
}

/**
 * Matrix product of the last two dims; leading (batch) dims broadcast. Both inputs need rank ≥ 2
 * (use `dot` for vectors). int32 inputs are computed in float32.
 */
export function matmul(a: TensorLike, b: TensorLike, options: MatmulOptions = {}): Tensor {
  return scoped(() => {
    const { transposeA = false, transposeB = false } = options;
    assertBool('matmul', 'transposeA', transposeA);
    assertBool('matmul', 'transposeB', transposeB);
    const x = floatOperand('matmul', 'a', a);
    const y = floatOperand('matmul', 'b', b);
    if (x.rank < 2 || y.rank < 2) {
      throw new Error(`matmul: inputs need rank >= 2, got ${fmt(x.shape)} x ${fmt(y.shape)}; use dot() for vectors`);
    }
    const [m, kA] = transposeA ? [x.shape[x.rank - 1], x.shape[x.rank - 2]] : [x.shape[x.rank - 2], x.shape[x.rank - 1]];
    const [kB, n] = transposeB ? [y.shape[y.rank - 1], y.shape[y.rank - 2]] : [y.shape[y.rank - 2], y.shape[y.rank - 1]];
    if (kA !== kB) {
      const t = `${transposeA ? ' (transposeA)' : ''}${transposeB ? ' (transposeB)' : ''}`;
      throw new Error(`matmul: inner dimensions differ: ${fmt(x.shape)} x ${fmt(y.shape)}${t} (${kA} != ${kB})`);
    }
    const batchA = x.shape.slice(0, -2);
    const batchB = y.shape.slice(0, -2);
    const batch = broadcastShapes('matmul', batchA, batchB);
    const nb = sizeOf(batch);
    // The backend sees rank-3 inputs whose batch is equal or 1; other broadcasts are materialized.
    const to3 = (t: Tensor, own: readonly number[]): Tensor => {
      const r = t.shape[t.rank - 2];
      const c = t.shape[t.rank - 1];
      const ownSize = sizeOf(own);
      if (ownSize === 1 || shapesEqual([...Array(batch.length - own.length).fill(1), ...own], batch)) {
        return runView(t, [ownSize, r, c]);
      }
      return runView(broadcastTo(t, [...batch, r, c]), [nb, r, c]);
    };
    const x3 = to3(x, batchA);
    const y3 = to3(y, batchB);
    const out = runOp('matmul', [x3, y3], { transposeA, transposeB }, [{ shape: [nb, m, n], dtype: 'float32' }])[0];
    return runView(out, [...batch, m, n]);
  });
}

/** Dot product for vectors, matrix–vector, vector–matrix and matrix–matrix (ranks 1 or 2). */
export function dot(a: TensorLike, b: TensorLike): Tensor {
  return scoped(() => {
    const x = floatOperand('dot', 'a', a);
    const y = floatOperand('dot', 'b', b);
    if (x.rank < 1 || x.rank > 2 || y.rank < 1 || y.rank > 2) {
      throw new Error(`dot: inputs must have rank 1 or 2, got ${fmt(x.shape)} and ${fmt(y.shape)}`);
    }
    const k1 = x.shape[x.rank - 1];
    const k2 = y.shape[0];
    if (k1 !== k2) throw new Error(`dot: inner dimensions differ: ${fmt(x.shape)} . ${fmt(y.shape)} (${k1} != ${k2})`);
    const x2 = x.rank === 1 ? runView(x, [1, k1]) : x;
    const y2 = y.rank === 1 ? runView(y, [k2, 1]) : y;
    const r = matmul(x2, y2);
    const shape = [...(x.rank === 2 ? [x.shape[0]] : []), ...(y.rank === 2 ? [y.shape[1]] : [])];
    return runView(r, shape);
  });
}

/** Outer product of two vectors: [m] ⊗ [n] → [m, n]. */
export function outer(a: TensorLike, b: TensorLike): Tensor {
  return scoped(() => {
    const x = floatOperand('outer', 'a', a);
    const y = floatOperand('outer', 'b', b);
    if (x.rank !== 1 || y.rank !== 1) throw new Error(`outer: inputs must be vectors, got ${fmt(x.shape)} and ${fmt(y.shape)}`);
    return mul(runView(x, [x.size, 1]), runView(y, [1, y.size]));
  });
}
