// The top bar of every page: the pages, the backend toggle (each backend's state, and why one is
// unavailable), the device, and links to the API docs and the benchmark results. `startPage` starts
// the backend the URL asks for and tells the page when it is ready.
import * as loom from '@loom/core';
import { BACKEND_CHOICES, backendFromQuery, startBackend, type BackendChoice } from './backends.js';
import { el, freshId } from './dom.js';
import './style.css';

export const NAV: readonly [page: string, title: string][] = [
  ['index', 'Start'], ['concepts', 'Concepts'], ['device', 'Device'], ['tensors', 'Tensors'], ['neuron', 'Neuron'],
  ['loss', 'Loss lab'], ['train', 'Train'], ['race', 'Backend race'], ['profiler', 'Profiler'], ['data', 'Data'],
];

// The newest full benchmark chart, found at build time.
const benchCharts = import.meta.glob('../../../benchmarks/results/*.svg', { query: '?url', import: 'default', eager: true }) as Record<string, string>;
const benchUrl = Object.entries(benchCharts).filter(([k]) => !k.includes('quick')).sort(([a], [b]) => a.localeCompare(b)).at(-1)?.[1];

export interface PageContext {
  choice: BackendChoice;
  /** The backend running in this page. */
  backend: string;
  info: loom.EngineInfo;
}

/** A link to another page that keeps the backend choice. */
export function pageHref(page: string, choice: BackendChoice, extra = ''): string {
  const q = new URLSearchParams(extra);
  if (choice !== 'auto') q.set('backend', choice);
  const s = q.toString();
  return `./${page === 'index' ? '' : `${page}.html`}${s ? `?${s}` : ''}`;
}

function stateText(name: string, info: loom.EngineInfo): string {
  const b = info.backends.find((x) => x.name === name);
  if (!b) return 'not registered';
  if (b.state === 'active') return 'running';
  if (b.state === 'ready') return 'ready';
  if (b.state === 'failed') return `unavailable: ${b.error ?? 'failed to start'}`;
  const rt = info.runtime;
  if (name === 'webgpu') return rt.webgpu.available ? 'not started (choose it to try)' : 'unavailable: this browser has no navigator.gpu';
  if (name === 'wasm') return rt.wasm.simd ? 'not started (choose it to try)' : 'unavailable: no wasm SIMD';
  return 'not started';
}

function deviceText(info: loom.EngineInfo): string {
  return `${info.backend} on ${info.device.kind.toUpperCase()}: ${info.device.description}`;
}

function renderTopBar(current: string, choice: BackendChoice): { status: HTMLElement; select: HTMLSelectElement; states: HTMLElement } {
  const bar = document.getElementById('topbar') ?? document.body.insertBefore(el('header', { id: 'topbar' }), document.body.firstChild);
  bar.className = 'topbar';
  const nav = el('nav', { 'aria-label': 'Pages' }, el('ul', {}, ...NAV.map(([page, title]) => {
    const a = el('a', { href: pageHref(page, choice) }, title);
    if (page === current) a.setAttribute('aria-current', 'page');
    return el('li', {}, a);
  })));
  const id = freshId('backend');
  const select = el('select', { id, 'data-control': 'backend' }, ...BACKEND_CHOICES.map((c) => el('option', { value: c }, c)));
  select.value = choice;
  select.addEventListener('change', () => {
    const q = new URLSearchParams(location.search);
    if (select.value === 'auto') q.delete('backend');
    else q.set('backend', select.value);
    location.search = q.toString();
  });
  const status = el('p', { class: 'device', role: 'status', id: 'device-status' }, 'starting the backend…');
  const states = el('ul', { class: 'backend-states', 'aria-label': 'Backend states' });
  const statesBox = el('details', { class: 'backend-details' }, el('summary', {}, 'Why?'), states);
  const links = el('p', { class: 'links' },
    el('a', { href: './api/' }, 'API docs'), ' · ',
    ...(benchUrl ? [el('a', { href: benchUrl }, 'Benchmark results')] : []));
  bar.replaceChildren(
    el('div', { class: 'brand' }, el('a', { href: pageHref('index', choice) }, 'Loom Lab')),
    nav,
    el('div', { class: 'backend-picker' }, el('label', { for: id }, 'Backend'), select, statesBox),
    status, links,
  );
  return { status, select, states };
}

/** Draws the top bar, starts the backend from `?backend=`, and reports what runs. */
export async function startPage(current: string): Promise<PageContext> {
  const choice = backendFromQuery(location.search);
  const { status, select, states } = renderTopBar(current, choice);
  let backend: string;
  try {
    backend = await startBackend(choice);
  } catch (e) {
    status.textContent = `error starting ${choice}: ${(e as Error).message}`;
    throw e;
  }
  const info = loom.info();
  for (const option of select.options) {
    if (option.value === 'auto') option.textContent = `auto (${backend})`;
    else option.textContent = `${option.value} — ${stateText(option.value, info).split(':')[0]}`;
  }
  states.replaceChildren(...['webgpu', 'wasm', 'js'].map((n) => el('li', { 'data-backend-state': n }, `${n}: ${stateText(n, info)}`)));
  const fellBack = choice !== 'auto' && backend !== choice;
  status.textContent = fellBack ? `${choice} is unavailable; running on ${deviceText(info)}` : `Running on ${deviceText(info)}`;
  status.dataset.backend = backend;
  document.body.dataset.backend = backend;
  return { choice, backend, info };
}

/** Marks the page ready for tests and people: `data-ready` on <body>, errors in the status line. */
export function run(current: string, page: (ctx: PageContext) => Promise<void> | void): void {
  startPage(current)
    .then(async (ctx) => {
      await page(ctx);
      document.body.dataset.ready = 'true';
    })
    .catch((e: unknown) => {
      const status = document.getElementById('device-status');
      if (status) status.textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
      document.body.dataset.ready = 'error';
      throw e;
    });
}
