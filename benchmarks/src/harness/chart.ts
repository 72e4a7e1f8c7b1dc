// The SVG chart: one group of bars per case, each engine's speed relative to the fastest engine
// on that case (so cases with different units share one axis), Loom in warm colours.

import { fmt } from './report.js';
import { higherIsBetter } from './runner.js';
import type { BenchReport } from './types.js';

const LOOM_COLORS = ['#c92a2a', '#f08c00', '#ae3ec9', '#e64980'];
const PEER_COLORS = ['#1c7ed6', '#0ca678', '#495057', '#3bc9db'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Renders the report's cases as a horizontal grouped bar chart (SVG text). */
export function chartSvg(report: Pick<BenchReport, 'cases' | 'engines' | 'machine'>): string {
  const engines = report.engines;
  let li = 0;
  let pi = 0;
  const color = new Map(engines.map((e) => [e.id, e.family === 'loom' ? LOOM_COLORS[li++ % LOOM_COLORS.length] : PEER_COLORS[pi++ % PEER_COLORS.length]]));
  const bar = 12;
  const gap = 14;
  const labelW = 300;
  const plotW = 460;
  const valueW = 150;
  const top = 56 + 18 * Math.ceil(engines.length / 3);
  const width = labelW + plotW + valueW;
  const parts: string[] = [];
  let y = top;
  for (const c of report.cases) {
    const speeds = new Map<string, number>();
    for (const e of engines) {
      const o = c.engines[e.id];
      if (o?.status === 'ok') speeds.set(e.id, higherIsBetter(c.unit) ? o.throughput : 1 / o.summary.median);
    }
    const best = Math.max(0, ...speeds.values());
    const h = Math.max(1, engines.length) * bar;
    parts.push(`<text x="${labelW - 8}" y="${y + h / 2 + 4}" text-anchor="end" font-size="12">${esc(c.title.length > 46 ? `${c.title.slice(0, 45)}…` : c.title)}</text>`);
    engines.forEach((e, i) => {
      const o = c.engines[e.id];
      const by = y + i * bar;
      const s = speeds.get(e.id);
      if (s !== undefined && best > 0) {
        const w = Math.max(1, (plotW * s) / best);
        const ok = o as Extract<typeof o, { status: 'ok' }>;
        parts.push(`<rect x="${labelW}" y="${by}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${color.get(e.id)}"><title>${esc(`${e.label}: ${fmt(ok.throughput)} ${c.unit}`)}</title></rect>`);
        parts.push(`<text x="${labelW + w + 4}" y="${by + bar - 3}" font-size="9">${esc(`${fmt(ok.throughput)} ${c.unit}`)}</text>`);
      } else if (o && o.status !== 'ok') {
        parts.push(`<text x="${labelW + 4}" y="${by + bar - 3}" font-size="9" fill="#868e96">${esc(`${e.label}: ${o.status}`)}</text>`);
      }
    });
    y += h + gap;
  }
  const legend = engines.map((e, i) => {
    const lx = 10 + (i % 3) * 300;
    const ly = 40 + 18 * Math.floor(i / 3);
    return `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${color.get(e.id)}"/><text x="${lx + 18}" y="${ly}" font-size="12">${esc(e.label)}</text>`;
  });
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(`Loom vs peers — speed relative to the fastest engine per case (${report.machine.date}, ${report.machine.host})`)}</text>`,
    ...legend,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
