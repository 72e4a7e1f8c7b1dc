// Tests beyond the conformance suite, shared by the Node and browser runs: larger shapes that reach
// the tiled/tree code paths (compared with the js backend), batching and buffer-pool reuse,
// GPU-side gather range errors, limits, profiling, device loss and restore.

import * as loom from '@loom/core';
import { compareResults, toleranceFor } from '@loom/core/testing';
import { formatProfile, webgpu, type WebGPUBackend } from '@loom/webgpu-kernels';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

type Build = (l: typeof loom) => loom.Tensor | loom.Tensor[];

/** Deterministic values in [-2, 2) (with NaN at given positions). */
function values(n: number, seed: number, nanAt: number[] = []): Float32Array {
  const rng = new loom.SeededRandom(seed);
  const v = Float32Array.from({ length: n }, () => 4 * rng.uniform() - 2);
  for (const i of nanAt) v[i] = NaN;
  return v;
}

async function runOn(backend: string, build: Build): Promise<{ shape: number[]; dtype: loom.DType; values: ArrayLike<number> }[]> {
  await loom.setBackend(backend);
  const out = loom.tidy(() => {
    const r = build(loom);
    return Array.isArray(r) ? r : [r];
  });
  const results = [];
  for (const t of out) results.push({ shape: [...t.shape], dtype: t.dtype, values: await t.data() });
  loom.dispose(out);
  return results;
}

/** Runs `build` on js and on webgpu and expects the results to agree within `op`'s tolerance. */
async function agrees(op: string, build: Build): Promise<void> {
  const expected = await runOn('js', build);
  const actual = await runOn('webgpu', build);
  expect(compareResults(actual, expected, toleranceFor(op), op), op).toBeUndefined();
}

/** Registers the tests; `backend()` is the registered, active-able webgpu backend. */
export function defineRuntimeTests(backend: () => WebGPUBackend): void {
  describe('webgpu kernels on larger shapes (tiled and tree paths) match js', () => {
    const t = (l: typeof loom, shape: number[], seed: number, nanAt?: number[]) =>
      l.tensor(values(shape.reduce((a, b) => a * b, 1), seed, nanAt), shape);

    it('matmul: unaligned and aligned sizes, transposes, batch broadcast', async () => {
      await agrees('matmul', (l) => l.matmul(t(l, [70, 33], 1), t(l, [33, 65], 2)));
      await agrees('matmul', (l) => l.matmul(t(l, [3, 64, 128], 3), t(l, [3, 128, 68], 4)));
      await agrees('matmul', (l) => l.matmul(t(l, [2, 40, 37], 5), t(l, [37, 20], 6)));
      await agrees('matmul', (l) => l.matmul(t(l, [33, 70], 7), t(l, [65, 33], 8), { transposeA: true, transposeB: true }));
      await agrees('matmul', (l) => l.matmul(t(l, [64, 72], 9), t(l, [80, 64], 10), { transposeA: true, transposeB: true }));
      await agrees('matmul', (l) => l.matmul(t(l, [1, 129], 11), t(l, [129, 3], 12)));
    });

    it('matmul: tile-aligned shapes take the unchecked shader (vec4 stores) and agree; others do not', async () => {
      const keys: string[] = [];
      const b = backend();
      const dispatch = b.dispatch.bind(b);
      const spy = vi.spyOn(b, 'dispatch').mockImplementation((spec, ...rest) => { keys.push(spec.key); return dispatch(spec, ...rest); });
      try {
        await agrees('matmul', (l) => l.matmul(t(l, [128, 48], 42), t(l, [48, 192], 43)));
        await agrees('matmul', (l) => l.matmul(t(l, [32, 64], 44), t(l, [128, 32], 45), { transposeA: true, transposeB: true }));
        await agrees('fusedMatmul', (l) => l.fusedMatmul(t(l, [2, 64, 64], 46), t(l, [64, 64], 47), { bias: t(l, [64], 48), activation: 'tanh' }));
        await agrees('matmul', (l) => l.matmul(t(l, [64, 40], 49), t(l, [40, 64], 50)));
      } finally {
        spy.mockRestore();
      }
      const mm = keys.filter((k) => k.startsWith('matmul:'));
      expect(mm.slice(0, 3).every((k) => k.includes(':aligned')), mm.join(' ')).toBe(true);
      // K = 40 is not a multiple of the K step: the checked shader.
      expect(mm[3]).not.toContain(':aligned');
    });

    it('fusedMatmul: the epilogue (bias, activation) in the tiled shader, across tile edges', async () => {
      for (const activation of ['relu', 'sigmoid', 'tanh', 'gelu'] as const) {
        await agrees('fusedMatmul', (l) => l.fusedMatmul(t(l, [70, 36], 30), t(l, [36, 66], 31), { bias: t(l, [66], 32), activation }));
      }
      await agrees('fusedMatmul',
        (l) => l.fusedMatmul(t(l, [2, 33, 64], 33), t(l, [2, 65, 64], 34), { transposeB: true, activation: 'relu6' }));
    });

    it('conv2d and pooling with strides, dilation and padding', async () => {
      await agrees('conv2d', (l) => l.conv2d(t(l, [2, 9, 9, 5], 13), t(l, [3, 3, 5, 7], 14), { strides: 2, padding: 'same' }));
      await agrees('conv2d', (l) => l.conv2d(t(l, [1, 10, 8, 3], 15), t(l, [3, 2, 3, 8], 16), { dilations: 2, padding: 'valid' }));
      await agrees('conv1d', (l) => l.conv1d(t(l, [2, 30, 6], 17), t(l, [5, 6, 4], 18), { stride: 1, padding: 'same' }));
      await agrees('maxPool2d', (l) => l.maxPool2d(t(l, [2, 9, 9, 3], 19, [5]), { poolSize: 3, strides: 2, padding: 'same' }));
      await agrees('avgPool2d', (l) => l.avgPool2d(t(l, [2, 9, 9, 3], 20), { poolSize: 3, strides: 2, padding: 'same' }));
    });

    it('reductions: long (workgroup tree), multi-axis, NaN, int32', async () => {
      await agrees('sum', (l) => l.sum(t(l, [3, 1000], 21), 1));
      await agrees('sum', (l) => l.sum(t(l, [20, 5, 30], 22), [0, 2]));
      await agrees('max', (l) => l.max(t(l, [2, 600], 23, [300]), 1));
      await agrees('min', (l) => l.min(t(l, [600, 3], 24), 0));
      await agrees('prod', (l) => l.prod(l.add(l.mul(t(l, [4, 300], 25), 0.01), 1), 1));
      await agrees('sum', (l) => l.sum(l.cast(l.mul(t(l, [5000], 26), 1000), 'int32')));
      await agrees('argMax', (l) => l.argMax(t(l, [7, 500], 27), 1));
      await agrees('argMin', (l) => l.argMin(t(l, [500, 7], 28), 0));
    });

    it('softmax/logSoftmax: long rows (tree), inner axes, -Infinity', async () => {
      await agrees('softmax', (l) => l.softmax(t(l, [4, 700], 29)));
      await agrees('logSoftmax', (l) => l.logSoftmax(t(l, [4, 300], 30)));
      await agrees('softmax', (l) => l.softmax(t(l, [6, 5, 7], 31), 1));
      await agrees('softmax', (l) => l.softmax(l.tensor([1, -Infinity, 3, -Infinity], [2, 2])));
    });

    it('cumsum, topk, gather with GPU-computed indices, concat, pad, strided slice', async () => {
      await agrees('cumsum', (l) => l.cumsum(t(l, [40, 6], 32), 0, true, true));
      await agrees('topk', (l) => Object.values(l.topk(t(l, [3, 50], 33, [7]), 9)));
      await agrees('gather', (l) => l.gather(t(l, [30, 4], 34), l.sub(l.tensor([10, 11, 29, 29, 10], [5], 'int32'), 0)));
      await agrees('concat', (l) => l.concat([t(l, [3, 70], 35), t(l, [3, 1], 36), t(l, [3, 0], 37), t(l, [3, 9], 38)], 1));
      await agrees('pad', (l) => l.pad(t(l, [5, 6, 7], 39), [[1, 2], [0, 3], [2, 2]], -1));
      await agrees('stridedSlice', (l) => l.reverse(t(l, [6, 7, 8], 40), [0, 2]));
      await agrees('transpose', (l) => l.transpose(t(l, [2, 3, 4, 5, 6], 41), [4, 2, 0, 3, 1]));
    });
  });

  describe('webgpu runtime', () => {
    beforeAll(async () => {
      await loom.setBackend('webgpu');
    });
    afterAll(async () => {
      await loom.setBackend('js');
    });

    it('runs many small ops between readbacks, reusing pooled buffers', async () => {
      await loom.setBackend('webgpu');
      const before = backend().memory();
      let x = loom.zeros([100]);
      const steps = 500;
      for (let i = 0; i < steps; i++) {
        const next = loom.tidy(() => loom.add(loom.mul(x, 1), 1));
        x.dispose();
        x = next;
      }
      const mid = backend().memory();
      const v = await x.data();
      x.dispose();
      const after = backend().memory();
      expect(Array.from(v).every((e) => e === steps)).toBe(true);
      // 1000 kernels and 1000+ tensors, but only a handful of buffers were ever created...
      expect(mid.buffersCreated - before.buffersCreated).toBeLessThan(10);
      expect(mid.buffersReused - before.buffersReused).toBeGreaterThan(2 * steps - 10);
      // ...and submitted in batches, not one submit per op.
      expect(mid.submits - before.submits).toBeLessThanOrEqual(Math.ceil((2 * steps + 1) / 64) + 1);
      expect(mid.pipelines - before.pipelines).toBeLessThanOrEqual(3);
      expect(after.buffers).toBe(before.buffers);
      expect(after.pooledBuffers).toBeLessThan(before.pooledBuffers + 10);
    });

    it('reports a gather index that is out of range on the GPU at the next read, and stays usable', async () => {
      await loom.setBackend('webgpu');
      const x = loom.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
      // The indices come out of a kernel, so only the GPU sees them: the read rejects.
      const idx = loom.add(loom.tensor([0, 2], [2], 'int32'), 1);
      const y = loom.gather(x, idx);
      await expect(y.data()).rejects.toThrow(/gather: an index was out of range/);
      const ok = loom.gather(x, loom.tensor([2, 0], [2], 'int32'));
      expect(Array.from(await ok.data())).toEqual([5, 6, 1, 2]);
      loom.dispose([x, idx, y, ok]);
    });

    it('rejects tensors above the device limits, naming the limit, without leaking', async () => {
      await loom.setBackend('webgpu');
      const limit = backend().device.limits.maxStorageBufferBindingSize;
      const before = loom.memory();
      // Core refuses it before allocating, from the backend's per-tensor limit (the smaller buffer limit).
      const cap = Math.min(limit, backend().device.limits.maxBufferSize);
      expect(() => loom.zeros([Math.floor(cap / 4) + 1])).toThrow(new RegExp(`^zeros: .* above backend 'webgpu''s limit of ${cap} bytes per tensor`));
      expect(loom.memory().numTensors).toBe(before.numTensors);
    });

    it('reports an uncaptured device error at the next read, then works on', async () => {
      await loom.setBackend('webgpu');
      const b = backend();
      // A deliberately invalid call (a storage buffer cannot also be MAP_READ) raises an uncaptured error.
      b.device.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.MAP_READ });
      const x = loom.tensor([1, 2]);
      // The error event arrives asynchronously: read until a read reports it (2 s at most).
      let message = '';
      for (let i = 0; i < 100 && !message; i++) {
        await x.data().catch((e: Error) => { message = e.message; });
        if (!message) await new Promise((r) => setTimeout(r, 20));
      }
      expect(message).toMatch(/the device reported GPU error/);
      expect(Array.from(await x.data())).toEqual([1, 2]);
      x.dispose();
    });

    it('dataSync gives a clear error; data() works', async () => {
      await loom.setBackend('webgpu');
      const x = loom.tensor([1, 2, 3]);
      expect(() => x.dataSync()).toThrow(/not host-visible/);
      expect(Array.from(await x.data())).toEqual([1, 2, 3]);
      x.dispose();
    });

    it('profiles kernels with timestamp queries when the device has them', async () => {
      await loom.setBackend('webgpu');
      const b = backend();
      const started = b.startProfile();
      expect(started).toBe(b.device.features.has('timestamp-query'));
      const a = loom.ones([32, 48]);
      const y = loom.relu(loom.matmul(a, a, { transposeB: true }));
      await y.data();
      const timings = await b.stopProfile();
      loom.dispose([a, y]);
      if (started) {
        expect(timings.map((t) => t.op)).toEqual(['fill', 'matmul', 'relu']);
        expect(timings.every((t) => t.microseconds >= 0)).toBe(true);
        expect(formatProfile(timings)).toMatch(/matmul .*\[1,32,48\]x\[1,32,48\]/);
      }
    });

    it('describes its device', () => {
      const info = backend().deviceInfo();
      expect(info.kind).toBe('gpu');
      expect(info.description).toMatch(/WebGPU/);
    });

    it('refuses a software adapter when allowSoftwareAdapter is false, accepts a hardware one', async () => {
      const software = /software fallback/.test(backend().deviceInfo().description);
      const attempt = webgpu({ allowSoftwareAdapter: false });
      if (software) {
        await expect(attempt).rejects.toThrow(/webgpu: only a software adapter is available .*a CPU backend will be faster/);
      } else {
        const other = await attempt;
        expect(other.deviceInfo().kind).toBe('gpu');
        other.dispose();
      }
    });

    it('turns a lost device into a clear error and restores with a new device', async () => {
      const b = await webgpu({ subgroups: false });
      const id = b.alloc(4, 'float32');
      b.write(id, new Float32Array([1, -2, 3, -4]));
      b.device.destroy();
      await new Promise((r) => setTimeout(r, 50));
      await b.device.lost;
      expect(() => b.alloc(4, 'float32')).toThrow(/device was lost .*restore\(\)/);
      await b.restore();
      expect(() => b.run('relu', [{ dataId: id, shape: [4], dtype: 'float32', size: 4 }],
        [{ dataId: id, shape: [4], dtype: 'float32', size: 4 }], {})).toThrow(/lost device/);
      const x = b.alloc(4, 'float32');
      const y = b.alloc(4, 'float32');
      b.write(x, new Float32Array([1, -2, 3, -4]));
      b.run('relu', [{ dataId: x, shape: [4], dtype: 'float32', size: 4 }], [{ dataId: y, shape: [4], dtype: 'float32', size: 4 }], {});
      expect(Array.from(await b.read(y))).toEqual([1, 0, 3, 0]);
      b.dispose();
    });

    it('reduces the same without subgroups', async () => {
      const b = await webgpu({ subgroups: false });
      const n = 3000;
      const data = values(n, 42);
      const x = b.alloc(n, 'float32');
      const y = b.alloc(1, 'float32');
      b.write(x, data);
      b.run('sum', [{ dataId: x, shape: [n], dtype: 'float32', size: n }], [{ dataId: y, shape: [], dtype: 'float32', size: 1 }],
        { axes: [0] });
      const got = (await b.read(y))[0];
      const want = data.reduce((s, v) => s + v, 0);
      expect(Math.abs(got - want)).toBeLessThan(1e-3);
      b.dispose();
    });
  });
}
