// The heap allocator: no overlap and intact data under random alloc/free, full coalescing, size
// classes, growth; the backend's memory() accounting stays exact and flat over many rounds.

import * as loom from '@loom/core';
import { describe, expect, it } from 'vitest';
import { HeapAllocator, sizeClass, wasm } from '@loom/wasm-kernels';

describe('HeapAllocator', () => {
  it('rounds sizes to 64-byte classes with at most 12.5% waste', () => {
    expect(sizeClass(0)).toBe(64);
    expect(sizeClass(65)).toBe(128);
    expect(sizeClass(8192)).toBe(8192);
    for (const b of [8193, 10_000, 123_457, 5_000_001]) {
      const c = sizeClass(b);
      expect(c).toBeGreaterThanOrEqual(b);
      expect(c % 64).toBe(0);
      expect((c - b) / b).toBeLessThanOrEqual(0.125);
    }
  });

  it('reuses the most recently freed block of a size class (still in cache)', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 64 });
    const heap = new HeapAllocator(memory, 0, 64 * 65536);
    // Free blocks of one class, kept apart by live spacers so they cannot merge.
    const blocks: number[] = [];
    for (let i = 0; i < 4; i++) {
      blocks.push(heap.alloc(4096));
      heap.alloc(64);
    }
    for (const b of blocks) heap.free(b);
    // An op's output that is freed and allocated again keeps landing on the block freed last.
    for (let round = 0; round < 3; round++) {
      const out = heap.alloc(4096);
      expect(out).toBe(blocks[3]);
      heap.free(out);
    }
    // Then the others, newest first.
    expect([heap.alloc(4096), heap.alloc(4096)]).toEqual([blocks[3], blocks[2]]);
    expect(heap.stats().freeBlocks).toBe(2);
  });

  it('keeps blocks disjoint and their contents intact under random alloc/free, then coalesces fully', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4096 });
    const heap = new HeapAllocator(memory, 1000, 4096 * 65536);
    const rng = new loom.SeededRandom(42);
    const live = new Map<number, { size: number; tag: number }>();
    for (let step = 0; step < 4000; step++) {
      if (live.size > 0 && rng.uniform() < 0.45) {
        const keys = [...live.keys()];
        const ptr = keys[Math.floor(rng.uniform() * keys.length)];
        const { size, tag } = live.get(ptr)!;
        const bytes = new Uint8Array(memory.buffer, ptr, size);
        expect(bytes.every((b) => b === tag)).toBe(true);
        heap.free(ptr);
        live.delete(ptr);
      } else {
        const size = 1 + Math.floor(rng.uniform() ** 3 * 200_000);
        const ptr = heap.alloc(size);
        expect(ptr % 64).toBe(0);
        expect(ptr).toBeGreaterThanOrEqual(1000);
        expect(ptr + size).toBeLessThanOrEqual(memory.buffer.byteLength);
        const tag = step % 251;
        new Uint8Array(memory.buffer, ptr, size).fill(tag);
        live.set(ptr, { size, tag });
      }
    }
    for (const [ptr, { size, tag }] of live) {
      expect(new Uint8Array(memory.buffer, ptr, size).every((b) => b === tag)).toBe(true);
      heap.free(ptr);
    }
    const s = heap.stats();
    expect(s).toMatchObject({ topBytes: 24, freeBytes: 0, freeBlocks: 0, usedBytes: 0, usedBlocks: 0 });
  });

  it('throws a clear error when memory cannot grow and stays usable', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const heap = new HeapAllocator(memory, 0, 2 * 65536);
    const a = heap.alloc(60_000);
    expect(() => heap.alloc(100_000)).toThrow(/out of memory allocating 100000 bytes/);
    const b = heap.alloc(60_000);
    heap.free(a);
    heap.free(b);
    expect(heap.stats().usedBlocks).toBe(0);
  });
});

describe('wasm backend memory', () => {
  it('memory() is exact and flat over many rounds of random tensors', async () => {
    const backend = await wasm({ name: 'wasm-stress' });
    loom.registerBackend(backend, -1);
    await loom.setBackend('wasm-stress');
    const base = backend.memory();
    const baseTop = backend.heapStats().topBytes;
    const rng = new loom.SeededRandom(7);
    let heapAfterWarmup = 0;
    for (let round = 0; round < 60; round++) {
      const kept: loom.Tensor[] = [];
      loom.tidy(() => {
        for (let i = 0; i < 12; i++) {
          const n = 1 + Math.floor(rng.uniform() ** 2 * 300_000);
          const t = loom.full([n], i, rng.uniform() < 0.3 ? 'int32' : 'float32');
          const u = loom.add(t, 1);
          if (rng.uniform() < 0.3) kept.push(loom.keep(u));
        }
      });
      const m = backend.memory();
      expect(m.buffers).toBe(base.buffers + kept.length);
      expect(m.bytes).toBe(base.bytes + kept.reduce((s, t) => s + t.size * 4, 0));
      loom.dispose(kept);
      expect(backend.memory()).toMatchObject({ buffers: base.buffers, bytes: base.bytes });
      expect(backend.heapStats().topBytes).toBe(baseTop);
      if (round === 10) heapAfterWarmup = backend.heapStats().heapBytes;
    }
    // The heap reached its size early and was reused, not grown, afterwards.
    expect(backend.heapStats().heapBytes).toBeLessThanOrEqual(heapAfterWarmup * 1.5);
    await loom.setBackend('js');
    loom.removeBackend('wasm-stress');
  });

  it('grows linear memory past its initial size; tensors written before the growth stay intact', async () => {
    const backend = await wasm({ name: 'wasm-grow', initialMemoryBytes: 1 << 20 });
    loom.registerBackend(backend, -1);
    await loom.setBackend('wasm-grow');
    const small = loom.tensor([1, 2, 3], [3]);
    const big = loom.full([10_000_000], 0.5);
    expect(backend.heapStats().heapBytes).toBeGreaterThan(40_000_000);
    const s = loom.sum(big);
    expect(await s.data()).toEqual(new Float32Array([5_000_000]));
    const twice = loom.mul(small, 2);
    expect(await twice.data()).toEqual(new Float32Array([2, 4, 6]));
    loom.dispose([small, big, s, twice]);
    expect(backend.memory()).toMatchObject({ buffers: 0, bytes: 0 });
    await loom.setBackend('js');
    loom.removeBackend('wasm-grow');
  });

  it('an allocation failure is a clear error and leaves the backend usable', async () => {
    const backend = await wasm({ name: 'wasm-small', maxMemoryBytes: 32 * 2 ** 20 });
    loom.registerBackend(backend, -1);
    await loom.setBackend('wasm-small');
    const before = loom.memory();
    // Larger than the whole heap: refused by core before allocating, from the backend's maxTensorBytes.
    expect(() => loom.zeros([16 * 2 ** 20])).toThrow(/zeros: .* needs 67108864 bytes, above backend 'wasm-small''s limit of 33554432 bytes/);
    // Fits the limit but not the heap that is left: the allocator's own error.
    const big = loom.zeros([5 * 2 ** 20]);
    expect(() => loom.zeros([5 * 2 ** 20])).toThrow(/out of memory allocating 20971520 bytes/);
    big.dispose();
    const x = loom.ones([4, 1000]);
    // An op whose output does not fit what is left, with its inputs allocated: out of memory, nothing leaked.
    const a = loom.ones([2000, 1000]);
    const b = loom.ones([1000, 2000]);
    expect(() => loom.matmul(a, b)).toThrow(/out of memory allocating 16000000 bytes/);
    loom.dispose([a, b]);
    const y = loom.sum(x);
    expect(await y.data()).toEqual(new Float32Array([4000]));
    loom.dispose([x, y]);
    expect(loom.memory().numTensors).toBe(before.numTensors);
    expect(backend.memory()).toMatchObject({ buffers: 0, bytes: 0 });
    await loom.setBackend('js');
    loom.removeBackend('wasm-small');
  });

  it('a wasm trap inside a kernel becomes an error naming the op; the backend stays usable', async () => {
    const backend = await wasm({ name: 'wasm-trap', maxMemoryBytes: 64 * 2 ** 20 });
    const x = backend.alloc(4, 'float32');
    const y = backend.alloc(4, 'float32');
    backend.write(x, new Float32Array([1, 2, 3, 4]));
    // A TensorInfo that lies about its shape makes the kernel read far outside linear memory.
    const bogus = { dataId: x, shape: [1e9], dtype: 'float32' as const, size: 1e9 };
    const out = { dataId: y, shape: [4], dtype: 'float32' as const, size: 4 };
    expect(() => backend.run('slice', [bogus], [out], { begin: [9e8], strides: [1] })).toThrow(/^slice: wasm kernel trapped/);
    backend.run('exp', [{ ...bogus, shape: [4], size: 4 }], [out], {});
    const e = backend.readSync(y) as Float32Array;
    [1, 2, 3, 4].forEach((v, i) => expect(e[i]).toBeCloseTo(Math.exp(v), 4));
    backend.free(x);
    backend.free(y);
    expect(backend.memory()).toMatchObject({ buffers: 0, bytes: 0 });
    expect(backend.heapStats().usedBlocks).toBe(1);
  });
});
