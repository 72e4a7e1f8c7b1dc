// One benchmark run: picks the cases (--quick, --filter), runs each across the engines, and
// assembles the report. Shared by the Node runner and the browser page.

import { applyRoofline, bestPeak, runCase, type RunOptions } from './runner.js';
import type { BenchCase, BenchReport, Engine, MachineInfo, PeakFigures, UnavailableEngine } from './types.js';

/** Command-line options common to both runners. */
export interface SuiteOptions {
  quick: boolean;
  filter: string | null;
  /** Overrides of the quick/full defaults. */
  rounds?: number;
  warmup?: number;
  minSampleMs?: number;
}

/** Rounds, warm-up and sample length for quick and full runs. */
export function runSettings(o: SuiteOptions): { rounds: number; warmup: number; minSampleMs: number; maxReps: number } {
  return {
    rounds: o.rounds ?? (o.quick ? 5 : 10),
    warmup: o.warmup ?? (o.quick ? 1 : 3),
    minSampleMs: o.minSampleMs ?? (o.quick ? 20 : 100),
    maxReps: 10_000,
  };
}

/** The cases a run covers: --quick drops the `full` ones, --filter keeps ids or titles matching. */
export function selectCases(cases: readonly BenchCase[], o: Pick<SuiteOptions, 'quick' | 'filter'>): BenchCase[] {
  const re = o.filter ? new RegExp(o.filter, 'i') : null;
  return cases.filter((c) => (!o.quick || !c.full) && (!re || re.test(c.id) || re.test(c.title) || re.test(c.group)));
}

/** What the runners accept besides the suite options. */
export interface RunnerArgs {
  engines: string[] | null;
  softwareGpu: boolean;
  peak: boolean;
  /** The GPU run: the WebGPU engine against the threaded wasm engine, plus the GPU-only cases. */
  gpu: boolean;
  /** Folder for the report (default results/; a run written elsewhere leaves the README alone). */
  out: string | null;
}

/**
 * Parses `--quick`, `--filter <regex>`, `--rounds N`, `--engines a,b`, `--software-gpu`, `--no-peak`,
 * `--gpu`, `--out <dir>`.
 */
export function parseArgs(argv: readonly string[]): SuiteOptions & RunnerArgs {
  const out: SuiteOptions & RunnerArgs = {
    quick: false, filter: null, engines: null, softwareGpu: false, peak: true, gpu: false, out: null,
  };
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const take = (): string => inline ?? value(i++, flag);
    switch (flag) {
      case '--quick': out.quick = true; break;
      case '--filter': out.filter = take(); new RegExp(out.filter); break;
      case '--rounds': out.rounds = positiveInt(flag, take()); break;
      case '--warmup': out.warmup = positiveInt(flag, take(), 0); break;
      case '--min-sample-ms': out.minSampleMs = positiveInt(flag, take()); break;
      case '--engines': out.engines = take().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--software-gpu': out.softwareGpu = true; break;
      case '--no-peak': out.peak = false; break;
      case '--gpu': out.gpu = true; break;
      case '--out': out.out = take(); break;
      default: throw new Error(`unknown option '${a}'; valid: --quick, --filter <regex>, --rounds N, --warmup N, --min-sample-ms N, --engines id,id, --software-gpu, --no-peak, --gpu, --out <dir>`);
    }
  }
  return out;
}

function positiveInt(flag: string, v: string, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

/** Runs `cases` on `engines` and returns the full report. */
export async function runSuite(args: {
  cases: readonly BenchCase[];
  engines: readonly Engine[];
  unavailable: readonly UnavailableEngine[];
  machine: MachineInfo;
  options: SuiteOptions;
  /**
   * Measures the machine's peak; called before every case (the machine is shared, so one
   * measurement may land in a busy moment) and the best figures make the roofline. Null: none.
   */
  measurePeak: (() => PeakFigures) | null;
  referenceOrder?: string[];
  log?: (line: string) => void;
  now?: () => number;
}): Promise<BenchReport> {
  const log = args.log ?? (() => {});
  const settings = runSettings(args.options);
  const runOptions: RunOptions = {
    ...settings, referenceOrder: args.referenceOrder ?? ['loom-js', 'tfjs-cpu'], log, now: args.now,
  };
  const selected = selectCases(args.cases, args.options);
  const report: BenchReport = {
    machine: args.machine,
    options: { quick: args.options.quick, filter: args.options.filter, rounds: settings.rounds, warmup: settings.warmup, minSampleMs: settings.minSampleMs },
    engines: args.engines.map((e) => ({ id: e.id, label: e.label, family: e.family, version: e.version, device: e.device })),
    unavailable: [...args.unavailable],
    peak: null,
    cases: [],
    skipped: [],
  };
  for (const c of selected) {
    // A case Loom cannot run at all (e.g. @loom/nn missing) is listed, not timed for peers alone.
    const loomEngines = args.engines.filter((e) => e.family === 'loom');
    if (c.supports && loomEngines.length > 0) {
      const reasons = loomEngines.map((e) => c.supports!(e)).filter((r): r is string => r !== true);
      if (reasons.length === loomEngines.length) {
        report.skipped.push({ id: c.id, reason: `unavailable: ${reasons[0]}` });
        log(`${c.id}: unavailable: ${reasons[0]}`);
        continue;
      }
    }
    if (args.measurePeak) report.peak = bestPeak(report.peak, args.measurePeak());
    const started = Date.now();
    const result = await runCase(c, args.engines, runOptions);
    report.cases.push(result);
    const parts = Object.entries(result.engines).map(([id, o]) =>
      `${id} ${o.status === 'ok' ? `${o.throughput.toPrecision(3)}` : o.status}`);
    const ratios = result.ratios.map((r) => `${r.loom}/${r.peer} ${r.ratio.toFixed(2)}×`);
    log(`${c.id} [${c.unit}] ${parts.join(', ')}${ratios.length ? ` | ${ratios.join(', ')}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    for (const [id, o] of Object.entries(result.engines)) if (o.status === 'wrong' || o.status === 'error') log(`  ${id}: ${o.error}`);
  }
  if (report.peak) {
    applyRoofline(report.cases, new Map(args.engines.map((e) => [e.id, e.device])), report.peak,
      new Map(args.engines.map((e) => [e.id, e.threads ?? 1])));
    const p = report.peak;
    log(`peak (best of ${report.cases.length || 1}): SIMD ${p.simdGflops.toFixed(1)} GFLOP/s, relaxed ${p.relaxedGflops?.toFixed(1) ?? 'n/a'} GFLOP/s, copy ${p.copyGBs.toFixed(1)} GB/s`);
  }
  return report;
}
