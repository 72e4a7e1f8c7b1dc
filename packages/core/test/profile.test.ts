// profile(fn): one record per launched op with shapes and live memory, totals per op, the result
// of fn, and nothing recorded once it returns (or throws).

import { describe, expect, it } from 'vitest';
import { add, matmul, memory, ones, profile, reshape, setBackend, sum, tensor, tidy } from '@loom/core';

describe('profile', () => {
  it('records each op of a sync function with shapes, backend and live memory', async () => {
    await setBackend('js');
    const before = memory().numTensors;
    const a = ones([2, 3]);
    const b = ones([3, 4]);
    const p = await profile(() => tidy(() => sum(add(matmul(a, b), 1))));
    // matmul runs on rank-3 views: core's reshapes (views, no kernel) are recorded too.
    expect(p.records.map((r) => r.op)).toEqual(['reshape', 'reshape', 'matmul', 'reshape', 'add', 'sum']);
    const mm = p.records[2];
    expect(mm.backend).toBe('js');
    expect(mm.outputDtypes).toEqual(['float32']);
    expect(mm.outputBytes).toBe(2 * 4 * 4);
    expect(mm.outputShapes).toEqual([[1, 2, 4]]);
    expect(p.records[5].outputShapes).toEqual([[]]);
    for (const r of p.records) {
      expect(r.ms).toBeGreaterThanOrEqual(0);
      expect(r.liveTensors).toBeGreaterThan(before);
    }
    expect(await p.result.data()).toEqual(new Float32Array([2 * 4 * 4]));
    // tidy freed the temporaries: only the result is new.
    expect(p.end.tensors - p.start.tensors).toBe(1);
    expect(p.peakBytes).toBeGreaterThanOrEqual(p.end.bytes);
    expect(p.byOp.map((r) => r.op).sort()).toEqual(['add', 'matmul', 'reshape', 'sum']);
    expect(p.byOp.find((r) => r.op === 'reshape')?.count).toBe(3);
    expect(p.totalMs).toBeGreaterThanOrEqual(p.records.reduce((s, r) => s + r.ms, 0) - 1e-9);
    p.result.dispose();
    a.dispose();
    b.dispose();
  });

  it('awaits an async function, groups repeated ops and records view ops', async () => {
    const x = tensor([1, 2, 3, 4]);
    const p = await profile(async () => {
      const y = add(x, 1);
      const values = await y.data();
      const z = add(reshape(y, [2, 2]), 2);
      y.dispose();
      return { values, z };
    });
    expect(p.records.map((r) => r.op)).toEqual(['add', 'reshape', 'add']);
    expect(p.byOp.find((r) => r.op === 'add')?.count).toBe(2);
    expect(Array.from(p.result.values)).toEqual([2, 3, 4, 5]);
    expect(p.result.z.shape).toEqual([2, 2]);
    p.result.z.dispose();
    x.dispose();
  });

  it('stops listening when fn throws, and rejects a non-function naming profile', async () => {
    const x = tensor([1]);
    await expect(profile(() => { add(x, 1).dispose(); throw new Error('boom'); })).rejects.toThrow('boom');
    const outside = await profile(() => 0);
    add(x, 1).dispose();
    expect(outside.records).toEqual([]);
    await expect(profile(42 as unknown as () => number)).rejects.toThrow(/^profile: expected a function to run, got number/);
    x.dispose();
  });
});
