// Harness logic with fake engines and a fake clock: statistics, interleaving, the correctness
// gate, ratios, reference choice, failures. No timing assertions on real time.

import { describe, expect, it } from 'vitest';
import { compareResults } from '../src/harness/gate.js';
import { bestPeak, computeRatios, pickReference, rooflinePercent, runCase, throughputOf, type RunOptions } from '../src/harness/runner.js';
import { median, pairedRatio, roundOrder, summarize } from '../src/harness/stats.js';
import { parseArgs, runSuite, selectCases } from '../src/harness/suite.js';
import type { BenchCase, Engine, MachineInfo } from '../src/harness/types.js';

/** A fake engine whose step advances a shared fake clock by `msPerStep` and logs the call. */
function fakeEngine(id: string, family: 'loom' | 'peer', msPerStep: number, answer: number[], clock: { t: number; log: string[] }): Engine & { msPerStep: number; answer: number[] } {
  return {
    id, family, label: id, version: 'test', device: 'cpu', msPerStep, answer,
    activate: async () => {},
    ops: {} as Engine['ops'],
  };
}

function fakeCase(clock: { t: number; log: string[] }, over: Partial<BenchCase> = {}): BenchCase {
  return {
    id: 'fake', group: 'g', title: 'fake case', unit: 'GFLOP/s', work: { flops: 1e9, bytes: 1e9 },
    tolerance: { abs: 1e-6, rel: 1e-6 },
    async create(engine) {
      const e = engine as ReturnType<typeof fakeEngine>;
      return {
        step() {
          clock.t += e.msPerStep;
          clock.log.push(e.id);
        },
        result: async () => new Float32Array(e.answer),
        dispose() {},
      };
    },
    ...over,
  };
}

function options(clock: { t: number }, over: Partial<RunOptions> = {}): RunOptions {
  return { rounds: 4, warmup: 1, minSampleMs: 10, maxReps: 100, referenceOrder: ['a'], now: () => clock.t, ...over };
}

describe('stats', () => {
  it('median, summary, paired ratios and round order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no samples/);
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, n: 3 });
    expect(pairedRatio([2, 4, 9], [1, 2, 3])).toEqual({ ratio: 2, min: 2, max: 3 });
    expect(roundOrder(3, 0)).toEqual([0, 1, 2]);
    expect(roundOrder(3, 1)).toEqual([1, 2, 0]);
    expect(roundOrder(2, 3)).toEqual([1, 0]);
  });

  it('keeps the best peak figures, component by component', () => {
    expect(bestPeak(null, { simdGflops: 1, relaxedGflops: null, copyGBs: 2 })).toEqual({ simdGflops: 1, relaxedGflops: null, copyGBs: 2 });
    expect(bestPeak({ simdGflops: 5, relaxedGflops: 3, copyGBs: 1 }, { simdGflops: 1, relaxedGflops: 7, copyGBs: 2 })).toEqual({ simdGflops: 5, relaxedGflops: 7, copyGBs: 2 });
  });

  it('throughput units and roofline', () => {
    expect(throughputOf('GFLOP/s', { flops: 2e9 }, 0.5)).toBe(4);
    expect(throughputOf('GB/s', { bytes: 3e9 }, 1)).toBe(3);
    expect(throughputOf('Gelem/s', { elems: 1e9 }, 2)).toBe(0.5);
    expect(throughputOf('ms/step', {}, 0.012)).toBeCloseTo(12);
    const peak = { simdGflops: 40, relaxedGflops: 50, copyGBs: 20 };
    // Compute-bound (intensity 100 flop/byte): the ceiling is the relaxed peak, 50 GFLOP/s.
    expect(rooflinePercent({ flops: 25e9, bytes: 0.25e9 }, 1, peak)).toBeCloseTo(50);
    // Memory-bound (intensity 0.25): the ceiling is 0.25 × 20 GB/s = 5 GFLOP/s.
    expect(rooflinePercent({ flops: 1e9, bytes: 4e9 }, 1, peak)).toBeCloseTo(20);
    expect(rooflinePercent({ bytes: 10e9 }, 1, peak)).toBeCloseTo(50);
    expect(rooflinePercent({}, 1, peak)).toBeUndefined();
  });
});

describe('correctness gate', () => {
  it('accepts values within tolerance and rejects others, naming the index', () => {
    const ref = new Float32Array([1, 2, NaN, Infinity]);
    expect(compareResults(ref, new Float32Array([1, 2.0000001, NaN, Infinity]), { abs: 1e-6, rel: 0 }).ok).toBe(true);
    const bad = compareResults(ref, new Float32Array([1, 2.1, NaN, Infinity]), { abs: 1e-6, rel: 1e-3 });
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/value 1 is 2\.1/);
    expect(compareResults(ref, new Float32Array([1, 2, 0, Infinity]), { abs: 1, rel: 1 }).ok).toBe(false);
    expect(compareResults(ref, new Float32Array([1, 2]), { abs: 1, rel: 1 }).message).toMatch(/2 values/);
  });

  it('reports a fast wrong engine as wrong and never times it', async () => {
    const clock = { t: 0, log: [] as string[] };
    const a = fakeEngine('a', 'loom', 2, [1, 2, 3], clock);
    const fastWrong = fakeEngine('fast', 'peer', 0.1, [1, 2, 4], clock);
    const b = fakeEngine('b', 'peer', 4, [1, 2, 3.0000001], clock);
    const r = await runCase(fakeCase(clock), [a, fastWrong, b], options(clock));
    expect(r.reference).toBe('a');
    expect(r.engines.fast.status).toBe('wrong');
    expect((r.engines.fast as { error: string }).error).toMatch(/differs from a: value 2 is 4/);
    expect(clock.log).not.toContain('fast');
    expect(r.engines.a.status).toBe('ok');
    expect(r.engines.b.status).toBe('ok');
    expect(r.ratios.map((x) => x.peer)).toEqual(['b']);
  });

  it('does not take a reference that agrees with nobody', () => {
    const results = new Map([
      ['a', new Float32Array([9])],
      ['b', new Float32Array([1])],
      ['c', new Float32Array([1])],
    ]);
    expect(pickReference(results, ['a', 'b'], { tolerance: { abs: 0, rel: 0 } })).toBe('b');
    expect(pickReference(new Map([['x', new Float32Array([1])]]), ['a'], { tolerance: { abs: 0, rel: 0 } })).toBe('x');
    expect(pickReference(new Map(), ['a'], { tolerance: { abs: 0, rel: 0 } })).toBeNull();
  });
});

describe('runner', () => {
  it('interleaves engines round by round, rotating the order, after warm-up', async () => {
    const clock = { t: 0, log: [] as string[] };
    const engines = [fakeEngine('a', 'loom', 20, [1], clock), fakeEngine('b', 'peer', 20, [1], clock), fakeEngine('c', 'peer', 20, [1], clock)];
    await runCase(fakeCase(clock), engines, options(clock, { rounds: 3, warmup: 2, minSampleMs: 10 }));
    // Warm-up (2) + calibration (one 20 ms step passes half of 10 ms) per engine, then one step
    // per engine per round (20 ms ≥ 10 ms).
    expect(clock.log.slice(0, 9)).toEqual(['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c']);
    expect(clock.log.slice(9)).toEqual(['a', 'b', 'c', 'b', 'c', 'a', 'c', 'a', 'b']);
  });

  it('computes per-run times, repetitions, medians and the Loom/peer ratio', async () => {
    const clock = { t: 0, log: [] as string[] };
    const loom = fakeEngine('a', 'loom', 2, [1], clock);
    const peer = fakeEngine('b', 'peer', 5, [1], clock);
    const r = await runCase(fakeCase(clock), [loom, peer], options(clock, { minSampleMs: 10 }));
    const a = r.engines.a;
    const b = r.engines.b;
    if (a.status !== 'ok' || b.status !== 'ok') throw new Error('expected ok');
    expect(a.repsPerSample).toBe(5);
    expect(b.repsPerSample).toBe(2);
    expect(a.summary.median).toBeCloseTo(0.002);
    expect(b.summary.median).toBeCloseTo(0.005);
    expect(a.throughput).toBeCloseTo(500);
    expect(r.ratios).toHaveLength(1);
    expect(r.ratios[0].ratio).toBeCloseTo(2.5);
    expect(a.summary.n).toBe(4);
  });

  it('pairs samples round by round', () => {
    const ok = (samples: number[]) => ({ status: 'ok' as const, samples, repsPerSample: 1, summary: summarize(samples), throughput: 1, maxError: 0 });
    const clock = { t: 0, log: [] };
    const engines = [fakeEngine('l', 'loom', 1, [], clock), fakeEngine('p', 'peer', 1, [], clock), fakeEngine('q', 'peer', 1, [], clock)];
    // Round 2 was slow for both: pairing keeps the ratio at 2 every round.
    const ratios = computeRatios(engines, { l: ok([1, 5, 1]), p: ok([2, 10, 2]), q: { status: 'error', error: 'x' } });
    expect(ratios).toEqual([{ loom: 'l', peer: 'p', ratio: 2, min: 2, max: 2 }]);
  });

  it('turns setup, run and step failures and unsupported engines into outcomes', async () => {
    const clock = { t: 0, log: [] as string[] };
    const good = fakeEngine('a', 'loom', 5, [1], clock);
    const badSetup = fakeEngine('s', 'peer', 5, [1], clock);
    const badStep = fakeEngine('t', 'peer', 5, [1], clock);
    const unsupported = fakeEngine('u', 'peer', 5, [1], clock);
    const base = fakeCase(clock);
    const c: BenchCase = {
      ...base,
      supports: (e) => (e.id === 'u' ? 'no such op' : true),
      async create(e) {
        if (e.id === 's') throw new Error('boom');
        const inst = await base.create(e);
        if (e.id === 't') {
          let n = 0;
          return { ...inst, step: () => { if (++n > 1) throw new Error('kernel crashed'); } };
        }
        return inst;
      },
    };
    const r = await runCase(c, [good, badSetup, badStep, unsupported], options(clock));
    expect(r.engines.a.status).toBe('ok');
    expect(r.engines.s).toEqual({ status: 'error', error: 'setup failed: boom' });
    expect(r.engines.t).toMatchObject({ status: 'error', error: expect.stringMatching(/kernel crashed/) });
    expect(r.engines.u).toEqual({ status: 'unsupported', error: 'no such op' });
    expect(Object.keys(r.engines)).toEqual(['a', 's', 't', 'u']);
  });
});

describe('suite', () => {
  const machine: MachineInfo = { host: 'h', platform: 'p', cpu: 'c', cores: 1, runtime: 'r', date: '2026-01-02T03:04:05Z', notes: [] };

  it('parses options and selects cases', () => {
    expect(parseArgs(['--quick', '--filter', 'mat', '--rounds=3'])).toMatchObject({ quick: true, filter: 'mat', rounds: 3 });
    expect(parseArgs(['--engines', 'loom-js,tfjs-cpu']).engines).toEqual(['loom-js', 'tfjs-cpu']);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option '--fast'/);
    expect(() => parseArgs(['--rounds', '0'])).toThrow(/--rounds must be an integer/);
    expect(() => parseArgs(['--filter'])).toThrow(/needs a value/);
    const clock = { t: 0, log: [] };
    const cs = [fakeCase(clock, { id: 'matmul-64' }), fakeCase(clock, { id: 'matmul-1024', full: true }), fakeCase(clock, { id: 'relu', title: 'relu 1M' })];
    expect(selectCases(cs, { quick: true, filter: null }).map((c) => c.id)).toEqual(['matmul-64', 'relu']);
    expect(selectCases(cs, { quick: false, filter: 'MATMUL' }).map((c) => c.id)).toEqual(['matmul-64', 'matmul-1024']);
  });

  it('lists a case no Loom engine supports as unavailable instead of timing peers alone', async () => {
    const clock = { t: 0, log: [] as string[] };
    const engines = [fakeEngine('a', 'loom', 5, [1], clock), fakeEngine('b', 'peer', 5, [1], clock)];
    const c = fakeCase(clock, { id: 'train', supports: (e) => (e.family === 'loom' ? '@loom/nn lacks trainOnBatch' : true) });
    const peaks = [{ simdGflops: 10, relaxedGflops: null, copyGBs: 8 }, { simdGflops: 8, relaxedGflops: null, copyGBs: 20 }];
    let calls = 0;
    const report = await runSuite({
      cases: [c, fakeCase(clock), fakeCase(clock, { id: 'fake2' })], engines, unavailable: [], machine,
      options: { quick: true, filter: null, rounds: 2 }, measurePeak: () => peaks[calls++ % 2], now: () => clock.t,
    });
    expect(report.skipped).toEqual([{ id: 'train', reason: 'unavailable: @loom/nn lacks trainOnBatch' }]);
    expect(report.cases.map((x) => x.id)).toEqual(['fake', 'fake2']);
    expect(report.options.rounds).toBe(2);
    // One peak measurement per case run; the best of each component makes the roofline.
    expect(calls).toBe(2);
    expect(report.peak).toEqual({ simdGflops: 10, relaxedGflops: null, copyGBs: 20 });
    // 1 GFLOP and 1 GB in 5 ms: 200 GFLOP/s against min(10, 1 × 20) = 10 GFLOP/s → 2000%.
    expect(report.cases[0].engines.a).toMatchObject({ status: 'ok', roofline: expect.closeTo(2000, 6) });
  });
});
