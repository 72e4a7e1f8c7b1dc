// GPU faults, shared by the Node and browser runs: a shader that fails to compile, a command batch
// the device rejects, tensors above the buffer limits, device loss mid-batch, and the buffer pool
// under pressure. Each must fail exactly the tensors it invalidated, with the real cause, leave
// the backend usable and give its memory back.

import * as loom from '@loom/core';
import { webgpu, type WebGPUBackend, type WebGPUOptions } from '@loom/webgpu-kernels';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectShaderFault } from '../src/faults.js';

/** A fresh backend with `options`, registered as 'webgpu' and active during the describe block. */
function useBackend(options: WebGPUOptions): () => WebGPUBackend {
  let backend: WebGPUBackend | undefined;
  beforeAll(async () => {
    await loom.setBackend('js'); // a registered backend can only be replaced while inactive
    backend = await webgpu(options);
    loom.registerBackend(backend, 3);
    await loom.setBackend('webgpu');
  });
  afterAll(async () => {
    if (backend) injectShaderFault(backend.device, undefined);
    await loom.setBackend('js');
    loom.removeBackend('webgpu');
  });
  return () => backend!;
}

const values = async (t: loom.Tensor): Promise<number[]> => Array.from(await t.data());

/** Live tensors and backend buffers, to check that a fault leaked nothing. */
function snapshot(b: WebGPUBackend): { tensors: number; buffers: number } {
  return { tensors: loom.memory().numTensors, buffers: b.memory().buffers };
}

/** The tensor's GPU buffer (internal: the fault tests break it behind the backend's back). */
function bufferOf(t: loom.Tensor): GPUBuffer {
  return (t as unknown as { handle: { dataId: { buffer: GPUBuffer } } }).handle.dataId.buffer;
}

export function defineFaultTests(): void {
  describe('webgpu faults: the pool defers destroying buffers that queued work still uses', () => {
    describe('poolLimitBytes: 0', () => {
      const backend = useBackend({ poolLimitBytes: 0 });

      it('frees intermediates inside a batch without invalidating it', async () => {
        const before = snapshot(backend());
        const other = loom.tidy(() => loom.mul(loom.ones([3]), 5));
        // The tidy frees ones([4]) and the add while sum's dispatch is still unsubmitted.
        const s = loom.tidy(() => loom.sum(loom.add(loom.ones([4]), 1)));
        expect(await values(s)).toEqual([8]);
        expect(await values(other)).toEqual([5, 5, 5]);
        expect(await values(s)).toEqual([8]);
        loom.dispose([other, s]);
        expect(snapshot(backend())).toEqual(before);
        expect(backend().memory().pooledBytes).toBe(0);
      });

      it('runs a long chain of freed intermediates in few batches, keeping nothing pooled', async () => {
        const before = snapshot(backend());
        const submits = backend().memory().submits;
        let x = loom.zeros([300]);
        for (let i = 0; i < 100; i++) {
          const next = loom.tidy(() => loom.add(loom.mul(x, 1), 1));
          x.dispose();
          x = next;
        }
        expect((await values(x)).every((v) => v === 100)).toBe(true);
        x.dispose();
        expect(backend().memory().submits - submits).toBeLessThanOrEqual(Math.ceil(201 / 64) + 1);
        expect(snapshot(backend())).toEqual(before);
        expect(backend().memory().pooledBuffers).toBe(0);
      });

      it('a host write into a fresh buffer after frees in the open batch lands in order', async () => {
        const a = loom.ones([64]);
        const b = loom.tidy(() => loom.sum(loom.mul(loom.add(a, 1), 2))); // frees two buffers in the batch
        const c = loom.tensor(new Float32Array(64).fill(3));
        const d = loom.add(c, b);
        expect((await values(d)).every((v) => v === 3 + 64 * 4)).toBe(true);
        loom.dispose([a, b, c, d]);
      });
    });

    describe('poolLimitBytes: 1024 (as with the default 256 MiB once more than that is freed in a batch)', () => {
      const backend = useBackend({ poolLimitBytes: 1024 });

      it('keeps at most the limit pooled and computes every step right', async () => {
        const before = snapshot(backend());
        // 256-byte buffers fit the limit (pooled, reused in the batch); 4 KiB ones never do (destroyed after the submit).
        let small = loom.zeros([16]);
        let large = loom.zeros([1000]);
        for (let i = 0; i < 60; i++) {
          const [s, l] = loom.tidy(() => [loom.add(small, 1), loom.add(loom.mul(large, 1), loom.sum(small))]);
          loom.dispose([small, large]);
          small = s;
          large = l;
        }
        const expectLarge = (60 * 59) / 2; // Σ_{i<60} i
        expect((await values(small)).every((v) => v === 60)).toBe(true);
        expect((await values(large)).every((v) => v === 16 * expectLarge)).toBe(true);
        expect(backend().memory().pooledBytes).toBeLessThanOrEqual(1024);
        loom.dispose([small, large]);
        expect(snapshot(backend())).toEqual(before);
        expect(backend().memory().pooledBytes).toBeLessThanOrEqual(1024);
      });
    });
  });

  describe('webgpu faults: a failed batch fails every tensor it wrote, with the cause', () => {
    const backend = useBackend({});

    it('a shader that fails to compile: its batch and what depends on it fail, naming the op; the pipeline is dropped', async () => {
      const b = backend();
      const before = snapshot(b);
      const a = loom.tensor([1, 2, 3, 4]); // a host write outside any batch: stays valid
      const warm = loom.exp(a);
      await warm.data();
      injectShaderFault(b.device, (key, code) => (key.startsWith('binary:mul') ? `${code}\nfn broken( {` : code));
      const e = loom.exp(a);
      const c = loom.mul(e, 2); // its shader does not compile
      const d = loom.add(c, 1); // computed from it, in the same batch
      const n = loom.neg(a); // unrelated, but in the same batch: nothing of it ran
      for (const t of [c, d, e, n]) {
        await expect(t.data()).rejects.toThrow(/the shader of mul \(binary:mul[^)]*\) failed to compile: .*WGSL/s);
      }
      // Every read fails, not just the first, and later ops on a failed tensor fail the same way.
      await expect(c.data()).rejects.toThrow(/webgpu: mul: this tensor holds no valid data/);
      const later = loom.sub(d, 1);
      await expect(later.data()).rejects.toThrow(/failed to compile/);
      expect(await values(a)).toEqual([1, 2, 3, 4]);

      // Still broken: the failed pipeline was dropped, so the next use compiles again and fails again.
      const compiled = b.memory().pipelines;
      const again = loom.mul(a, 3);
      await expect(again.data()).rejects.toThrow(/the shader of mul .*failed to compile/s);
      expect(b.memory().pipelines).toBe(compiled + 1);

      // Fixed: the same op compiles and runs; freeing failed tensors does not throw, their buffers serve new work.
      injectShaderFault(b.device, undefined);
      loom.dispose([c, d, e, n, later, again]);
      const ok = loom.mul(a, 2);
      const ok2 = loom.tidy(() => loom.add(loom.exp(loom.zeros([4])), ok));
      expect(await values(ok)).toEqual([2, 4, 6, 8]);
      expect(await values(ok2)).toEqual([3, 5, 7, 9]);
      loom.dispose([a, warm, ok, ok2]);
      expect(snapshot(b)).toEqual(before);
    });

    it('a read whose copy shares a batch with a failing op still returns its (valid) tensor', async () => {
      const b = backend();
      const kept = loom.tensor([7, 8]);
      await kept.data();
      injectShaderFault(b.device, (key, code) => (key.startsWith('unary:tanh') ? `${code}\nfn broken( {` : code));
      const bad = loom.tanh(kept); // fails; the read of `kept` below is copied in the same batch
      expect(await values(kept)).toEqual([7, 8]);
      await expect(bad.data()).rejects.toThrow(/the shader of tanh .*failed to compile/s);
      injectShaderFault(b.device, undefined);
      loom.dispose([kept, bad]);
    });
  });

  describe('webgpu faults: a failure deep in a long chain of batches (batchSize: 1)', () => {
    const backend = useBackend({ batchSize: 1 });

    it('reaches the end of the chain even past the batches a tensor tracks one by one', async () => {
      const b = backend();
      const before = snapshot(b);
      injectShaderFault(b.device, (key, code) => (key.startsWith('binary:mul') ? `${code}\nfn broken( {` : code));
      // 60 batches with no await: nothing settles meanwhile, so the chain's tensors track more batches than they name.
      let x = loom.tensor([1, 2]);
      for (let i = 0; i < 60; i++) {
        const next = i === 10 ? loom.mul(x, 2) : loom.add(x, 1);
        x.dispose();
        x = next;
      }
      const zero = loom.tensor([0, 0]);
      const clean = loom.add(zero, 1);
      await expect(x.data()).rejects.toThrow(/webgpu: add: this tensor holds no valid data: .*the shader of mul .*failed to compile/s);
      expect(await values(clean)).toEqual([1, 1]);
      injectShaderFault(b.device, undefined);
      const y = loom.mul(clean, 3);
      expect(await values(y)).toEqual([3, 3]);
      loom.dispose([x, zero, clean, y]);
      expect(snapshot(b)).toEqual(before);
    });
  });

  describe('webgpu faults: a batch the device rejects', () => {
    // Its own backend: the test destroys a pooled buffer behind the backend's back.
    const backend = useBackend({});

    it('a buffer destroyed behind the backend: the outputs of its batch fail with the device message', async () => {
      const b = backend();
      const before = snapshot(b);
      const victim = loom.tensor([1, 2, 3]);
      const fine = loom.tensor([4, 5, 6]);
      await fine.data();
      bufferOf(victim).destroy();
      const y = loom.relu(victim); // encoded with a destroyed buffer: the submit is rejected
      const z = loom.add(fine, 1); // same batch
      await expect(y.data()).rejects.toThrow(/webgpu: relu: .*GPU rejected a command batch it depends on \(ops: relu, add\).*validation error: .*destroyed/s);
      await expect(z.data()).rejects.toThrow(/webgpu: add: this tensor holds no valid data: .*destroyed/s);
      // Tensors from earlier batches and new work are fine.
      expect(await values(fine)).toEqual([4, 5, 6]);
      const w = loom.mul(fine, 2);
      expect(await values(w)).toEqual([8, 10, 12]);
      loom.dispose([victim, fine, y, z, w]);
      expect(snapshot(b)).toEqual(before);
    });

  });

  describe('webgpu faults: tensors above the buffer limits', () => {
    const backend = useBackend({});

    it('an op whose output is too large throws naming the op and the limit, and leaks nothing', async () => {
      const b = backend();
      const limit = b.device.limits.maxStorageBufferBindingSize;
      const before = snapshot(b);
      const side = Math.ceil(Math.sqrt(limit / 4)) + 1; // side² float32 is above the limit
      const col = loom.ones([side, 1]);
      const row = loom.ones([1, side]);
      // Core refuses it before allocating, from the backend's maxTensorBytes (the smaller buffer limit).
      const cap = b.maxTensorBytes;
      expect(cap).toBe(Math.min(limit, b.device.limits.maxBufferSize));
      expect(() => loom.add(col, row)).toThrow(
        new RegExp(`^add: a float32 tensor of shape \\[${side},${side}\\] needs ${side * side * 4} bytes, above backend 'webgpu''s ` +
          `limit of ${cap} bytes per tensor`));
      expect(() => loom.zeros([Math.floor(cap / 4) + 1])).toThrow(/^zeros: .*limit of \d+ bytes per tensor/);
      // Allocated directly and read: the read names the limit.
      const id = b.alloc(Math.floor(b.device.limits.maxBufferSize / 4) + 1, 'int32');
      await expect(b.read(id)).rejects.toThrow(/webgpu: read: a int32 tensor of \d+ elements .*(maxStorageBufferBindingSize|maxBufferSize)/);
      expect(() => b.write(id, new Int32Array(1))).toThrow(/webgpu: write: .*above this device's/);
      b.free(id);
      const s = loom.tidy(() => loom.sum(loom.add(col, 1)));
      expect(await values(s)).toEqual([2 * side]);
      loom.dispose([col, row, s]);
      expect(snapshot(b)).toEqual(before);
    });
  });

  describe('webgpu faults: device loss mid-batch', () => {
    const backend = useBackend({});

    it('fails the unsubmitted work with the loss, restores, and works on', async () => {
      const b = backend();
      const before = snapshot(b);
      const a = loom.tensor([1, -2, 3]);
      const c = loom.relu(a);
      const d = loom.mul(c, 2); // both encoded, not submitted
      b.device.destroy();
      await expect(d.data()).rejects.toThrow(/device was lost .*restore\(\)/);
      await expect(c.data()).rejects.toThrow(/device was lost/);
      expect(() => loom.add(a, 1)).toThrow(/device was lost/);
      await b.restore();
      await expect(d.data()).rejects.toThrow(/lost device/);
      const e = loom.tidy(() => loom.relu(loom.tensor([-1, 5])));
      expect(await values(e)).toEqual([0, 5]);
      loom.dispose([a, c, d, e]); // freeing tensors of the lost device does not throw
      expect(snapshot(b)).toEqual({ tensors: before.tensors, buffers: 0 }); // the lost device's buffers went with it
    });
  });
}
