// Draws a tensor as nested grids: numbers in heat-coloured cells for ranks 0–2, colour images for
// a trailing RGB axis, and frames around each level above — with its shape and dtype.
import type * as loom from '@loom/core';
import { el, fmt } from './dom.js';

type Nested = number | Nested[];

/** Light-to-dark blue (colour-blind safe, one hue) with a text colour that keeps contrast. */
function heat(v: number, lo: number, hi: number): { bg: string; fg: string } {
  const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
  const light = [239, 246, 251];
  const dark = [8, 69, 148];
  const c = light.map((l, i) => Math.round(l + (dark[i] - l) * t));
  return { bg: `rgb(${c.join(',')})`, fg: t > 0.5 ? '#fff' : '#000' };
}

function numberGrid(rows: number[][], lo: number, hi: number): HTMLElement {
  const cols = rows[0]?.length ?? 0;
  const g = el('div', { class: 'cell-grid', style: `grid-template-columns: repeat(${Math.max(cols, 1)}, auto)` });
  for (const r of rows) for (const v of r) {
    const { bg, fg } = heat(v, lo, hi);
    g.append(el('span', { style: `background:${bg};color:${fg}` }, fmt(v, 5)));
  }
  return g;
}

function imageGrid(img: number[][][], label: string): HTMLElement {
  const w = img[0]?.length ?? 0;
  const g = el('div', { class: 'cell-grid', role: 'img', 'aria-label': label, style: `grid-template-columns: repeat(${w}, 1.2rem)` });
  for (const row of img) for (const [r, gr, b] of row) {
    const c = [r, gr, b].map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
    g.append(el('span', { style: `background:rgb(${c.join(',')});min-width:1.2rem;height:1.2rem` }));
  }
  return g;
}

function range(x: Nested): [number, number] {
  if (typeof x === 'number') return [x, x];
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of x) {
    const [a, b] = range(c);
    lo = Math.min(lo, a);
    hi = Math.max(hi, b);
  }
  return [lo, hi];
}

function draw(x: Nested, shape: readonly number[], rgb: boolean, lo: number, hi: number, path: string): HTMLElement {
  if (shape.length === 0) return numberGrid([[x as number]], lo, hi);
  if (shape.length === 1) return numberGrid([x as number[]], lo, hi);
  if (rgb && shape.length === 3) return imageGrid(x as number[][][], `image ${path || ''} ${shape.join('×')}`.trim());
  if (shape.length === 2 && !rgb) return numberGrid(x as number[][], lo, hi);
  const box = el('div', { class: 'tensor-view' });
  (x as Nested[]).forEach((c, i) => {
    const p = `${path}[${i}]`;
    box.append(el('div', { class: 'frame' }, el('span', { class: 'label' }, p), draw(c, shape.slice(1), rgb, lo, hi, p)));
  });
  return box;
}

/** The tensor's values, read with `await t.array()` (works on every backend), drawn. */
export async function tensorView(t: loom.Tensor, options: { rgb?: boolean } = {}): Promise<HTMLElement> {
  const values = (await t.array()) as Nested;
  const [lo, hi] = range(values);
  const rgb = !!options.rgb && t.shape.at(-1) === 3 && t.rank >= 3;
  return el('figure', { class: 'tensor' },
    el('figcaption', {}, `${t.dtype} tensor, rank ${t.rank}, shape [${t.shape.join(', ')}], ${t.size} values`),
    draw(values, t.shape, rgb, lo, hi, ''));
}
