// Larger shapes than the conformance cases, chosen to cross the kernels' blocking and vector
// boundaries (GEMM KC/MC/NC blocks and partial tiles, im2col chunks, SIMD tails, collapsed
// broadcasts, multi-axis reductions), compared with the reference backend.

import * as loom from '@loom/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { wasm } from '@loom/wasm-kernels';
import { expectSameAsJs, runOn, values } from './helpers.js';

const f = (shape: number[], seed = 1) => ({ shape, data: values(shape.reduce((a, b) => a * b, 1), seed) });
const int = (shape: number[], lo: number, hi: number, seed = 1) =>
  ({ shape, dtype: 'int32' as const, data: values(shape.reduce((a, b) => a * b, 1), seed, [lo, hi]) });

describe.each([
  ['relaxed', true],
  ['simd', false],
] as const)('wasm kernels (%s build)', (label, relaxed) => {
  const name = `wasm-kernels-${label}`;
  beforeAll(async () => {
    loom.registerBackend(await wasm({ relaxedSimd: relaxed, name }), -1);
  });

  it.each([
    [[1, 300, 270], [1, 270, 530], false, false],
    [[3, 97, 33], [3, 33, 61], false, false],
    [[2, 40, 300], [1, 300, 17], false, false],
    [[2, 300, 40], [2, 17, 300], true, true],
    [[1, 257, 7], [2, 257, 9], true, false],
    [[1, 5, 600], [1, 9, 600], false, true],
    [[4, 1, 64], [4, 64, 1], false, false],
  ])('matmul %j x %j (tA %s, tB %s)', async (sa, sb, transposeA, transposeB) => {
    await expectSameAsJs(name, [f(sa, 2), f(sb, 3)], (a, b) => loom.matmul(a, b, { transposeA, transposeB }), 1e-4, 1e-4);
  });

  it.each([4, 5, 6] as const)('matmul with a %i-row micro-kernel, partial tiles and several K blocks', async (rows) => {
    const backend = await wasm({ relaxedSimd: relaxed, name: `${name}-rows` });
    loom.registerBackend(backend, -1);
    expect(backend.setGemmRows(rows)).toBe(rows);
    for (const [sa, sb, tA, tB] of [[[2, 131, 517], [2, 517, 75], false, false], [[1, 517, 29], [1, 13, 517], true, true]] as const) {
      await expectSameAsJs(`${name}-rows`, [f([...sa], 23), f([...sb], 24)],
        (a, b) => loom.matmul(a, b, { transposeA: tA, transposeB: tB }), 1e-4, 1e-4);
    }
    await loom.setBackend('js');
    loom.removeBackend(`${name}-rows`);
  });

  it('matmul and conv2d with tiny cache blocks (many KC and NC blocks, accumulation across K)', async () => {
    const backend = await wasm({ relaxedSimd: relaxed, name: `${name}-blocks` });
    loom.registerBackend(backend, -1);
    expect(backend.setGemmBlocking(16, 24)).toEqual([16, 24]);
    expect(backend.setGemmBlocking(1000, 8)).toEqual([16, 24]);
    await expectSameAsJs(`${name}-blocks`, [f([3, 37, 53], 25), f([3, 53, 41], 26)], (a, b) => loom.matmul(a, b), 1e-4, 1e-4);
    await expectSameAsJs(`${name}-blocks`, [f([53, 37], 27), f([41, 53], 28)],
      (a, b) => loom.matmul(a, b, { transposeA: true, transposeB: true }), 1e-4, 1e-4);
    await expectSameAsJs(`${name}-blocks`, [f([2, 9, 8, 5], 29), f([3, 3, 5, 30], 30)],
      (x, w) => loom.conv2d(x, w, { padding: 'same' }), 1e-4, 1e-4);
    await loom.setBackend('js');
    loom.removeBackend(`${name}-blocks`);
  });

  it.each([
    [[2, 32, 32, 64], [3, 3, 64, 8], [1, 1], 'same', [1, 1]],
    [[1, 17, 19, 5], [3, 2, 5, 7], [2, 3], 'valid', [1, 2]],
    [[2, 9, 9, 3], [1, 1, 3, 6], [1, 1], 'valid', [1, 1]],
  ] as const)('conv2d %j * %j strides %j %s dilations %j', async (xs, fs, strides, padding, dilations) => {
    await expectSameAsJs(name, [f([...xs], 4), f([...fs], 5)],
      (x, w) => loom.conv2d(x, w, { strides: [...strides], padding, dilations: [...dilations] }), 1e-4, 1e-4);
  });

  it('conv1d [32,128,64] kernel 3, 64 filters, same padding', async () => {
    await expectSameAsJs(name, [f([32, 128, 64], 6), f([3, 64, 64], 7)], (x, w) => loom.conv1d(x, w, { padding: 'same' }), 1e-4, 1e-4);
  });

  it('pooling with partial windows and 7 channels', async () => {
    await expectSameAsJs(name, [f([2, 11, 13, 7], 8)], (x) => loom.maxPool2d(x, { poolSize: 3, strides: 2, padding: 'same' }));
    await expectSameAsJs(name, [f([2, 11, 13, 7], 8)], (x) => loom.avgPool2d(x, { poolSize: [3, 2], strides: [2, 1], padding: 'same' }));
  });

  it('broadcasting binary ops: rows, columns, scalars, middle dims, odd tails', async () => {
    const pairs: [number[], number[]][] = [
      [[37, 129], [129]], [[37, 129], [37, 1]], [[5, 1, 7, 3], [1, 6, 1, 3]], [[1001], []], [[2, 3, 4, 5, 6], [3, 1, 5, 1]],
    ];
    for (const [sa, sb] of pairs) {
      for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'mod', 'floorDiv', 'less', 'equal'] as const) {
        await expectSameAsJs(name, [f(sa, 9), f(sb, 10)], (a, b) => loom[op](a, b), 2e-5, 1e-6);
      }
      for (const op of ['add', 'mul', 'floorDiv', 'mod', 'greaterEqual'] as const) {
        await expectSameAsJs(name, [int(sa, -50, 50, 11), int(sb, -7, 8, 12)], (a, b) => loom[op](a, b));
      }
    }
  });

  it('unary float ops on 1003 values (SIMD body and tail)', async () => {
    const x = { shape: [1003], data: values(1003, 13).map((v) => v * 12) };
    const ops = ['exp', 'log', 'tanh', 'sigmoid', 'gelu', 'softplus', 'silu', 'elu', 'selu', 'expm1', 'log1p', 'sqrt', 'sin', 'round',
      'sign'] as const;
    for (const op of ops) {
      // Ops defined for x ≥ 0 only get |x|; the others get x.
      const positive = op === 'log1p' || op === 'log' || op === 'sqrt';
      await expectSameAsJs(name, [x], (t) => loom[op](loom.abs(t).mul(positive ? 1 : 0).add(positive ? 0 : t)), 2e-5, 2e-6);
    }
  });

  it('reductions over separated axes, softmax over inner axes, cumsum, argMax', async () => {
    const x = f([6, 7, 8, 9], 14);
    await expectSameAsJs(name, [x], (t) => loom.sum(t, [0, 2]), 1e-4, 1e-4);
    await expectSameAsJs(name, [x], (t) => loom.max(t, [1, 3]));
    await expectSameAsJs(name, [x], (t) => loom.min(t, 2, true));
    await expectSameAsJs(name, [x], (t) => loom.prod(t, [3]), 1e-4, 1e-6);
    await expectSameAsJs(name, [x], (t) => loom.softmax(t, 1), 2e-5, 1e-6);
    await expectSameAsJs(name, [x], (t) => loom.logSoftmax(t, 3), 1e-4, 1e-4);
    await expectSameAsJs(name, [x], (t) => loom.logSoftmax(t, 2), 1e-4, 1e-4);
    await expectSameAsJs(name, [x], (t) => loom.cumsum(t, 2, true, true), 1e-4, 1e-4);
    await expectSameAsJs(name, [x], (t) => loom.argMax(t, 1));
    await expectSameAsJs(name, [int([6, 7, 8, 9], -100, 100, 15)], (t) => loom.sum(t, [1, 3]));
  });

  it('supports() answers from the kernel table: the dtypes each entry declares', async () => {
    const backend = await wasm({ relaxedSimd: relaxed, name: `${name}-supports` });
    expect(backend.supports('add', 'int32')).toBe(true);
    expect(backend.supports('div', 'int32')).toBe(false);
    expect(backend.supports('exp', 'int32')).toBe(false);
    expect(backend.supports('isNaN', 'int32')).toBe(true);
    expect(backend.supports('equal', 'bool')).toBe(true);
    expect(backend.supports('sum', 'bool')).toBe(false);
    expect(backend.supports('matmul', 'int32')).toBe(false);
    expect(backend.supports('gather', 'bool')).toBe(true);
    backend.dispose();
  });

  it('reductions over separated axes, one of them empty, give the identity rather than stale memory', async () => {
    const empty = { shape: [0, 3, 2], data: [] };
    const emptyInt = { ...empty, dtype: 'int32' as const };
    await loom.setBackend(name);
    // Leaves non-zero values in a freed block of the outputs' size, which the outputs then reuse.
    loom.dispose(loom.full([3], 7));
    const [sum, max, mean] = await runOn(name, [empty], (t) => [loom.sum(t, [0, 2]), loom.max(t, [0, 2]), loom.mean(t, [0, 2])]);
    expect(Array.from(sum.data)).toEqual([0, 0, 0]);
    expect(Array.from(max.data)).toEqual([-Infinity, -Infinity, -Infinity]);
    expect(Array.from(mean.data)).toEqual([NaN, NaN, NaN]);
    for (const op of ['sum', 'prod', 'max', 'min', 'mean'] as const) {
      await expectSameAsJs(name, [empty], (t) => loom[op](t, [0, 2]));
      await expectSameAsJs(name, [emptyInt], (t) => loom[op](t, [0, 2]));
    }
  });

  it('data movement: transposes, strided slices, pad, concat, gather, topk, where', async () => {
    const x = f([5, 6, 7, 8], 16);
    await expectSameAsJs(name, [x], (t) => loom.transpose(t, [3, 1, 0, 2]));
    await expectSameAsJs(name, [x], (t) => loom.transpose(t, [0, 1, 3, 2]));
    await expectSameAsJs(name, [f([70, 45], 17)], (t) => loom.transpose(t));
    await expectSameAsJs(name, [x], (t) => loom.stridedSlice(t, [4, 0, 1, 7], [0, 6, 7, 0], [-2, 2, 3, -1]));
    await expectSameAsJs(name, [x], (t) => loom.pad(t, [[1, 0], [0, 2], [3, 1], [0, 0]], -2));
    await expectSameAsJs(name, [x, f([5, 6, 3, 8], 18)], (a, b) => loom.concat([a, b, a], 2));
    await expectSameAsJs(name, [x, int([4, 3], 0, 7, 19)], (a, i) => loom.gather(a, i, 2));
    await expectSameAsJs(name, [f([9, 1000], 20)], (t) => Object.values(loom.topk(t, 17)));
    await expectSameAsJs(name, [{ shape: [5, 1, 7, 1], dtype: 'bool', data: values(35, 21, [0, 2]) }, x, f([8], 22)],
      (c, a, b) => loom.where(c, a, b));
  });
});
