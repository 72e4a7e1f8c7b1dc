// Profiler: one training step recorded by loom.profile() in a worker — time per op (summed by op,
// and every launch in a table) and the live memory after each op.
import { chart } from '../chart.js';
import { byId, fmt, table } from '../dom.js';
import type { FromWorker } from '../protocol.js';
import { run } from '../shell.js';
import { settingsFromQuery } from '../train-settings.js';

run('profiler', (ctx) => {
  const button = byId<HTMLButtonElement>('btn-profile');
  const status = byId('profile-status');
  button.addEventListener('click', () => {
    button.disabled = true;
    status.textContent = 'Profiling one training step…';
    const settings = { ...settingsFromQuery(location.search), rows: 800 };
    const worker = new Worker(new URL('../lab-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = async (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      if (m.type === 'error') { status.textContent = `Error: ${m.message}`; worker.terminate(); button.disabled = false; return; }
      if (m.type !== 'profile-result') return;
      worker.terminate();
      button.disabled = false;
      const top = m.byOp.slice(0, 8);
      status.textContent = `${m.rows.length} ops in ${fmt(m.totalMs, 3)} ms on ${m.backend}; peak live memory ${fmt(m.peakBytes / 1024, 3)} KiB ` +
        `(${fmt(m.startBytes / 1024, 3)} KiB before, ${fmt(m.endBytes / 1024, 3)} KiB after: the step keeps nothing).`;
      byId('profile-ops').replaceChildren();
      byId('profile-memory').replaceChildren();
      const ops = await chart(byId('profile-ops'), { title: 'Time per op, summed over the step (ms)', xLabel: 'op', yLabel: 'ms', categories: top.map((r) => r.op),
        series: [{ label: 'ms', bars: true }], height: 280 });
      ops.setData(top.map((_, i) => i), [top.map((r) => r.ms)]);
      const mem = await chart(byId('profile-memory'), { title: 'Live memory during the step', xLabel: 'op number', yLabel: 'KiB',
        series: [{ label: 'live KiB' }], height: 280 });
      mem.setData(m.rows.map((_, i) => i + 1), [m.rows.map((r) => r.liveBytes / 1024)]);
      byId('profile-table').replaceChildren(table('Every op of the step, in order', ['#', 'op', 'inputs', 'output', 'ms', 'live tensors', 'live KiB'],
        m.rows.map((r, i) => [i + 1, r.op, r.inputShapes.map((s) => `[${s.join(',')}]`).join(' '), r.outputShapes.map((s) => `[${s.join(',')}]`).join(' '),
          fmt(r.ms, 3), r.liveTensors, fmt(r.liveBytes / 1024, 3)])));
      document.body.dataset.profiled = String(m.rows.length);
    };
    worker.postMessage({ type: 'profile', choice: ctx.choice, settings });
  });
});
