// Engine behaviour: memory scopes, disposal, `using`, the finalizer safety net, backend
// registration/selection/fallback, info(), host visibility and moving data between backends.
import { afterEach, describe, expect, it } from 'vitest';
import {
  JsBackend, add, onOp, randomNormal, dispose, getBackend, info, init, keep, memory, moveToBackend, ones, registerBackend, removeBackend,
  scalar, setBackend, tensor, tidy, zeros, type Backend, type TypedArray,
} from '@loom/core';

/** A js backend whose memory is not host-visible (like WebGPU), under another name. */
function deviceLikeBackend(name: string): Backend {
  const inner = new JsBackend();
  return {
    name,
    alloc: (s, d) => inner.alloc(s, d),
    write: (id, v) => inner.write(id, v),
    read: (id) => inner.read(id),
    free: (id) => inner.free(id),
    run: (op, i, o, a) => inner.run(op, i, o, a),
    supports: () => true,
    memory: () => inner.memory(),
    deviceInfo: () => ({ kind: 'gpu', description: `test device ${name}` }),
    dispose: () => inner.dispose(),
  };
}

afterEach(async () => {
  await setBackend('js');
  for (const b of ['fake', 'broken', 'device']) removeBackend(b);
});

describe('memory scopes', () => {
  it('tidy disposes intermediates and keeps the result', () => {
    const before = memory().numTensors;
    const result = tidy(() => {
      const a = ones([2, 2]);
      const b = add(a, 1);
      return add(b, a);
    });
    expect(memory().numTensors).toBe(before + 1);
    expect(result.arraySync()).toEqual([[3, 3], [3, 3]]);
    result.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('tidy keeps tensors nested in arrays and objects, and kept tensors', () => {
    const before = memory().numTensors;
    let kept;
    const out = tidy(() => {
      kept = keep(zeros([1]));
      ones([3]);
      return { list: [ones([1]), scalar(2)], named: zeros([2]) };
    });
    expect(memory().numTensors).toBe(before + 4);
    dispose([out, kept]);
    expect(memory().numTensors).toBe(before);
  });

  it('nested tidy moves the inner result to the outer scope', () => {
    const before = memory().numTensors;
    tidy(() => {
      const inner = tidy(() => add(ones([2]), 1));
      expect(inner.isDisposed).toBe(false);
      return undefined;
    });
    expect(memory().numTensors).toBe(before);
  });

  it('tidy disposes everything when the function throws', () => {
    const before = memory().numTensors;
    expect(() => tidy(() => {
      ones([4]);
      throw new Error('boom');
    })).toThrow('boom');
    expect(memory().numTensors).toBe(before);
  });

  it('tidy rejects async functions with a clear error', () => {
    expect(() => tidy((async () => ones([1])) as never)).toThrow(/tidy: the function returned a Promise/);
  });

  it('`using` disposes at the end of the block', () => {
    const before = memory().numTensors;
    {
      using t = ones([8]);
      expect(t.size).toBe(8);
      expect(memory().numTensors).toBe(before + 1);
    }
    expect(memory().numTensors).toBe(before);
  });

  it('dispose is idempotent and reshape views keep the buffer alive', () => {
    const a = ones([2, 3]);
    const bytes = memory().numBytes;
    const v = a.reshape([3, 2]);
    expect(memory().numBytes).toBe(bytes); // the view shares the buffer
    a.dispose();
    a.dispose();
    expect(v.arraySync()).toEqual([[1, 1], [1, 1], [1, 1]]);
    v.dispose();
    expect(memory().numBytes).toBe(bytes - 24);
  });

  it('memory() reports tensors, bytes and per-backend buffers', () => {
    const before = memory();
    const t = tensor([1, 2, 3], [3], 'int32');
    const b = tensor([true, false]);
    const after = memory();
    expect(after.numTensors - before.numTensors).toBe(2);
    expect(after.numBytes - before.numBytes).toBe(12 + 2);
    expect(after.backends.js.buffers - before.backends.js.buffers).toBe(2);
    dispose([t, b]);
  });

  it('frees the buffers of tensors that were garbage-collected without dispose', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'tests run with --expose-gc').toBeTypeOf('function');
    // Collect leftovers of earlier tests first (the async-tidy test leaves its tensor to the GC).
    for (let round = 0; round < 3; round++) {
      gc!();
      await new Promise((r) => setTimeout(r, 10));
    }
    const before = memory().backends.js.buffers;
    (() => {
      for (let i = 0; i < 50; i++) ones([16]);
    })();
    expect(memory().backends.js.buffers).toBe(before + 50);
    for (let round = 0; round < 20 && memory().backends.js.buffers > before; round++) {
      gc!();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(memory().backends.js.buffers).toBe(before);
  });
});

describe('backends', () => {
  it('init picks the highest-priority backend that initializes and falls back past failures', async () => {
    registerBackend({ name: 'broken', create: () => { throw new Error('no device here'); } }, 10);
    registerBackend(deviceLikeBackend('fake'), 5);
    expect(await init()).toBe('fake');
    expect(getBackend()).toBe('fake');
    const report = info();
    expect(report.backend).toBe('fake');
    expect(report.device.description).toBe('test device fake');
    const broken = report.backends.find((b) => b.name === 'broken');
    expect(broken).toMatchObject({ state: 'failed', error: 'no device here' });
    expect(report.backends.find((b) => b.name === 'js')?.state).toBe('ready');
  });

  it('init follows a preference list and always falls back to js', async () => {
    registerBackend({ name: 'broken', create: async () => { throw new Error('adapter missing'); } }, 10);
    expect(await init({ backends: ['broken'] })).toBe('js');
    await expect(init({ backends: ['nope'] })).rejects.toThrow(/init: no backend named 'nope' is registered/);
  });

  it('setBackend reports unknown and unavailable backends', async () => {
    await expect(setBackend('nope')).rejects.toThrow(/setBackend: no backend named 'nope'/);
    registerBackend({ name: 'broken', create: () => { throw new Error('driver crashed'); } });
    await expect(setBackend('broken')).rejects.toThrow(/backend 'broken' is unavailable: driver crashed/);
    expect(getBackend()).toBe('js');
  });

  it('dataSync names the backend and the async alternative where memory is not host-visible', async () => {
    registerBackend(deviceLikeBackend('device'));
    await setBackend('device');
    const t = ones([2]);
    expect(() => t.dataSync()).toThrow(/dataSync: the 'device' backend's memory is not host-visible.*await t.data\(\)/);
    expect(Array.from(await t.data())).toEqual([1, 1]);
    expect(t.toString()).toBe('Tensor\n  dtype: float32\n  rank: 1\n  shape: [2]\n  values: (on the device backend, not host-visible; await t.data() reads them)');
    t.dispose();
  });

  it('moves host-visible inputs to the active backend, and device data with moveToBackend', async () => {
    const a = ones([3]);
    registerBackend(deviceLikeBackend('device'));
    await setBackend('device');
    const b = add(a, 1); // a moves from js to device
    expect(a.backend).toBe('device');
    expect(Array.from(await b.data())).toEqual([2, 2, 2]);
    await setBackend('js');
    expect(() => add(b, 1)).toThrow(/add: an input lives on backend 'device'.*moveToBackend/);
    await moveToBackend(b, 'js');
    expect(add(b, 1).dataSync()).toEqual(new Float32Array([3, 3, 3]) as TypedArray);
    dispose([a, b]);
  });

  it('a failed move to another backend frees what it allocated and names the op', async () => {
    const picky = deviceLikeBackend('fake');
    const write = picky.write;
    picky.write = (id, v) => {
      if (v instanceof Uint8Array) throw new Error('no bool here');
      write(id, v);
    };
    registerBackend(picky);
    const b = tensor([true, false]);
    await setBackend('fake');
    const buffers = picky.memory().buffers;
    expect(() => b.logicalNot()).toThrow(/logicalNot: moving an input from 'js' to 'fake' failed: no bool here/);
    expect(picky.memory().buffers).toBe(buffers);
    await setBackend('js');
    expect(b.logicalNot().arraySync()).toEqual([false, true]);
    b.dispose();
  });

  it('refuses ops a backend declares it has no kernel for', async () => {
    const partial = deviceLikeBackend('fake');
    partial.supports = (op, dtype) => !(op === 'cumsum' && dtype === 'int32');
    registerBackend(partial);
    await setBackend('fake');
    const before = memory().numTensors;
    const x = tensor([1, 2, 3], [3], 'int32');
    expect(() => x.cumsum()).toThrow(/cumsum: backend 'fake' has no kernel for int32 inputs/);
    x.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('frees the outputs when an op listener throws', () => {
    const before = memory();
    const stop = onOp(() => { throw new Error('listener failed'); });
    try {
      expect(() => zeros([4])).toThrow('listener failed');
    } finally {
      stop();
    }
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().backends.js.buffers).toBe(before.backends.js.buffers);
  });

  it('registerBackend validates its argument', () => {
    expect(() => registerBackend({} as Backend)).toThrow(/registerBackend: expected a Backend or a \{ name, create\(\) \} factory/);
  });
});

describe('tensors', () => {
  it('are immutable from the user side', () => {
    const t = tensor([[1, 2], [3, 4]]);
    expect(() => (t.shape as number[]).push(3)).toThrow();
    const data = t.dataSync();
    data[0] = 99;
    expect(t.dataSync()[0]).toBe(1);
    t.dispose();
  });

  it('read back as typed arrays and nested arrays, rank 0 to 6', async () => {
    const s = scalar(3);
    expect(s.rank).toBe(0);
    expect(await s.array()).toBe(3);
    const b = tensor([[true, false]]);
    expect(b.dtype).toBe('bool');
    expect(await b.array()).toEqual([[true, false]]);
    const r6 = ones([1, 2, 1, 2, 1, 2]);
    expect(r6.rank).toBe(6);
    expect(r6.size).toBe(8);
    expect((await r6.data()).length).toBe(8);
    const e = zeros([2, 0]);
    expect(await e.array()).toEqual([[], []]);
    dispose([s, b, r6, e]);
  });

  it('print NaN, ±Infinity and -0 readably', () => {
    const t = tensor([NaN, Infinity, -Infinity, -0, 1.5]);
    expect(t.toString()).toBe('Tensor\n  dtype: float32\n  rank: 1\n  shape: [5]\n  values:\n    [      NaN,  Infinity, -Infinity,        -0,       1.5]');
    t.dispose();
  });

  it('chain ops as methods', () => {
    const y = tidy(() => tensor([[1, -2], [3, -4]]).abs().mul(2).sum(1));
    expect(y.arraySync()).toEqual([6, 14]);
    y.dispose();
  });

  it('numbers next to int32 tensors stay int32; fractions promote to float32', () => {
    const i = tensor([1, 2], [2], 'int32');
    const a = i.add(1);
    const b = i.add(0.5);
    expect(a.dtype).toBe('int32');
    expect(b.dtype).toBe('float32');
    expect(b.arraySync()).toEqual([1.5, 2.5]);
    dispose([i, a, b]);
  });

  it('seeded random draws repeat exactly and differ across seeds', () => {
    const [a, b, c] = [1, 1, 2].map((seed) => randomNormal([64], { seed }));
    expect(a.dataSync()).toEqual(b.dataSync());
    expect(a.dataSync()).not.toEqual(c.dataSync());
    dispose([a, b, c]);
  });
});
