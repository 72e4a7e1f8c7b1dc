// Matrix products: batched matmul with broadcast batch dims and transposes, dot and outer.

import { FUSED_ACTIVATIONS, type FusedActivation } from '../backend/op-attrs.js';
import { activeBackend, runOp, runView } from '../engine/index.js';
import { broadcastShapes, fmt, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { assertBool, convert, describe, scoped, type TensorLike } from './convert.js';
import { add, cast, gelu, mul, relu, relu6, sigmoid, tanh } from './elementwise.js';
import { broadcastTo } from './shape.js';

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

/** Validated operands of a (fused) matmul, as the rank-3 views the backend sees. */
interface MatmulPlan {
  x3: Tensor;
  y3: Tensor;
  batch: number[];
  /** Size of the broadcast batch (the output's leading dim). */
  nb: number;
  m: number;
  n: number;
}

function planMatmul(op: string, a: TensorLike, b: TensorLike, transposeA: boolean, transposeB: boolean): MatmulPlan {
  assertBool(op, 'transposeA', transposeA);
  assertBool(op, 'transposeB', transposeB);
  const x = floatOperand(op, 'a', a);
  const y = floatOperand(op, 'b', b);
  if (x.rank < 2 || y.rank < 2) {
    throw new Error(`${op}: inputs need rank >= 2, got ${fmt(x.shape)} x ${fmt(y.shape)}; use dot() for vectors`);
  }
  const [m, kA] = transposeA ? [x.shape[x.rank - 1], x.shape[x.rank - 2]] : [x.shape[x.rank - 2], x.shape[x.rank - 1]];
  const [kB, n] = transposeB ? [y.shape[y.rank - 1], y.shape[y.rank - 2]] : [y.shape[y.rank - 2], y.shape[y.rank - 1]];
  if (kA !== kB) {
    const t = `${transposeA ? ' (transposeA)' : ''}${transposeB ? ' (transposeB)' : ''}`;
    throw new Error(`${op}: inner dimensions differ: ${fmt(x.shape)} x ${fmt(y.shape)}${t} (${kA} != ${kB})`);
  }
  const batchA = x.shape.slice(0, -2);
  const batchB = y.shape.slice(0, -2);
  const batch = broadcastShapes(op, batchA, batchB);
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
  return { x3: to3(x, batchA), y3: to3(y, batchB), batch, nb, m, n };
}

/**
 * Matrix product of the last two dims; leading (batch) dims broadcast. Both inputs need rank ≥ 2
 * (use `dot` for vectors). int32 inputs are computed in float32.
 */
export function matmul(a: TensorLike, b: TensorLike, options: MatmulOptions = {}): Tensor {
  return scoped(() => {
    const { transposeA = false, transposeB = false } = options;
    const { x3, y3, batch, nb, m, n } = planMatmul('matmul', a, b, transposeA, transposeB);
    const out = runOp('matmul', [x3, y3], { transposeA, transposeB }, [{ shape: [nb, m, n], dtype: 'float32' }])[0];
    return runView(out, [...batch, m, n]);
  });
}

/** Options of `fusedMatmul`: matmul's, plus a bias added to every row and an activation. */
export interface FusedMatmulOptions extends MatmulOptions {
  /** Added to each output row: shape [n] (or anything that broadcasts to the output). */
  bias?: TensorLike;
  /** Applied last (default 'linear'). */
  activation?: FusedActivation;
}

const ACTIVATION_OPS: Record<Exclude<FusedActivation, 'linear'>, (x: Tensor) => Tensor> = { relu, relu6, sigmoid, tanh, gelu };

/**
 * activation(a·b + bias) in one kernel where the backend has the fused epilogue (a dense layer's
 * forward pass), composed from matmul, add and the activation elsewhere — same result either way.
 */
export function fusedMatmul(a: TensorLike, b: TensorLike, options: FusedMatmulOptions = {}): Tensor {
  return scoped(() => {
    const { transposeA = false, transposeB = false, activation = 'linear' } = options;
    if (!FUSED_ACTIVATIONS.includes(activation)) {
      throw new Error(`fusedMatmul: activation '${String(activation)}' is not one of ${FUSED_ACTIVATIONS.join(', ')}`);
    }
    const { x3, y3, batch, nb, m, n } = planMatmul('fusedMatmul', a, b, transposeA, transposeB);
    const outShape = [...batch, m, n];
    const bias = options.bias === undefined ? undefined : floatOperand('fusedMatmul', 'bias', options.bias);
    if (bias && !shapesEqual(broadcastShapes('fusedMatmul', outShape, bias.shape), outShape)) {
      throw new Error(`fusedMatmul: bias ${fmt(bias.shape)} would broadcast the output ${fmt(outShape)} to a larger shape; bias must ` +
        `fit the output`);
    }
    // The kernel takes a bias of exactly [n]; any other bias shape goes through the composition.
    const rowBias = !bias || (bias.size === n && bias.shape[bias.rank - 1] === n) ? bias : undefined;
    if (activeBackend().supports('fusedMatmul', 'float32') && (!bias || rowBias)) {
      const inputs = rowBias ? [x3, y3, runView(rowBias, [n])] : [x3, y3];
      const attrs = { transposeA, transposeB, activation, hasBias: !!rowBias };
      const out = runOp('fusedMatmul', inputs, attrs, [{ shape: [nb, m, n], dtype: 'float32' }])[0];
      return runView(out, outShape);
    }
    let y = runView(runOp('matmul', [x3, y3], { transposeA, transposeB }, [{ shape: [nb, m, n], dtype: 'float32' }])[0], outShape);
    if (bias) y = add(y, bias);
    return activation === 'linear' ? y : ACTIVATION_OPS[activation](y);
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
