// Runs cases across engines: correctness gate first, then warm-up, calibration and interleaved
// rounds, then per-engine statistics, throughput, roofline and Loom/peer ratios.

import { compareResults } from './gate.js';
import { pairedRatio, roundOrder, summarize } from './stats.js';
import type { BenchCase, CaseInstance, CaseResult, Engine, EngineOutcome, PairRatio, PeakFigures, Unit, Work } from './types.js';

/** How long and how often to measure. */
export interface RunOptions {
  /** Timed rounds per case (each engine once per round). */
  rounds: number;
  /** Untimed runs per engine before calibration. */
  warmup: number;
  /** A sample repeats the step until at least this long (ms), so timer resolution does not matter. */
  minSampleMs: number;
  /** Upper bound on repetitions per sample. */
  maxReps: number;
  /** Engine ids to take as the correctness reference, in order of preference. */
  referenceOrder: string[];
  /** Milliseconds since an arbitrary origin (performance.now by default; tests pass a fake clock). */
  now?: () => number;
  /** Progress lines. */
  log?: (line: string) => void;
}

interface Live {
  engine: Engine;
  instance: CaseInstance;
  reps: number;
  samples: number[];
}

/** Runs one case on every engine and returns its result (never throws for an engine's failure). */
export async function runCase(c: BenchCase, engines: readonly Engine[], options: RunOptions): Promise<CaseResult> {
  const now = options.now ?? (() => performance.now());
  const log = options.log ?? (() => {});
  const outcomes: Record<string, EngineOutcome> = {};
  const created: { engine: Engine; instance: CaseInstance }[] = [];

  // 1. Instances.
  for (const engine of engines) {
    const support = c.supports ? c.supports(engine) : true;
    if (support !== true) {
      outcomes[engine.id] = { status: 'unsupported', error: support };
      continue;
    }
    try {
      await engine.activate();
      created.push({ engine, instance: await c.create(engine) });
    } catch (e) {
      outcomes[engine.id] = { status: 'error', error: `setup failed: ${message(e)}` };
    }
  }

  // 2. Correctness gate.
  const results = new Map<string, Float32Array>();
  for (const { engine, instance } of created) {
    try {
      await engine.activate();
      results.set(engine.id, await instance.result());
    } catch (e) {
      outcomes[engine.id] = { status: 'error', error: `run failed: ${message(e)}` };
    }
  }
  const reference = pickReference(results, options.referenceOrder, c);
  const maxErrors = new Map<string, number>();
  for (const [id, values] of results) {
    if (reference === null || id === reference) {
      maxErrors.set(id, 0);
      continue;
    }
    const cmp = compareResults(results.get(reference)!, values, c.tolerance);
    if (cmp.ok) maxErrors.set(id, cmp.maxError);
    else outcomes[id] = { status: 'wrong', error: `differs from ${reference}: ${cmp.message}`, maxError: cmp.maxError };
  }
  let live: Live[] = created
    .filter(({ engine }) => maxErrors.has(engine.id))
    .map(({ engine, instance }) => ({ engine, instance, reps: 1, samples: [] }));

  // 3. Warm-up and calibration: each engine gets enough repetitions per sample to pass minSampleMs.
  for (const l of live) {
    try {
      await l.engine.activate();
      for (let i = 0; i < options.warmup; i++) await l.instance.step();
      // Steps until half a sample has passed: one slow first step must not set the count.
      const t0 = now();
      let n = 0;
      do {
        await l.instance.step();
        n++;
      } while (now() - t0 < options.minSampleMs / 2 && n < options.maxReps);
      const dt = Math.max((now() - t0) / n, 1e-6);
      l.reps = Math.max(1, Math.min(options.maxReps, Math.ceil(options.minSampleMs / dt)));
    } catch (e) {
      outcomes[l.engine.id] = { status: 'error', error: `warm-up failed: ${message(e)}` };
    }
  }
  live = live.filter((l) => !outcomes[l.engine.id]);

  // 4. Interleaved rounds.
  for (let r = 0; r < options.rounds; r++) {
    for (const i of roundOrder(live.length, r)) {
      const l = live[i];
      if (outcomes[l.engine.id]) continue;
      try {
        await l.engine.activate();
        const t0 = now();
        for (let k = 0; k < l.reps; k++) await l.instance.step();
        l.samples.push((now() - t0) / l.reps / 1000);
      } catch (e) {
        outcomes[l.engine.id] = { status: 'error', error: `timed run failed: ${message(e)}` };
      }
    }
  }

  // 5. Statistics.
  for (const l of live) {
    if (outcomes[l.engine.id]) continue;
    const summary = summarize(l.samples);
    const throughput = throughputOf(c.unit, c.work, summary.median);
    outcomes[l.engine.id] = {
      status: 'ok', samples: l.samples, repsPerSample: l.reps, summary, throughput, maxError: maxErrors.get(l.engine.id) ?? 0,
    };
  }
  // 6. Counters (one untimed run each), where the engine can count.
  for (const l of live) {
    const o = outcomes[l.engine.id];
    if (o?.status !== 'ok' || !l.instance.counters) continue;
    try {
      await l.engine.activate();
      o.counters = await l.instance.counters();
    } catch (e) {
      log(`  ${c.id}: counters on ${l.engine.id} failed: ${message(e)}`);
    }
  }
  for (const { instance } of created) {
    try {
      instance.dispose();
    } catch (e) {
      log(`  ${c.id}: dispose failed: ${message(e)}`);
    }
  }

  const ordered: Record<string, EngineOutcome> = {};
  for (const e of engines) ordered[e.id] = outcomes[e.id];
  return {
    id: c.id, group: c.group, title: c.title, unit: c.unit, work: c.work, reference,
    engines: ordered, ratios: computeRatios(engines, ordered),
  };
}

/**
 * The reference: the first engine in `order` whose result agrees with at least one other engine
 * (so a single wrong reference does not condemn everyone), else the first in `order` that ran,
 * else the first that ran at all.
 */
export function pickReference(results: Map<string, Float32Array>, order: readonly string[], c: Pick<BenchCase, 'tolerance'>): string | null {
  const ids = [...results.keys()];
  if (ids.length === 0) return null;
  const candidates = [...order.filter((id) => results.has(id)), ...ids.filter((id) => !order.includes(id))];
  if (ids.length === 1) return ids[0];
  for (const cand of candidates) {
    const ref = results.get(cand)!;
    if (ids.some((other) => other !== cand && compareResults(ref, results.get(other)!, c.tolerance).ok)) return cand;
  }
  return candidates[0];
}

/** Throughput in `unit` for one run taking `seconds`. */
export function throughputOf(unit: Unit, work: Work, seconds: number): number {
  switch (unit) {
    case 'GFLOP/s': return (work.flops ?? 0) / seconds / 1e9;
    case 'GB/s': return (work.bytes ?? 0) / seconds / 1e9;
    case 'Gelem/s': return (work.elems ?? 0) / seconds / 1e9;
    case 'ms/step':
    case 'ms': return seconds * 1000;
  }
}

/** Whether a larger figure is better in `unit`. */
export function higherIsBetter(unit: Unit): boolean {
  return unit !== 'ms/step' && unit !== 'ms';
}

/**
 * Percent of the roofline: achieved FLOP/s over min(peak FLOP/s, intensity × peak bandwidth), or
 * achieved bytes/s over the copy bandwidth when the case does no arithmetic worth counting.
 */
export function rooflinePercent(work: Work, seconds: number, peak: PeakFigures): number | undefined {
  const peakFlops = (peak.relaxedGflops ?? peak.simdGflops) * 1e9;
  const peakBytes = peak.copyGBs * 1e9;
  if (work.flops && work.bytes) {
    const attainable = Math.min(peakFlops, (work.flops / work.bytes) * peakBytes);
    return (100 * work.flops) / seconds / attainable;
  }
  if (work.flops) return (100 * work.flops) / seconds / peakFlops;
  if (work.bytes) return (100 * work.bytes) / seconds / peakBytes;
  return undefined;
}

/**
 * Sets each CPU engine's roofline percentage on every timed outcome (GPU engines get none); an
 * engine on N threads is held to N times the single-thread peak (`threads`, default 1).
 */
export function applyRoofline(cases: readonly CaseResult[], devices: ReadonlyMap<string, 'cpu' | 'gpu'>, peak: PeakFigures,
  threads: ReadonlyMap<string, number> = new Map()): void {
  for (const c of cases) {
    for (const [id, o] of Object.entries(c.engines)) {
      if (o?.status !== 'ok' || devices.get(id) !== 'cpu') continue;
      const t = threads.get(id) ?? 1;
      const scaled = { simdGflops: peak.simdGflops * t, relaxedGflops: peak.relaxedGflops === null ? null : peak.relaxedGflops * t, copyGBs: peak.copyGBs * t };
      const pct = rooflinePercent(c.work, o.summary.median, t === 1 ? peak : scaled);
      if (pct !== undefined) o.roofline = pct;
    }
  }
}

/** The best of several peak measurements, component by component. */
export function bestPeak(a: PeakFigures | null, b: PeakFigures): PeakFigures {
  if (!a) return b;
  const relaxed = a.relaxedGflops === null ? b.relaxedGflops : b.relaxedGflops === null ? a.relaxedGflops : Math.max(a.relaxedGflops, b.relaxedGflops);
  return { simdGflops: Math.max(a.simdGflops, b.simdGflops), relaxedGflops: relaxed, copyGBs: Math.max(a.copyGBs, b.copyGBs) };
}

/**
 * Thread scaling, reported as ratios too: the engine on N threads (`loom`) against the same engine on
 * one thread (`peer`), N threads ÷ 1 thread speed.
 */
export const SCALING_PAIRS: readonly { loom: string; peer: string }[] = [
  { loom: 'loom-wasm-mt', peer: 'loom-wasm' },
  { loom: 'tfjs-wasm-mt', peer: 'tfjs-wasm' },
];

/**
 * Loom/peer ratios for every pair that both ran: peer time / Loom time, paired round by round; then
 * the SCALING_PAIRS present.
 */
export function computeRatios(engines: readonly Engine[], outcomes: Record<string, EngineOutcome>): PairRatio[] {
  const ratios: PairRatio[] = [];
  for (const s of SCALING_PAIRS) {
    const many = outcomes[s.loom];
    const one = outcomes[s.peer];
    if (many?.status === 'ok' && one?.status === 'ok') ratios.push({ ...s, ...pairedRatio(one.samples, many.samples) });
  }
  for (const l of engines.filter((e) => e.family === 'loom')) {
    const lo = outcomes[l.id];
    if (lo?.status !== 'ok') continue;
    for (const p of engines.filter((e) => e.family === 'peer')) {
      const po = outcomes[p.id];
      if (po?.status !== 'ok') continue;
      ratios.push({ loom: l.id, peer: p.id, ...pairedRatio(po.samples, lo.samples) });
    }
  }
  return ratios;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
