// Report writers: the markdown tables (summary, ratios, details) and the JSON file's shape.

import { higherIsBetter, throughputOf } from './runner.js';
import type { BenchReport, CaseResult, EngineOutcome } from './types.js';

/** A number with 3 significant digits (no exponent for ordinary magnitudes). */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a >= 0.01) return x.toFixed(3);
  return x.toPrecision(2);
}

/** The throughput range [worst, best] of an ok outcome, in the case's unit. */
export function throughputRange(c: CaseResult, o: Extract<EngineOutcome, { status: 'ok' }>): [number, number] {
  const a = throughputOf(c.unit, c.work, o.summary.max);
  const b = throughputOf(c.unit, c.work, o.summary.min);
  return higherIsBetter(c.unit) ? [a, b] : [b, a];
}

/** One table cell for an engine's outcome. */
export function outcomeCell(o: EngineOutcome | undefined): string {
  if (!o) return '–';
  switch (o.status) {
    case 'ok': return fmt(o.throughput);
    case 'wrong': return '✗ wrong';
    case 'error': return '✗ error';
    case 'unsupported': return 'n/a';
  }
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Like-for-like pairs shown in the markdown (every pair is in the JSON). */
export const PRIMARY_PAIRS: readonly { loom: string; peer: string }[] = [
  { loom: 'loom-wasm', peer: 'tfjs-wasm' },
  { loom: 'loom-wasm-mt', peer: 'tfjs-wasm-mt' },
  { loom: 'loom-wasm-mt', peer: 'loom-wasm' },
  { loom: 'tfjs-wasm-mt', peer: 'tfjs-wasm' },
  { loom: 'loom-wasm-simd', peer: 'tfjs-wasm' },
  { loom: 'loom-js', peer: 'tfjs-cpu' },
  { loom: 'loom-wasm', peer: 'tfjs-cpu' },
  { loom: 'loom-webgpu', peer: 'tfjs-webgpu' },
];

/** The ratio pairs to show: the primary pairs present in the report, else every pair present. */
export function ratioPairs(report: Pick<BenchReport, 'cases'>): { loom: string; peer: string }[] {
  const seen = new Map<string, { loom: string; peer: string }>();
  for (const c of report.cases) for (const r of c.ratios) seen.set(`${r.loom}/${r.peer}`, { loom: r.loom, peer: r.peer });
  const primary = PRIMARY_PAIRS.filter((p) => seen.has(`${p.loom}/${p.peer}`));
  return primary.length > 0 ? primary : [...seen.values()];
}

/** The ratio table: Loom/peer speed per case (>1: Loom faster), median over paired rounds with range. */
export function ratioTable(report: Pick<BenchReport, 'cases' | 'engines'>, pairs = ratioPairs(report)): string {
  const label = (id: string) => report.engines.find((e) => e.id === id)?.label ?? id;
  if (pairs.length === 0) return '_No Loom/peer pair ran on the same case._\n';
  const head = `| case | ${pairs.map((p) => `${label(p.loom)} vs ${label(p.peer)}`).join(' | ')} |`;
  const sep = `|---|${pairs.map(() => '---:').join('|')}|`;
  const rows = report.cases.map((c) => {
    const cells = pairs.map((p) => {
      const r = c.ratios.find((x) => x.loom === p.loom && x.peer === p.peer);
      return r ? `${fmt(r.ratio)}× (${fmt(r.min)}–${fmt(r.max)})` : '–';
    });
    return `| ${escapeCell(c.title)} | ${cells.join(' | ')} |`;
  });
  return [head, sep, ...rows].join('\n') + '\n';
}

/** The throughput table: median per engine in the case's unit, plus each CPU engine's % of roofline. */
export function throughputTable(report: Pick<BenchReport, 'cases' | 'engines'>): string {
  const es = report.engines;
  const head = `| case | unit | ${es.map((e) => e.label).join(' | ')} | roofline (best CPU engine) |`;
  const sep = `|---|---|${es.map(() => '---:').join('|')}|---|`;
  const rows = report.cases.map((c) => {
    let best: { label: string; pct: number } | null = null;
    for (const e of es) {
      const o = c.engines[e.id];
      if (o?.status === 'ok' && o.roofline !== undefined && (!best || o.roofline > best.pct)) best = { label: e.label, pct: o.roofline };
    }
    const roof = best ? `${fmt(best.pct)}% (${best.label})` : '–';
    return `| ${escapeCell(c.title)} | ${c.unit} | ${es.map((e) => outcomeCell(c.engines[e.id])).join(' | ')} | ${roof} |`;
  });
  return [head, sep, ...rows].join('\n') + '\n';
}

/** Every engine's figures per case: median time, range, repetitions, rounds, max error, roofline. */
export function detailTable(report: Pick<BenchReport, 'cases' | 'engines'>): string {
  const lines = ['| case | engine | median | range (unit) | time/run median (min–max) | reps × rounds | max error | roofline |', '|---|---|---:|---|---|---|---:|---:|'];
  for (const c of report.cases) {
    for (const e of report.engines) {
      const o = c.engines[e.id];
      if (!o) continue;
      if (o.status === 'ok') {
        const [lo, hi] = throughputRange(c, o);
        const ms = (s: number) => fmt(s * 1000);
        lines.push(`| ${escapeCell(c.title)} | ${e.label} | ${fmt(o.throughput)} ${c.unit} | ${fmt(lo)}–${fmt(hi)} | ${ms(o.summary.median)} ms (${ms(o.summary.min)}–${ms(o.summary.max)}) | ${o.repsPerSample} × ${o.summary.n} | ${o.maxError === 0 ? '0' : o.maxError.toExponential(1)} | ${o.roofline !== undefined ? `${fmt(o.roofline)}%` : '–'} |`);
      } else {
        lines.push(`| ${escapeCell(c.title)} | ${e.label} | ${outcomeCell(o)} | ${escapeCell(o.error)} | | | | |`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** The whole markdown report. */
export function markdownReport(report: BenchReport, chartFile?: string): string {
  const m = report.machine;
  const p = report.peak;
  const out: string[] = [];
  out.push(`# Loom benchmarks — ${m.date} on ${m.host}`, '');
  out.push(`${m.runtime}; ${m.platform}; ${m.cpu}, ${m.cores} cores. Options: ${report.options.quick ? '--quick, ' : ''}${report.options.filter ? `--filter ${report.options.filter}, ` : ''}${report.options.rounds} interleaved rounds, ${report.options.warmup} warm-up runs, samples ≥ ${report.options.minSampleMs} ms.`, '');
  for (const n of m.notes) out.push(`> ${n}`, '');
  if (p) {
    out.push(`Measured single-thread peak: SIMD mul+add ${fmt(p.simdGflops)} GFLOP/s, relaxed FMA ${p.relaxedGflops === null ? 'not available' : `${fmt(p.relaxedGflops)} GFLOP/s`}, memory copy ${fmt(p.copyGBs)} GB/s (read + write). The roofline column is achieved ÷ min(peak FLOP/s, intensity × copy bandwidth); the copy runs on 64 MiB, so a working set that fits in cache can pass 100%.`, '');
  }
  out.push('## Engines', '');
  for (const e of report.engines) out.push(`- **${e.label}** (\`${e.id}\`, ${e.device}): ${e.version}`);
  for (const u of report.unavailable) out.push(`- ${u.label} (\`${u.id}\`): unavailable: ${u.reason}`);
  out.push('', '## Loom ÷ peer speed (> 1: Loom faster)', '', 'Median over interleaved rounds of peer time ÷ Loom time, paired round by round; (min–max) over rounds. ' +
    'A column comparing an engine on N threads with the same engine on 1 thread is its thread scaling (N threads ÷ 1 thread speed).', '');
  out.push(ratioTable(report));
  out.push('## Throughput (median)', '', 'GFLOP/s, GB/s, Gelem/s: higher is better; ms/step, ms: lower is better. ✗ wrong: failed the correctness gate, not timed.', '');
  out.push(throughputTable(report));
  if (chartFile) out.push(`![Loom vs peers per case](${chartFile})`, '');
  const counted = report.cases.flatMap((c) => Object.entries(c.engines).flatMap(([id, o]) =>
    o.status === 'ok' && o.counters && Object.keys(o.counters).length ? [{ c, id, counters: o.counters }] : []));
  if (counted.length) {
    out.push('## Counters (one untimed run)', '', '| case | engine | counts |', '|---|---|---|');
    for (const { c, id, counters } of counted) {
      out.push(`| ${escapeCell(c.title)} | ${id} | ${Object.entries(counters).map(([k, v]) => `${k}: ${v}`).join(', ')} |`);
    }
    out.push('');
  }
  if (report.skipped.length) {
    out.push('## Cases not run', '');
    for (const s of report.skipped) out.push(`- ${s.id}: ${s.reason}`);
    out.push('');
  }
  out.push('## Details', '', detailTable(report));
  return out.join('\n');
}

/**
 * Adds a second run's engines to `base` (the browser's second page, where TF.js wasm starts on N
 * threads: TF.js fixes its thread count per page). For each case present in both: the engines of
 * `ids` that `base` lacks, the ratios of `extra` that involve them, and — from medians, as the two
 * pages' rounds cannot be paired — the scaling of `many` over `one` across the pages.
 */
export function mergeRuns(base: BenchReport, extra: BenchReport, ids: readonly string[], scaling?: { many: string; one: string }): BenchReport {
  const added = ids.filter((id) => !base.engines.some((e) => e.id === id) && extra.engines.some((e) => e.id === id));
  const cases = base.cases.map((c) => {
    const x = extra.cases.find((y) => y.id === c.id);
    if (!x) return c;
    const engines = { ...c.engines };
    for (const id of added) if (x.engines[id]) engines[id] = x.engines[id];
    const ratios = [...c.ratios, ...x.ratios.filter((r) => added.includes(r.loom) || added.includes(r.peer))];
    const many = scaling && engines[scaling.many];
    const one = scaling && engines[scaling.one];
    if (scaling && many?.status === 'ok' && one?.status === 'ok') {
      ratios.push({ loom: scaling.many, peer: scaling.one, ratio: one.summary.median / many.summary.median,
        min: one.summary.min / many.summary.max, max: one.summary.max / many.summary.min });
    }
    return { ...c, engines, ratios };
  });
  return {
    ...base,
    engines: [...base.engines, ...extra.engines.filter((e) => added.includes(e.id))],
    unavailable: [...base.unavailable.filter((u) => !added.includes(u.id)),
      ...extra.unavailable.filter((u) => ids.includes(u.id) && !base.unavailable.some((b) => b.id === u.id))],
    cases,
  };
}
