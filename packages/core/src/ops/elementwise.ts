// Elementwise ops: unary math, binary arithmetic and comparison with NumPy broadcasting, logic,
// where, cast and clip.

import type {
  BinaryArithOp, CompareOp, LogicBinaryOp, UnaryKeepDTypeOp, UnaryMathOp, UnaryPredicateOp,
} from '../backend/op-attrs.js';
import { isDType, upcast, type DType } from '../dtype.js';
import { runOp } from '../engine/index.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { assertNumber, convert, describe, scoped, type TensorLike } from './convert.js';

/** Converts an int32 tensor to float32 for float math (within the op's scope). */
function asFloat(x: Tensor): Tensor {
  return x.dtype === 'float32' ? x : runOp('cast', [x], { dtype: 'float32' }, [{ shape: x.shape, dtype: 'float32' }])[0];
}

function rejectBool(op: string, x: Tensor, what = 'input'): void {
  if (x.dtype === 'bool') {
    throw new Error(`${op}: ${what} ${describe(x)} is bool; valid: float32, int32 (cast(x, 'int32') or 'float32' first)`);
  }
}

function unaryMath(op: UnaryMathOp): (x: TensorLike) => Tensor {
  return (x) =>
    scoped(() => {
      const t = convert(op, 'x', x);
      rejectBool(op, t);
      const f = asFloat(t);
      return runOp(op, [f], {}, [{ shape: f.shape, dtype: 'float32' }])[0];
    });
}

function unaryKeep(op: UnaryKeepDTypeOp): (x: TensorLike) => Tensor {
  return (x) =>
    scoped(() => {
      const t = convert(op, 'x', x);
      rejectBool(op, t);
      return runOp(op, [t], {}, [{ shape: t.shape, dtype: t.dtype }])[0];
    });
}

function unaryPredicate(op: UnaryPredicateOp): (x: TensorLike) => Tensor {
  return (x) =>
    scoped(() => {
      const t = convert(op, 'x', x);
      rejectBool(op, t);
      return runOp(op, [t], {}, [{ shape: t.shape, dtype: 'bool' }])[0];
    });
}

/** -x */
export const neg = unaryKeep('neg');
/** |x| */
export const abs = unaryKeep('abs');
/** −1, 0 or 1 (NaN stays NaN). */
export const sign = unaryKeep('sign');
/** x² */
export const square = unaryKeep('square');
/** max(x, 0) */
export const relu = unaryKeep('relu');
/** min(max(x, 0), 6) */
export const relu6 = unaryKeep('relu6');
/** Largest integer ≤ x. */
export const floor = unaryKeep('floor');
/** Smallest integer ≥ x. */
export const ceil = unaryKeep('ceil');
/** Nearest integer, halves to even (banker's rounding, as TensorFlow). */
export const round = unaryKeep('round');
/** eˣ */
export const exp = unaryMath('exp');
/** eˣ − 1, accurate near 0. */
export const expm1 = unaryMath('expm1');
/** Natural logarithm. */
export const log = unaryMath('log');
/** ln(1 + x), accurate near 0. */
export const log1p = unaryMath('log1p');
/** √x */
export const sqrt = unaryMath('sqrt');
/** 1/√x */
export const rsqrt = unaryMath('rsqrt');
/** 1/x */
export const reciprocal = unaryMath('reciprocal');
export const sin = unaryMath('sin');
export const cos = unaryMath('cos');
export const tan = unaryMath('tan');
export const atan = unaryMath('atan');
/** Hyperbolic tangent. */
export const tanh = unaryMath('tanh');
/** 1 / (1 + e⁻ˣ) */
export const sigmoid = unaryMath('sigmoid');
/** x for x > 0, eˣ − 1 otherwise. */
export const elu = unaryMath('elu');
/** Scaled ELU (Klambauer et al.): λ·x for x > 0, λ·α·(eˣ − 1) otherwise. */
export const selu = unaryMath('selu');
/** x·Φ(x) with the exact Gaussian CDF (Keras `approximate=False`). */
export const gelu = unaryMath('gelu');
/** ln(1 + eˣ), computed without overflow. */
export const softplus = unaryMath('softplus');
/** x·sigmoid(x) (also called swish). */
export const silu = unaryMath('silu');
/** True where x is NaN. */
export const isNaN = unaryPredicate('isNaN');
/** True where x is neither ±Infinity nor NaN. */
export const isFinite = unaryPredicate('isFinite');

/** x for x ≥ 0, alpha·x otherwise; alpha defaults to 0.2 as in TensorFlow.js. */
export function leakyRelu(x: TensorLike, alpha = 0.2): Tensor {
  return scoped(() => {
    assertNumber('leakyRelu', 'alpha', alpha);
    const t = convert('leakyRelu', 'x', x);
    rejectBool('leakyRelu', t);
    const f = asFloat(t);
    return runOp('leakyRelu', [f], { alpha }, [{ shape: f.shape, dtype: 'float32' }])[0];
  });
}

/** Clamps values to [min, max]; keeps the dtype (int32 needs integer bounds). */
export function clip(x: TensorLike, min: number, max: number): Tensor {
  return scoped(() => {
    assertNumber('clip', 'min', min);
    assertNumber('clip', 'max', max);
    if (!(min <= max)) throw new Error(`clip: min (${min}) must be <= max (${max})`);
    const t = convert('clip', 'x', x);
    rejectBool('clip', t);
    if (t.dtype === 'int32' && (!Number.isInteger(min) && Number.isFinite(min) || !Number.isInteger(max) && Number.isFinite(max))) {
      throw new Error(`clip: int32 input needs integer bounds, got [${min}, ${max}]; cast to float32 first`);
    }
    return runOp('clip', [t], { min, max }, [{ shape: t.shape, dtype: t.dtype }])[0];
  });
}

/** Converts to `dtype`: float→int truncates toward zero and saturates at the int32 range (NaN→0); nonzero→true. */
export function cast(x: TensorLike, dtype: DType): Tensor {
  return scoped(() => {
    if (!isDType(dtype)) throw new Error(`cast: unknown dtype '${String(dtype)}'; valid dtypes are float32, int32, bool`);
    const t = convert('cast', 'x', x);
    return runOp('cast', [t], { dtype }, [{ shape: t.shape, dtype }])[0];
  });
}

/** Converts both operands, promoting to a common dtype (bool < int32 < float32). */
function binaryOperands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  const peerA = b instanceof Tensor ? b.dtype : undefined;
  const ta = convert(op, 'a', a, peerA);
  const tb = convert(op, 'b', b, ta.dtype);
  const dtype = upcast(ta.dtype, tb.dtype);
  const ca = ta.dtype === dtype ? ta : runOp('cast', [ta], { dtype }, [{ shape: ta.shape, dtype }])[0];
  const cb = tb.dtype === dtype ? tb : runOp('cast', [tb], { dtype }, [{ shape: tb.shape, dtype }])[0];
  return [ca, cb];
}


function binaryArith(op: BinaryArithOp): (a: TensorLike, b: TensorLike) => Tensor {
  return (a, b) =>
    scoped(() => {
      let [x, y] = binaryOperands(op, a, b);
      rejectBool(op, x, 'a');
      const shape = broadcastShapes(op, x.shape, y.shape);
      if (op === 'div' && x.dtype === 'int32') {
        // NOTE: true division, as NumPy and PyTorch: int32 / int32 gives float32 (floorDiv keeps int).
        x = asFloat(x);
        y = asFloat(y);
      }
      return runOp(op, [x, y], {}, [{ shape, dtype: x.dtype }])[0];
    });
}

/** a + b */
export const add = binaryArith('add');
/** a − b */
export const sub = binaryArith('sub');
/** a · b */
export const mul = binaryArith('mul');
/** a / b; int32 operands give float32. */
export const div = binaryArith('div');
/** aᵇ */
export const pow = binaryArith('pow');
/** Elementwise larger (NaN if either is NaN). */
export const maximum = binaryArith('maximum');
/** Elementwise smaller (NaN if either is NaN). */
export const minimum = binaryArith('minimum');
/** Remainder with the sign of the divisor (Python/TensorFlow floor mod). */
export const mod = binaryArith('mod');
/** ⌊a / b⌋ */
export const floorDiv = binaryArith('floorDiv');

function compare(op: CompareOp): (a: TensorLike, b: TensorLike) => Tensor {
  return (a, b) =>
    scoped(() => {
      const [x, y] = binaryOperands(op, a, b);
      const shape = broadcastShapes(op, x.shape, y.shape);
      return runOp(op, [x, y], {}, [{ shape, dtype: 'bool' }])[0];
    });
}

export const equal = compare('equal');
export const notEqual = compare('notEqual');
export const less = compare('less');
export const lessEqual = compare('lessEqual');
export const greater = compare('greater');
export const greaterEqual = compare('greaterEqual');

function logicBinary(op: LogicBinaryOp): (a: TensorLike, b: TensorLike) => Tensor {
  return (a, b) =>
    scoped(() => {
      const x = convert(op, 'a', a, 'bool');
      const y = convert(op, 'b', b, 'bool');
      if (x.dtype !== 'bool' || y.dtype !== 'bool') {
        throw new Error(`${op}: inputs must be bool, got ${describe(x)} and ${describe(y)}; compare or cast(x, 'bool') first`);
      }
      const shape = broadcastShapes(op, x.shape, y.shape);
      return runOp(op, [x, y], {}, [{ shape, dtype: 'bool' }])[0];
    });
}

export const logicalAnd = logicBinary('logicalAnd');
export const logicalOr = logicBinary('logicalOr');

/** Logical NOT of a bool tensor. */
export function logicalNot(x: TensorLike): Tensor {
  return scoped(() => {
    const t = convert('logicalNot', 'x', x, 'bool');
    if (t.dtype !== 'bool') throw new Error(`logicalNot: input must be bool, got ${describe(t)}`);
    return runOp('logicalNot', [t], {}, [{ shape: t.shape, dtype: 'bool' }])[0];
  });
}

/** Picks `a` where `condition` is true, else `b`; all three broadcast. */
export function where(condition: TensorLike, a: TensorLike, b: TensorLike): Tensor {
  return scoped(() => {
    const c = convert('where', 'condition', condition, 'bool');
    if (c.dtype !== 'bool') throw new Error(`where: condition must be bool, got ${describe(c)}`);
    const [x, y] = binaryOperands('where', a, b);
    const shape = broadcastShapes('where', c.shape, x.shape, y.shape);
    return runOp('where', [c, x, y], {}, [{ shape, dtype: x.dtype }])[0];
  });
}
