// Convolution and pooling, channels-last as in Keras: conv1d on [batch, width, channels],
// conv2d on [batch, height, width, channels]; 1-D ops run as 2-D ops of height 1.

import { runOp, runView } from '../engine/index.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { cast } from './elementwise.js';
import { convert, describe, scoped, type TensorLike } from './convert.js';

/** 'same' keeps ceil(in / stride) outputs, 'valid' uses no padding; numbers pad every side. */
export type Padding = 'same' | 'valid' | number | readonly [readonly [number, number], readonly [number, number]];

/** Options of `conv2d`. */
export interface Conv2DOptions {
  strides?: number | readonly [number, number];
  padding?: Padding;
  dilations?: number | readonly [number, number];
}

/** Options of `conv1d`. */
export interface Conv1DOptions {
  stride?: number;
  padding?: 'same' | 'valid' | number | readonly [number, number];
  dilation?: number;
}

/** Options of the pooling ops (`strides` default to `poolSize`). */
export interface Pool2DOptions {
  poolSize?: number | readonly [number, number];
  strides?: number | readonly [number, number];
  padding?: Padding;
}
export interface Pool1DOptions {
  poolSize?: number;
  strides?: number;
  padding?: 'same' | 'valid' | number | readonly [number, number];
}

function pair(op: string, name: string, v: number | readonly [number, number] | undefined, dflt: number): [number, number] {
  const p: [number, number] = v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (p.length !== 2 || p.some((x) => !Number.isInteger(x) || x < 1)) {
    throw new Error(`${op}: ${name} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
  }
  return p;
}

/** Resolves padding to [before, after] per spatial dim and the output size. */
function resolvePadding(op: string, padding: Padding, inSize: [number, number], effK: [number, number], strides: [number, number]):
  { pads: [number, number, number, number]; out: [number, number] } {
  let pads: [number, number, number, number];
  if (padding === 'valid') pads = [0, 0, 0, 0];
  else if (padding === 'same') {
    const p: number[] = [];
    for (let i = 0; i < 2; i++) {
      const out = Math.ceil(inSize[i] / strides[i]);
      const total = Math.max((out - 1) * strides[i] + effK[i] - inSize[i], 0);
      p.push(Math.floor(total / 2), total - Math.floor(total / 2));
    }
    pads = p as [number, number, number, number];
  } else if (typeof padding === 'number') {
    if (!Number.isInteger(padding) || padding < 0) throw new Error(`${op}: numeric padding must be a non-negative integer, got ${padding}`);
    pads = [padding, padding, padding, padding];
  } else if (Array.isArray(padding) && padding.length === 2 && padding.every((p) => Array.isArray(p) && p.length === 2)) {
    pads = [padding[0][0], padding[0][1], padding[1][0], padding[1][1]];
    if (pads.some((v) => !Number.isInteger(v) || v < 0)) {
      throw new Error(`${op}: explicit padding must be non-negative integers, got ${JSON.stringify(padding)}`);
    }
  } else {
    throw new Error(`${op}: padding must be 'same', 'valid', a non-negative integer or [[top, bottom], [left, right]], got ` +
      `${JSON.stringify(padding)}`);
  }
  const out: [number, number] = [0, 1].map((i) => {
    const span = inSize[i] + pads[2 * i] + pads[2 * i + 1] - effK[i];
    return span < 0 ? 0 : Math.floor(span / strides[i]) + 1;
  }) as [number, number];
  return { pads, out };
}

function floatInput(op: string, name: string, x: TensorLike): Tensor {
  const t = convert(op, name, x);
  if (t.dtype === 'bool') throw new Error(`${op}: ${name} ${describe(t)} is bool; valid: float32, int32`);
  return t.dtype === 'float32' ? t : cast(t, 'float32');
}

/**
 * 2-D convolution (cross-correlation, as every DL library): x [N, H, W, C] (or [H, W, C]),
 * filter [kh, kw, C, F] → [N, oh, ow, F].
 */
export function conv2d(x: TensorLike, filter: TensorLike, options: Conv2DOptions = {}): Tensor {
  return scoped(() => {
    const op = 'conv2d';
    let t = floatInput(op, 'x', x);
    const f = floatInput(op, 'filter', filter);
    const unbatched = t.rank === 3;
    if (unbatched) t = runView(t, [1, ...t.shape]);
    if (t.rank !== 4) throw new Error(`${op}: x must be [batch, height, width, channels] (rank 4) or rank 3, got ${fmt(t.shape)}`);
    if (f.rank !== 4) throw new Error(`${op}: filter must be [kh, kw, inChannels, outChannels] (rank 4), got ${fmt(f.shape)}`);
    if (f.shape[2] !== t.shape[3]) {
      throw new Error(`${op}: filter in-channels ${f.shape[2]} != input channels ${t.shape[3]} (x ${fmt(t.shape)}, filter ` +
        `${fmt(f.shape)})`);
    }
    if (f.shape[0] < 1 || f.shape[1] < 1) throw new Error(`${op}: filter ${fmt(f.shape)} has an empty window; kh and kw must be >= 1`);
    const strides = pair(op, 'strides', options.strides, 1);
    const dilations = pair(op, 'dilations', options.dilations, 1);
    const effK: [number, number] = [(f.shape[0] - 1) * dilations[0] + 1, (f.shape[1] - 1) * dilations[1] + 1];
    const { pads, out } = resolvePadding(op, options.padding ?? 'valid', [t.shape[1], t.shape[2]], effK, strides);
    const shape = [t.shape[0], out[0], out[1], f.shape[3]];
    const y = runOp(op, [t, f], { strides, dilations, pads }, [{ shape, dtype: 'float32' }])[0];
    return unbatched ? runView(y, shape.slice(1)) : y;
  });
}

function pad1d(padding: Conv1DOptions['padding']): Padding {
  if (padding === undefined) return 'valid';
  if (Array.isArray(padding)) return [[0, 0], [padding[0], padding[1]]];
  if (typeof padding === 'number') return [[0, 0], [padding, padding]];
  return padding as Padding;
}

/** 1-D convolution: x [N, W, C] (or [W, C]), filter [k, C, F] → [N, ow, F]. */
export function conv1d(x: TensorLike, filter: TensorLike, options: Conv1DOptions = {}): Tensor {
  return scoped(() => {
    const op = 'conv1d';
    let t = floatInput(op, 'x', x);
    const f = floatInput(op, 'filter', filter);
    const unbatched = t.rank === 2;
    if (unbatched) t = runView(t, [1, ...t.shape]);
    if (t.rank !== 3) throw new Error(`${op}: x must be [batch, width, channels] (rank 3) or rank 2, got ${fmt(t.shape)}`);
    if (f.rank !== 3) throw new Error(`${op}: filter must be [kernelSize, inChannels, outChannels] (rank 3), got ${fmt(f.shape)}`);
    if (f.shape[1] !== t.shape[2]) {
      throw new Error(`${op}: filter in-channels ${f.shape[1]} != input channels ${t.shape[2]} (x ${fmt(t.shape)}, filter ` +
        `${fmt(f.shape)})`);
    }
    if (f.shape[0] < 1) throw new Error(`${op}: filter ${fmt(f.shape)} has an empty window; kernelSize must be >= 1`);
    const stride = options.stride ?? 1;
    const dilation = options.dilation ?? 1;
    for (const [name, v] of [['stride', stride], ['dilation', dilation]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${JSON.stringify(v)}`);
    }
    const y = conv2d(runView(t, [t.shape[0], 1, t.shape[1], t.shape[2]]), runView(f, [1, ...f.shape]), {
      strides: [1, stride], dilations: [1, dilation], padding: pad1d(options.padding),
    });
    const shape = [t.shape[0], y.shape[2], y.shape[3]];
    return runView(y, unbatched ? shape.slice(1) : shape);
  });
}

function pool2d(op: 'maxPool2d' | 'avgPool2d', x: TensorLike, options: Pool2DOptions, name: string = op): Tensor {
  return scoped(() => {
    let t = floatInput(name, 'x', x);
    const unbatched = t.rank === 3;
    if (unbatched) t = runView(t, [1, ...t.shape]);
    if (t.rank !== 4) throw new Error(`${name}: x must be [batch, height, width, channels] (rank 4) or rank 3, got ${fmt(t.shape)}`);
    const windowSize = pair(name, 'poolSize', options.poolSize, 2);
    const strides = pair(name, 'strides', options.strides ?? windowSize, 1);
    const { pads, out } = resolvePadding(name, options.padding ?? 'valid', [t.shape[1], t.shape[2]], windowSize, strides);
    // A pad as large as the window would create windows of padding only (no max, no average).
    if (pads[0] >= windowSize[0] || pads[1] >= windowSize[0] || pads[2] >= windowSize[1] || pads[3] >= windowSize[1]) {
      throw new Error(`${name}: padding [${pads.join(',')}] must be smaller than the pool window [${windowSize.join(',')}]`);
    }
    const shape = [t.shape[0], out[0], out[1], t.shape[3]];
    const y = runOp(op, [t], { windowSize, strides, pads }, [{ shape, dtype: 'float32' }])[0];
    return unbatched ? runView(y, shape.slice(1)) : y;
  });
}

/** Max pooling over [N, H, W, C] windows (default 2×2, strides = poolSize). */
export function maxPool2d(x: TensorLike, options: Pool2DOptions = {}): Tensor {
  return pool2d('maxPool2d', x, options);
}

/** Average pooling; padded positions are not counted in the average. */
export function avgPool2d(x: TensorLike, options: Pool2DOptions = {}): Tensor {
  return pool2d('avgPool2d', x, options);
}

function pool1d(op: 'maxPool2d' | 'avgPool2d', name: string, x: TensorLike, options: Pool1DOptions): Tensor {
  return scoped(() => {
    let t = floatInput(name, 'x', x);
    const unbatched = t.rank === 2;
    if (unbatched) t = runView(t, [1, ...t.shape]);
    if (t.rank !== 3) throw new Error(`${name}: x must be [batch, width, channels] (rank 3) or rank 2, got ${fmt(t.shape)}`);
    const poolSize = options.poolSize ?? 2;
    const strides = options.strides ?? poolSize;
    for (const [n, v] of [['poolSize', poolSize], ['strides', strides]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: ${n} must be a positive integer, got ${JSON.stringify(v)}`);
    }
    const y = pool2d(op, runView(t, [t.shape[0], 1, t.shape[1], t.shape[2]]), {
      poolSize: [1, poolSize], strides: [1, strides], padding: pad1d(options.padding),
    }, name);
    const shape = [t.shape[0], y.shape[2], y.shape[3]];
    return runView(y, unbatched ? shape.slice(1) : shape);
  });
}

/** Max pooling over [N, W, C] (default poolSize 2, strides = poolSize). */
export function maxPool1d(x: TensorLike, options: Pool1DOptions = {}): Tensor {
  return pool1d('maxPool2d', 'maxPool1d', x, options);
}

/** Average pooling over [N, W, C]; padded positions are not counted. */
export function avgPool1d(x: TensorLike, options: Pool1DOptions = {}): Tensor {
  return pool1d('avgPool2d', 'avgPool1d', x, options);
}
