// Backend race: the same model, seed and batches on every backend that starts here (in a worker):
// first-step and steady ms per batch, and the losses shown to match.
import { chart } from '../chart.js';
import { byId, fmt, table } from '../dom.js';
import type { FromWorker, RaceResult } from '../protocol.js';
import { run } from '../shell.js';
import { settingsFromQuery } from '../train-settings.js';

const STEPS = 8;

run('race', () => {
  const button = byId<HTMLButtonElement>('btn-race');
  const status = byId('race-status');
  button.addEventListener('click', () => {
    button.disabled = true;
    status.textContent = 'Racing…';
    const results: RaceResult[] = [];
    const skipped: string[] = [];
    // The Train page's settings from this URL (its defaults without them), on a shorter series.
    const settings = { ...settingsFromQuery(location.search), rows: 1000 };
    const worker = new Worker(new URL('../lab-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = async (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      if (m.type === 'race-result') {
        results.push(m.result);
        status.textContent = `Finished: ${results.map((r) => r.backend).join(', ')}…`;
        return;
      }
      if (m.type === 'race-skip') { skipped.push(`${m.backend} (${m.reason})`); return; }
      if (m.type !== 'done' && m.type !== 'error') return;
      worker.terminate();
      button.disabled = false;
      if (m.type === 'error') { status.textContent = `Error: ${m.message}`; return; }
      const ref = results.find((r) => r.backend === 'js') ?? results[0];
      const maxDiff = (r: RaceResult) => Math.max(0, ...r.losses.map((l, i) => Math.abs(l - ref.losses[i])));
      status.textContent = `Done: ${results.length} backends, ${STEPS} steps each. Largest loss difference from ${ref.backend}: ` +
        `${Math.max(...results.map(maxDiff)).toExponential(1)}.${skipped.length ? ` Skipped: ${skipped.join(', ')}.` : ''}`;
      byId('race-time').replaceChildren();
      byId('race-loss').replaceChildren();
      const t = await chart(byId('race-time'), { title: 'ms per batch (lower is faster)', xLabel: 'backend', yLabel: 'ms', categories: results.map((r) => r.backend),
        series: [{ label: 'first step', bars: true }, { label: 'steady (median)', bars: true }] });
      t.setData(results.map((_, i) => i), [results.map((r) => r.firstMs), results.map((r) => r.steadyMs)]);
      const l = await chart(byId('race-loss'), { title: 'Loss per step on each backend', xLabel: 'step', yLabel: 'loss',
        series: results.map((r, i) => ({ label: r.backend, dash: i ? [4 + 2 * i, 3] : undefined, points: true })) });
      l.setData(ref.losses.map((_, i) => i + 1), results.map((r) => r.losses));
      byId('race-table').replaceChildren(table('Race results', ['backend', 'device', 'first step ms', 'steady ms', 'final loss', `max |loss − ${ref.backend}|`],
        results.map((r) => [r.backend, r.device, fmt(r.firstMs, 3), fmt(r.steadyMs, 3), fmt(r.losses.at(-1)!, 6), maxDiff(r).toExponential(1)])));
      document.body.dataset.raced = String(results.length);
      document.body.dataset.raceMaxDiff = String(Math.max(...results.map(maxDiff)));
    };
    worker.postMessage({ type: 'race', settings, steps: STEPS });
  });
});
