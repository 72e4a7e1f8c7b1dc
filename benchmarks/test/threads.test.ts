// Thread-count and GPU-run plumbing of the harness: scaling ratios (N threads ÷ 1 thread), the
// roofline held to N single-thread peaks, merging the browser's second page, the --gpu/--out
// options, and the GPU peak table. No timing.

import { describe, expect, it } from 'vitest';
import { knownGpuPeak, peakShares } from '../src/gpu-peak.js';
import { mergeRuns, ratioPairs } from '../src/harness/report.js';
import { applyRoofline, computeRatios } from '../src/harness/runner.js';
import { summarize } from '../src/harness/stats.js';
import { parseArgs } from '../src/harness/suite.js';
import type { BenchReport, CaseResult, Engine, EngineOutcome } from '../src/harness/types.js';

const ok = (samples: number[], throughput = 1): EngineOutcome =>
  ({ status: 'ok', samples, repsPerSample: 1, summary: summarize(samples), throughput, maxError: 0 });

const engine = (id: string, family: 'loom' | 'peer'): Engine =>
  ({ id, family, label: id, version: 'test', device: 'cpu', activate: async () => {}, ops: {} as Engine['ops'] });

function report(cases: CaseResult[], engines: string[], unavailable: string[] = []): BenchReport {
  return {
    machine: { host: 'h', platform: 'p', cpu: 'c', cores: 2, runtime: 'r', date: '2026-12-03T00:00:00Z', notes: [] },
    options: { quick: true, filter: null, rounds: 3, warmup: 1, minSampleMs: 20 },
    engines: engines.map((id) => ({ id, label: id, family: id.startsWith('loom') ? 'loom' : 'peer', version: 'v', device: 'cpu' })),
    unavailable: unavailable.map((id) => ({ id, label: id, reason: 'later page' })),
    peak: null, cases, skipped: [],
  };
}

const caseOf = (engines: Record<string, EngineOutcome>, ratios: CaseResult['ratios'] = []): CaseResult =>
  ({ id: 'mm', group: 'matmul', title: 'matmul', unit: 'GFLOP/s', work: { flops: 1e9 }, reference: null, engines, ratios });

describe('threads in the harness', () => {
  it('reports the scaling of the threaded engines as N threads ÷ 1 thread, paired by round', () => {
    const engines = ['loom-wasm', 'loom-wasm-mt', 'tfjs-wasm'].map((id) => engine(id, id.startsWith('loom') ? 'loom' : 'peer'));
    const ratios = computeRatios(engines, { 'loom-wasm': ok([4, 8, 4]), 'loom-wasm-mt': ok([2, 4, 2]), 'tfjs-wasm': ok([8, 8, 8]) });
    expect(ratios).toContainEqual({ loom: 'loom-wasm-mt', peer: 'loom-wasm', ratio: 2, min: 2, max: 2 });
    expect(ratios).toContainEqual({ loom: 'loom-wasm-mt', peer: 'tfjs-wasm', ratio: 4, min: 2, max: 4 });
    const shown = ratioPairs({ cases: [caseOf({}, ratios)] });
    expect(shown.slice(0, 2)).toEqual([{ loom: 'loom-wasm', peer: 'tfjs-wasm' }, { loom: 'loom-wasm-mt', peer: 'loom-wasm' }]);
  });

  it('holds an N-thread engine to N times the single-thread peak', () => {
    const c = caseOf({ one: ok([0.1]), many: ok([0.05]) });
    applyRoofline([c], new Map([['one', 'cpu'], ['many', 'cpu']]), { simdGflops: 10, relaxedGflops: null, copyGBs: 100 }, new Map([['many', 2]]));
    expect((c.engines.one as { roofline?: number }).roofline).toBeCloseTo(100);
    expect((c.engines.many as { roofline?: number }).roofline).toBeCloseTo(100);
  });

  it('merges the second browser page: TF.js wasm on N threads, its ratios, and its scaling from medians', () => {
    const first = report([caseOf({ 'loom-wasm': ok([4]), 'loom-wasm-mt': ok([2]), 'tfjs-wasm': ok([6, 6, 6]) })],
      ['loom-wasm', 'loom-wasm-mt', 'tfjs-wasm'], ['tfjs-wasm-mt']);
    const second = report([caseOf({ 'loom-wasm': ok([4]), 'loom-wasm-mt': ok([2]), 'tfjs-wasm-mt': ok([3, 3, 3]) },
      [{ loom: 'loom-wasm-mt', peer: 'tfjs-wasm-mt', ratio: 1.5, min: 1.4, max: 1.6 }, { loom: 'loom-wasm', peer: 'tfjs-wasm-mt', ratio: 0.75, min: 0.7, max: 0.8 }])],
    ['loom-wasm', 'loom-wasm-mt', 'tfjs-wasm-mt']);
    const merged = mergeRuns(first, second, ['tfjs-wasm-mt'], { many: 'tfjs-wasm-mt', one: 'tfjs-wasm' });
    expect(merged.engines.map((e) => e.id)).toEqual(['loom-wasm', 'loom-wasm-mt', 'tfjs-wasm', 'tfjs-wasm-mt']);
    expect(merged.unavailable).toEqual([]);
    const c = merged.cases[0];
    expect(Object.keys(c.engines).sort()).toEqual(['loom-wasm', 'loom-wasm-mt', 'tfjs-wasm', 'tfjs-wasm-mt']);
    expect(c.ratios).toContainEqual({ loom: 'loom-wasm-mt', peer: 'tfjs-wasm-mt', ratio: 1.5, min: 1.4, max: 1.6 });
    expect(c.ratios).toContainEqual({ loom: 'tfjs-wasm-mt', peer: 'tfjs-wasm', ratio: 2, min: 2, max: 2 });
    expect(c.ratios.filter((r) => r.peer === 'tfjs-wasm-mt')).toHaveLength(2);
  });

  it('parses --gpu and --out', () => {
    expect(parseArgs(['--gpu', '--out', '/tmp/r'])).toMatchObject({ gpu: true, out: '/tmp/r' });
    expect(parseArgs([])).toMatchObject({ gpu: false, out: null });
    expect(() => parseArgs(['--out'])).toThrow(/--out needs a value/);
  });

  it('knows the fp32 peak of common NVIDIA GPUs and reports each GFLOP/s case as a share of it', () => {
    expect(knownGpuPeak('@loom/webgpu-kernels (package), NVIDIA H100 PCIe (nvidia hopper)')).toEqual({ name: 'NVIDIA H100 PCIe', tflops: 51.2 });
    expect(knownGpuPeak('NVIDIA H200')?.tflops).toBe(67);
    expect(knownGpuPeak('Tesla T4')?.name).toBe('NVIDIA T4');
    expect(knownGpuPeak('google swiftshader')).toBeNull();
    const lines = peakShares([{ title: 'matmul 4096', unit: 'GFLOP/s', engines: { 'loom-webgpu': { status: 'ok', throughput: 6700 } } },
      { title: 'train', unit: 'ms/step', engines: { 'loom-webgpu': { status: 'ok', throughput: 3 } } }], 'loom-webgpu', { name: 'NVIDIA H200', tflops: 67 });
    expect(lines).toEqual(["matmul 4096: 10.0% of NVIDIA H200's 67 TFLOP/s fp32 peak"]);
  });
});
