// Line and bar charts on uPlot (loaded lazily: pages without charts never fetch it), each with a
// data-table alternative under it, sized to its container, in the colour-blind-safe palette.
import type uPlotType from 'uplot';
import { el, fmt, table } from './dom.js';
import { SERIES_COLORS } from './palette.js';

export interface SeriesSpec {
  label: string;
  color?: string;
  dash?: number[];
  /** Draw as bars (bar charts) instead of a line. */
  bars?: boolean;
  points?: boolean;
  /** Join the points across nulls (a series with a value every few x). */
  spanGaps?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: SeriesSpec[];
  height?: number;
  /** Category names for the x positions 0..n-1 (bar charts). */
  categories?: string[];
  yLog?: boolean;
  /** A fixed y range instead of fitting the data (a draggable chart must not rescale under the pointer). */
  yRange?: [number, number];
  /**
   * Makes the bars draggable: pressing or dragging at a category calls this with its index and the
   * value under the pointer (the page updates its data, and its sliders, which stay the keyboard path).
   */
  onDrag?: (index: number, value: number) => void;
}

/** A live chart: `setData` redraws (at most once per animation frame) and refreshes the table. */
export interface Chart {
  readonly root: HTMLElement;
  setData(x: ArrayLike<number>, ys: ArrayLike<number | null>[]): void;
  /** How many times the plot was redrawn with new data (tests watch it grow during training). */
  readonly updates: number;
}

let uPlotModule: Promise<typeof uPlotType> | undefined;
function loadUPlot(): Promise<typeof uPlotType> {
  uPlotModule ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([m]) => m.default);
  return uPlotModule;
}

const MAX_TABLE_ROWS = 200;

/** Creates the chart inside `container` (the chart and its table are appended there). */
export async function chart(container: HTMLElement, spec: ChartSpec): Promise<Chart> {
  const uPlot = await loadUPlot();
  const height = spec.height ?? 240;
  const plotBox = el('div', { class: 'plot', role: 'img', 'aria-label': `${spec.title}: ${spec.yLabel} against ${spec.xLabel}` });
  const tableBox = el('div', { class: 'table-wrap' });
  const details = el('details', { class: 'data-table' }, el('summary', {}, `Data table: ${spec.title}`), tableBox);
  const root = el('figure', { class: 'chart' }, el('figcaption', {}, spec.title), plotBox, details);
  container.append(root);
  let data: [number[], ...(number | null)[][]] = [[], ...spec.series.map(() => [])];
  const cat = spec.categories;
  // Bar series stand side by side around their x: left/right for two, left/centre/right for three.
  const bars = spec.series.filter((x) => x.bars).length;
  const barIndex = (i: number) => spec.series.slice(0, i).filter((x) => x.bars).length;
  const barAlign = (k: number, n: number): -1 | 0 | 1 => (n === 1 ? 0 : n === 2 ? (k === 0 ? -1 : 1) : (([-1, 0, 1] as const)[k] ?? 0));
  const opts: uPlotType.Options = {
    width: Math.max(200, plotBox.clientWidth || container.clientWidth || 320),
    height,
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false, ...(cat ? { range: [-0.5, cat.length - 0.5] as [number, number] } : {}) }, y: { distr: spec.yLog ? 3 : 1, ...(spec.yRange ? { range: spec.yRange } : {}) } },
    axes: [
      { label: spec.xLabel, ...(cat ? { values: (_u: uPlotType, ticks: number[]) => ticks.map((t) => cat[t] ?? ''), splits: () => cat.map((_, i) => i), ...(cat.length > 4 ? { rotate: -40, size: 80 } : {}) } : {}) },
      { label: spec.yLabel, size: 60, values: (_u: uPlotType, ticks: (number | null)[]) => ticks.map((t) => (t === null || t === undefined ? '' : fmt(t, 3))) },
    ],
    series: [
      { label: spec.xLabel, value: (_u: uPlotType, v: number | null) => (v === null ? '—' : cat ? (cat[v] ?? '') : fmt(v)) },
      ...spec.series.map((s, i) => {
        const color = s.color ?? SERIES_COLORS[i % SERIES_COLORS.length];
        return {
          label: s.label, stroke: color, width: 2, dash: s.dash, spanGaps: s.spanGaps ?? false,
          fill: s.bars ? `${color}cc` : undefined,
          paths: s.bars ? uPlot.paths.bars!({ size: [bars > 2 ? 0.28 : 0.4, 60], align: barAlign(barIndex(i), bars) }) : undefined,
          points: { show: s.points ?? false },
          value: (_u: uPlotType, v: number | null) => (v === null ? '—' : fmt(v)),
        };
      }),
    ],
  };
  const plot = new uPlot(opts, data as uPlotType.AlignedData, plotBox);
  if (spec.onDrag) draggable(plot, spec.onDrag, cat?.length ?? 0);
  new ResizeObserver(() => {
    const w = plotBox.clientWidth;
    if (w > 0 && Math.abs(w - plot.width) > 1) plot.setSize({ width: w, height });
  }).observe(plotBox);

  let pending = false;
  let updates = 0;
  const renderTable = (): void => {
    const n = data[0].length;
    const stride = Math.max(1, Math.ceil(n / MAX_TABLE_ROWS));
    const rows: (string | number)[][] = [];
    for (let i = 0; i < n; i += stride) {
      rows.push([cat ? (cat[data[0][i]] ?? String(data[0][i])) : data[0][i], ...data.slice(1).map((s) => (s[i] === null || s[i] === undefined ? '—' : (s[i] as number)))]);
    }
    const caption = stride > 1 ? `${spec.title} (every ${stride}th of ${n} points)` : spec.title;
    tableBox.replaceChildren(table(caption, [spec.xLabel, ...spec.series.map((s) => s.label)], rows));
  };
  details.addEventListener('toggle', () => { if (details.open) renderTable(); });
  return {
    root,
    get updates() { return updates; },
    setData(x, ys) {
      data = [Array.from(x), ...ys.map((y) => Array.from(y))];
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        plot.setData(data as uPlotType.AlignedData);
        updates++;
        root.dataset.points = String(data[0].length);
        root.dataset.updates = String(updates);
        if (details.open) renderTable();
      });
    },
  };
}

/** Pointer drags on the plot area call `onDrag(index, value)` for the category under the pointer. */
function draggable(plot: uPlotType, onDrag: (index: number, value: number) => void, categories: number): void {
  const over = plot.over;
  over.style.cursor = 'ns-resize';
  // The page must not scroll on a touch drag inside the plot.
  over.style.touchAction = 'none';
  let dragging = false;
  const at = (e: PointerEvent): void => {
    const index = Math.round(plot.posToVal(e.offsetX, 'x'));
    if (index < 0 || index >= categories) return;
    onDrag(index, plot.posToVal(e.offsetY, 'y'));
  };
  over.addEventListener('pointerdown', (e) => {
    dragging = true;
    over.setPointerCapture(e.pointerId);
    at(e);
  });
  over.addEventListener('pointermove', (e) => { if (dragging) at(e); });
  const stop = (): void => { dragging = false; };
  over.addEventListener('pointerup', stop);
  over.addEventListener('pointercancel', stop);
}
