// Re-renders a saved report's markdown and SVG from its JSON:
// `node --import tsx src/render.ts results/<file>.json` (the JSON itself is left as it is).

import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { chartSvg } from './harness/chart.js';
import { markdownReport } from './harness/report.js';
import type { BenchReport } from './harness/types.js';

const files = process.argv.slice(2);
if (files.length === 0 || files.some((f) => !f.endsWith('.json'))) {
  console.error('usage: node --import tsx src/render.ts results/<file>.json [...]');
  process.exit(1);
}
for (const file of files) {
  const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  const base = file.slice(0, -'.json'.length);
  writeFileSync(`${base}.svg`, chartSvg(report));
  writeFileSync(`${base}.md`, markdownReport(report, `${basename(base)}.svg`));
  console.log(`rendered ${base}.md and ${base}.svg`);
}
