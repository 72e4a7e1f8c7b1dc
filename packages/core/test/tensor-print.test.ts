// Tensor.toString() / print() / util.inspect: the TF.js-style layout (expected texts written by
// hand), truncation of long dimensions, every dtype, and the same text on js and wasm; on a backend
// whose memory is not host-visible (webgpu in Node) printing says where the values are instead.
import { inspect } from 'node:util';
import * as loom from '@loom/core';
import { wasm } from '@loom/wasm-kernels';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { webgpu, type WebGPUBackend } from '@loom/webgpu-kernels';

const head = (dtype: string, shape: number[]): string =>
  `Tensor\n  dtype: ${dtype}\n  rank: ${shape.length}\n  shape: [${shape.join(',')}]\n  values:`;

/** The cases: how each tensor is made, and its text, written out by hand. */
const CASES: { name: string; make: () => loom.Tensor; text: string }[] = [
  {
    name: 'a matrix (the TF.js example)',
    make: () => loom.tensor([[1, 2], [3, 4]]),
    text: `${head('float32', [2, 2])}\n    [[1, 2],\n     [3, 4]]`,
  },
  { name: 'a scalar', make: () => loom.scalar(2.5), text: `${head('float32', [])}\n    2.5` },
  {
    name: 'float32 to 7 significant digits, right-aligned',
    make: () => loom.tensor([1 / 3, -12.5, 1e-8, 100]),
    text: `${head('float32', [4])}\n    [0.3333333,     -12.5,      1e-8,       100]`,
  },
  {
    name: 'NaN, ±Infinity and -0',
    make: () => loom.tensor([NaN, Infinity, -Infinity, -0]),
    text: `${head('float32', [4])}\n    [      NaN,  Infinity, -Infinity,        -0]`,
  },
  {
    name: 'int32',
    make: () => loom.tensor([[7, -123], [0, 45]], undefined, 'int32'),
    text: `${head('int32', [2, 2])}\n    [[   7, -123],\n     [   0,   45]]`,
  },
  {
    name: 'bool as true/false',
    make: () => loom.tensor([true, false, true], undefined, 'bool'),
    text: `${head('bool', [3])}\n    [ true, false,  true]`,
  },
  {
    name: 'rank 3: blocks separated by a blank line',
    make: () => loom.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),
    text: `${head('float32', [2, 2, 2])}\n    [[[1, 2],\n      [3, 4]],\n\n     [[5, 6],\n      [7, 8]]]`,
  },
  {
    name: 'a dimension longer than 20: first and last 3',
    make: () => loom.arange(0, 25, 1, 'int32'),
    text: `${head('int32', [25])}\n    [ 0,  1,  2, ..., 22, 23, 24]`,
  },
  {
    name: 'more than 1000 values: every dimension longer than 6 is summarized',
    // Row r holds 100·r + column, so the shown corners identify themselves.
    make: () => loom.tensor(Float32Array.from({ length: 8 * 200 }, (_, i) => 100 * Math.floor(i / 200) + (i % 200)), [8, 200]),
    text: `${head('float32', [8, 200])}\n` +
      '    [[  0,   1,   2, ..., 197, 198, 199],\n' +
      '     [100, 101, 102, ..., 297, 298, 299],\n' +
      '     [200, 201, 202, ..., 397, 398, 399],\n' +
      '     ...,\n' +
      '     [500, 501, 502, ..., 697, 698, 699],\n' +
      '     [600, 601, 602, ..., 797, 798, 799],\n' +
      '     [700, 701, 702, ..., 897, 898, 899]]',
  },
  {
    name: 'at most 1000 values and no dimension over 20: everything',
    make: () => loom.ones([2, 20], 'int32'),
    text: `${head('int32', [2, 20])}\n    [[${Array(20).fill('1').join(', ')}],\n     [${Array(20).fill('1').join(', ')}]]`,
  },
  { name: 'an empty tensor', make: () => loom.zeros([2, 0]), text: `${head('float32', [2, 0])}\n    [[],\n     []]` },
];

function checkCases(backend: string): void {
  for (const c of CASES) {
    it(`${c.name} (${backend})`, () => {
      const before = loom.memory().numTensors;
      const t = c.make();
      expect(t.backend).toBe(backend);
      expect(t.toString()).toBe(c.text);
      expect(inspect(t)).toBe(c.text);
      t.dispose();
      expect(loom.memory().numTensors).toBe(before);
    });
  }
}

afterEach(() => vi.restoreAllMocks());

describe('Tensor printing on js', () => {
  checkCases('js');

  it('print() logs toString() once with console.log; console.log(t) shows the same text', () => {
    const t = loom.tensor([[1, 2], [3, 4]]);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    t.print();
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith(t.toString());
    // Nested in other values too (util.inspect.custom), as console.log formats its arguments.
    expect(inspect({ weights: t })).toContain('shape: [2,2]');
    expect(`${t}`).toBe(t.toString());
    t.dispose();
  });

  it('a disposed tensor prints its header and "(disposed)" without throwing', () => {
    const t = loom.tensor([1, 2, 3]);
    t.dispose();
    expect(t.toString()).toBe(`${head('float32', [3])} (disposed)`);
    expect(() => t.print()).not.toThrow();
  });

  it('`using` disposes at the end of the block (Symbol.dispose is defined at run time)', () => {
    const before = loom.memory().numTensors;
    let seen: loom.Tensor | undefined;
    {
      using t = loom.ones([3]);
      seen = t;
      expect(t.isDisposed).toBe(false);
    }
    expect(seen.isDisposed).toBe(true);
    expect(loom.memory().numTensors).toBe(before);
  });
});

describe('Tensor printing on wasm', () => {
  beforeAll(async () => {
    loom.registerBackend(await wasm({ name: 'wasm-print' }), 0);
    await loom.setBackend('wasm-print');
  });
  afterAll(async () => {
    await loom.setBackend('js');
    loom.removeBackend('wasm-print');
  });
  checkCases('wasm-print');
});

// The webgpu package's tests' policy (test/probe.ts there, outside this package's rootDir): this
// project's machines have SwiftShader WebGPU, so its absence fails unless LOOM_ALLOW_NO_WEBGPU=1.
const probe = await Promise.race([
  webgpu().then((backend) => ({ backend, reason: '' }), (e: Error) => ({ backend: undefined, reason: e.message })),
  new Promise<{ backend?: WebGPUBackend; reason: string }>((resolve) =>
    setTimeout(() => resolve({ reason: 'webgpu() did not settle within 30 s (Dawn hung?)' }), 30_000)),
]);
if (probe.backend) {
  const backend = probe.backend;
  describe('Tensor printing on webgpu', () => {
    afterAll(async () => {
      await loom.setBackend('js');
      loom.removeBackend(backend.name);
    });

    it('shows dtype, rank and shape, and says the values are read with await t.data()', async () => {
      if (!loom.findBackend(backend.name)) loom.registerBackend(backend, 0);
      await loom.setBackend(backend.name);
      const t = loom.tensor([[1, 2], [3, 4]]);
      const text = `${head('float32', [2, 2])} (on the ${backend.name} backend, not host-visible; await t.data() reads them)`;
      expect(t.toString()).toBe(text);
      expect(inspect(t)).toBe(text);
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      t.print();
      expect(log).toHaveBeenCalledWith(text);
      expect(await t.array()).toEqual([[1, 2], [3, 4]]);
      t.dispose();
    });
  });
} else if (process.env.LOOM_ALLOW_NO_WEBGPU === '1') {
  it.skip(`Tensor printing on webgpu: WebGPU unavailable here (LOOM_ALLOW_NO_WEBGPU=1): ${probe.reason}`, () => {});
} else {
  it('Tensor printing on webgpu: WebGPU is available', () => {
    throw new Error(`WebGPU is unavailable: ${probe.reason}. The tests expect SwiftShader WebGPU from Debian's chromium; ` +
      'set LOOM_ALLOW_NO_WEBGPU=1 to skip on a machine without it.');
  });
}
