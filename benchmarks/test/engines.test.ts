// Real engines at tiny sizes: Loom js and TF.js cpu agree through the harness; a deliberately
// broken engine is caught by the gate; the peak module computes what it should.

import * as loom from '@loom/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { opCase } from '../src/cases/op-cases.js';
import { initialWeights } from '../src/cases/train-cases.js';
import { uniform } from '../src/cases/data.js';
import { loomOps, nnMissing } from '../src/engines/loom.js';
import { tfjsOps } from '../src/engines/tfjs.js';
import { runCase } from '../src/harness/runner.js';
import type { Engine } from '../src/harness/types.js';
import { CHAINS, peakModuleBytes } from '../src/peak/peak-wasm.js';
import '@tensorflow/tfjs-backend-cpu';

const loomJs: Engine = { id: 'loom-js', family: 'loom', label: 'Loom js', version: 't', device: 'cpu', activate: () => loom.setBackend('js'), ops: loomOps(true) };
const tfCpu: Engine = {
  id: 'tfjs-cpu', family: 'peer', label: 'TF.js cpu', version: 't', device: 'cpu', ops: tfjsOps(true),
  activate: async () => { await tf.setBackend('cpu'); },
};
// A "fast" engine whose add is really a multiply.
const broken: Engine = { ...loomJs, id: 'broken', family: 'peer', ops: { ...loomOps(true), add: (a, b) => loom.mul(a, b) } };

const tiny = { rounds: 2, warmup: 0, minSampleMs: 0.01, maxReps: 2, referenceOrder: ['loom-js', 'tfjs-cpu'] };

describe('real engines', () => {
  it('agree on tiny matmul, gelu, softmax, reductions and conv cases, and leak nothing', async () => {
    const before = loom.memory().numTensors;
    const tfBefore = tf.memory().numTensors;
    const cases = [
      opCase({ id: 'mm', group: 'g', title: 'mm', unit: 'GFLOP/s', work: { flops: 2 * 4 * 5 * 3 }, tolerance: { abs: 1e-5, rel: 1e-5 }, inputs: [{ shape: [4, 5] }, { shape: [5, 3] }], fn: (o, [a, b]) => o.matmul(a, b) }),
      opCase({ id: 'gelu', group: 'g', title: 'gelu', unit: 'Gelem/s', work: { elems: 64 }, tolerance: { abs: 2e-6, rel: 2e-5 }, inputs: [{ shape: [64], lo: -6, hi: 6 }], fn: (o, [x]) => o.gelu(x) }),
      opCase({ id: 'sm', group: 'g', title: 'sm', unit: 'Gelem/s', work: { elems: 12 }, tolerance: { abs: 1e-7, rel: 1e-5 }, inputs: [{ shape: [3, 4] }], fn: (o, [x]) => o.softmax(x) }),
      opCase({ id: 'max0', group: 'g', title: 'max0', unit: 'GB/s', work: { bytes: 48 }, tolerance: { abs: 0, rel: 0 }, inputs: [{ shape: [3, 4] }], fn: (o, [x]) => o.max(x, 0) }),
      opCase({ id: 'sum1', group: 'g', title: 'sum1', unit: 'GB/s', work: { bytes: 48 }, tolerance: { abs: 1e-6, rel: 1e-6 }, inputs: [{ shape: [3, 4] }], fn: (o, [x]) => o.sum(x, 1) }),
      opCase({ id: 'c1', group: 'g', title: 'c1', unit: 'GFLOP/s', work: { flops: 1 }, tolerance: { abs: 1e-5, rel: 1e-5 }, inputs: [{ shape: [2, 6, 3] }, { shape: [3, 3, 4] }], fn: (o, [x, f]) => o.conv1d(x, f) }),
      opCase({ id: 'c2', group: 'g', title: 'c2', unit: 'GFLOP/s', work: { flops: 1 }, tolerance: { abs: 1e-5, rel: 1e-5 }, inputs: [{ shape: [1, 4, 4, 2] }, { shape: [3, 3, 2, 3] }], fn: (o, [x, f]) => o.conv2d(x, f) }),
    ];
    for (const c of cases) {
      const r = await runCase(c, [loomJs, tfCpu], tiny);
      expect(r.engines['loom-js'].status, `${c.id}: ${JSON.stringify(r.engines)}`).toBe('ok');
      expect(r.engines['tfjs-cpu'].status, `${c.id}: ${JSON.stringify(r.engines)}`).toBe('ok');
      expect(r.ratios).toHaveLength(1);
    }
    expect(loom.memory().numTensors).toBe(before);
    expect(tf.memory().numTensors).toBe(tfBefore);
  });

  it('rejects an engine computing the wrong thing', async () => {
    const c = opCase({ id: 'add', group: 'g', title: 'add', unit: 'GB/s', work: { bytes: 96 }, tolerance: { abs: 1e-6, rel: 1e-6 }, inputs: [{ shape: [8] }, { shape: [8] }], fn: (o, [a, b]) => o.add(a, b) });
    const r = await runCase(c, [loomJs, tfCpu, broken], tiny);
    expect(r.reference).toBe('loom-js');
    expect(r.engines.broken.status).toBe('wrong');
    expect(r.engines['tfjs-cpu'].status).toBe('ok');
    expect(r.ratios.map((x) => x.peer)).toEqual(['tfjs-cpu']);
  });

  it('gives models identical weights and explains a missing nn API', () => {
    const w = initialWeights([[4, 3], [3]], 7);
    expect(w.map((x) => x.length)).toEqual([12, 3]);
    expect(Math.max(...w[0].map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 7));
    expect(Math.max(...w[1].map(Math.abs))).toBeLessThanOrEqual(0.05);
    expect(initialWeights([[4, 3]], 7)[0]).toEqual(w[0]);
    expect(uniform(4, 1)).toEqual(uniform(4, 1));
    expect(nnMissing(undefined)).toMatch(/lacks sequential, layers\.dense, layers\.lstm, layers\.gru, optimizers\.adam/);
    expect(nnMissing({ sequential: () => ({}), layers: { dense() {}, lstm() {}, gru() {} }, optimizers: { adam() {} } })).toMatch(/Model\.compile, Model\.trainOnBatch/);
  });
});

describe('peak module', () => {
  it('is valid wasm whose chains compute acc·m + a', () => {
    const bytes = peakModuleBytes(false, 2);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as {
      chain(n: number): number; copy(d: number, s: number, n: number): void; memory: WebAssembly.Memory;
    };
    const expected = (iters: number): number => {
      let total = 0;
      for (let j = 0; j < CHAINS; j++) {
        let acc = Math.fround(1 + j / 1024);
        for (let i = 0; i < iters; i++) acc = Math.fround(Math.fround(acc * Math.fround(0.9999999)) + Math.fround(1e-7));
        total = Math.fround(total + acc);
      }
      return total;
    };
    expect(ex.chain(0)).toBe(expected(0));
    expect(ex.chain(3)).toBe(expected(3));
    const mem = new Uint8Array(ex.memory.buffer);
    mem.set([1, 2, 3, 4], 0);
    ex.copy(100, 0, 4);
    expect([...mem.subarray(100, 104)]).toEqual([1, 2, 3, 4]);
    const relaxed = peakModuleBytes(true, 0);
    if (WebAssembly.validate(relaxed)) {
      const r = new WebAssembly.Instance(new WebAssembly.Module(relaxed), {}).exports as unknown as { chain(n: number): number };
      expect(Math.abs(r.chain(3) - expected(3))).toBeLessThan(1e-4);
    }
  });
});
