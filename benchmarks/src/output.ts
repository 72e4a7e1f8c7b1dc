// Writes a report as results/<date>-<host>[-browser][-quick].{json,md,svg} and refreshes the
// summary block of benchmarks/README.md (Node only).

import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { chartSvg } from './harness/chart.js';
import { markdownReport, ratioTable } from './harness/report.js';
import type { BenchReport } from './harness/types.js';

/** The base file name of a report. */
export function reportBaseName(report: BenchReport, kind: 'node' | 'browser' | 'gpu'): string {
  const host = report.machine.host.replace(/[^A-Za-z0-9._-]+/g, '-');
  const day = report.machine.date.slice(0, 10);
  return `${day}-${host}${kind === 'node' ? '' : `-${kind}`}${report.options.quick ? '-quick' : ''}${report.options.filter ? '-filtered' : ''}`;
}

/** Writes JSON (every sample), markdown and SVG; returns the paths. */
export function writeReport(report: BenchReport, dir: string, base: string): { json: string; md: string; svg: string } {
  mkdirSync(dir, { recursive: true });
  const paths = { json: join(dir, `${base}.json`), md: join(dir, `${base}.md`), svg: join(dir, `${base}.svg`) };
  writeFileSync(paths.json, JSON.stringify(report, null, 1) + '\n');
  writeFileSync(paths.svg, chartSvg(report));
  writeFileSync(paths.md, markdownReport(report, `${base}.svg`));
  return paths;
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->` in `text`. */
export function replaceBlock(text: string, name: string, body: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return text;
  return `${text.slice(0, i + start.length)}\n${body}${text.slice(j)}`;
}

/** Puts the run's ratio table and a link to its report into README.md's summary block. */
export function updateReadme(readmePath: string, report: BenchReport, base: string, block: 'summary' | 'browser-summary'): boolean {
  if (!existsSync(readmePath)) return false;
  const m = report.machine;
  const body = [
    `From [results/${base}.md](results/${base}.md) (${m.date}, ${m.runtime}, ${m.cpu}, ${m.cores} cores${report.options.quick ? ', --quick' : ''}).`,
    'Loom ÷ peer speed, > 1 means Loom is faster; median over paired rounds (min–max).',
    '',
    ratioTable(report),
    `![chart](results/${base}.svg)`,
    '',
  ].join('\n');
  const before = readFileSync(readmePath, 'utf8');
  const after = replaceBlock(before, block, body);
  if (after === before) return false;
  writeFileSync(readmePath, after);
  return true;
}
