// Report output: markdown tables, the SVG chart, README block replacement and file names.

import { describe, expect, it } from 'vitest';
import { chartSvg } from '../src/harness/chart.js';
import { detailTable, fmt, markdownReport, ratioPairs, ratioTable, throughputTable } from '../src/harness/report.js';
import { summarize } from '../src/harness/stats.js';
import type { BenchReport, EngineOutcome } from '../src/harness/types.js';
import { replaceBlock, reportBaseName } from '../src/output.js';

const ok = (samples: number[], throughput: number, roofline?: number): Extract<EngineOutcome, { status: 'ok' }> => ({
  status: 'ok', samples, repsPerSample: 3, summary: summarize(samples), throughput, maxError: 1e-7, ...(roofline !== undefined ? { roofline } : {}),
});

function sampleReport(): BenchReport {
  return {
    machine: { host: 'box one', platform: 'linux', cpu: 'CPU', cores: 2, runtime: 'Node v20', date: '2026-11-29T04:00:00Z', notes: ['noisy'] },
    options: { quick: true, filter: null, rounds: 3, warmup: 1, minSampleMs: 20 },
    engines: [
      { id: 'loom-wasm', label: 'Loom wasm', family: 'loom', version: '0.1.0', device: 'cpu' },
      { id: 'tfjs-wasm', label: 'TF.js wasm', family: 'peer', version: '4.22.0', device: 'cpu' },
      { id: 'tfjs-cpu', label: 'TF.js cpu', family: 'peer', version: '4.22.0', device: 'cpu' },
    ],
    unavailable: [{ id: 'loom-webgpu', label: 'Loom webgpu', reason: 'no adapter' }],
    peak: { simdGflops: 40, relaxedGflops: null, copyGBs: 30 },
    cases: [
      {
        id: 'matmul-64', group: 'matmul', title: 'matmul <64> | x', unit: 'GFLOP/s', work: { flops: 2e6, bytes: 1e5 }, reference: 'loom-wasm',
        engines: {
          'loom-wasm': ok([0.001, 0.002, 0.001], 2, 5),
          'tfjs-wasm': ok([0.002, 0.004, 0.002], 1, 2.5),
          'tfjs-cpu': { status: 'wrong', error: 'differs from loom-wasm: value 0 is 3', maxError: 1 },
        },
        ratios: [{ loom: 'loom-wasm', peer: 'tfjs-wasm', ratio: 2, min: 1.5, max: 2.5 }],
      },
      {
        id: 'train', group: 'training', title: 'train step', unit: 'ms/step', work: {}, reference: 'loom-wasm',
        engines: {
          'loom-wasm': { ...ok([0.03, 0.031, 0.029], 30), counters: { 'GPU dispatches per step': 220 } },
          'tfjs-wasm': ok([0.06, 0.06, 0.061], 60),
          'tfjs-cpu': { status: 'unsupported', error: 'no layers' },
        },
        ratios: [{ loom: 'loom-wasm', peer: 'tfjs-wasm', ratio: 2, min: 1.9, max: 2.1 }],
      },
    ],
    skipped: [{ id: 'gru', reason: 'unavailable: @loom/nn lacks layers.gru' }],
  };
}

describe('markdown', () => {
  it('formats numbers with three significant digits', () => {
    expect(fmt(1234.5)).toBe('1235');
    expect(fmt(12.345)).toBe('12.3');
    expect(fmt(1.2345)).toBe('1.23');
    expect(fmt(0.012345)).toBe('0.012');
    expect(fmt(0.00012345)).toBe('0.00012');
  });

  it('writes ratio, throughput and detail tables with wrong results marked, not timed', () => {
    const r = sampleReport();
    expect(ratioPairs(r)).toEqual([{ loom: 'loom-wasm', peer: 'tfjs-wasm' }]);
    const ratios = ratioTable(r);
    expect(ratios).toContain('| case | Loom wasm vs TF.js wasm |');
    expect(ratios).toContain('| matmul <64> \\| x | 2.00× (1.50–2.50) |');
    const tp = throughputTable(r);
    expect(tp).toContain('| matmul <64> \\| x | GFLOP/s | 2.00 | 1.00 | ✗ wrong | 5.00% (Loom wasm) |');
    expect(tp).toContain('| train step | ms/step | 30.0 | 60.0 | n/a | – |');
    const details = detailTable(r);
    expect(details).toContain('differs from loom-wasm: value 0 is 3');
    expect(details).toMatch(/\| matmul <64> \\\| x \| Loom wasm \| 2\.00 GFLOP\/s \| 1\.00–2\.00 \| 1\.00 ms \(1\.00–2\.00\) \| 3 × 3 \|/);
    // ms/step: the best figure is the shortest time.
    expect(details).toMatch(/\| train step \| Loom wasm \| 30\.0 ms\/step \| 29\.0–31\.0 \|/);
    const md = markdownReport(r, 'x.svg');
    expect(md).toContain('# Loom benchmarks — 2026-11-29T04:00:00Z on box one');
    expect(md).toContain('Loom webgpu (`loom-webgpu`): unavailable: no adapter');
    expect(md).toContain('gru: unavailable: @loom/nn lacks layers.gru');
    expect(md).toContain('relaxed FMA not available');
    expect(md).toContain('![Loom vs peers per case](x.svg)');
    expect(md).toContain('| train step | loom-wasm | GPU dispatches per step: 220 |');
    expect(md).not.toContain('| train step | tfjs-wasm |');
  });
});

describe('svg chart', () => {
  it('draws one bar per timed engine, scaled to the fastest, and escapes text', () => {
    const svg = chartSvg(sampleReport());
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('matmul &lt;64&gt; | x');
    expect(svg).not.toContain('<64>');
    const bars = [...svg.matchAll(/<rect x="300" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    // matmul: Loom 2 (full width 460), TF.js wasm 1 (half); train: Loom 30 ms (full), TF.js 60 ms (half).
    expect(bars).toEqual([460, 230, 460, 230]);
    expect(svg).toContain('TF.js cpu: wrong');
    // Balanced tags.
    expect(svg.match(/<text/g)!.length).toBe(svg.match(/<\/text>/g)!.length);
  });
});

describe('files', () => {
  it('names reports by date and host and replaces README blocks', () => {
    expect(reportBaseName(sampleReport(), 'node')).toBe('2026-11-29-box-one-quick');
    expect(reportBaseName(sampleReport(), 'browser')).toBe('2026-11-29-box-one-browser-quick');
    const text = 'a\n<!-- summary:start -->\nold\n<!-- summary:end -->\nb';
    expect(replaceBlock(text, 'summary', 'new\n')).toBe('a\n<!-- summary:start -->\nnew\n<!-- summary:end -->\nb');
    expect(replaceBlock('no markers', 'summary', 'x')).toBe('no markers');
  });
});
