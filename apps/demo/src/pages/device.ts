// Device: `info()` in plain words beside the TensorFlow and PyTorch one-liners, and a 5-second
// measurement (matmul and one LSTM step on every backend, in a worker) as a bar chart.
import * as loom from '@loom/core';
import { chart } from '../chart.js';
import { byId, code, el, fmt, table } from '../dom.js';
import type { FromWorker, MeasureResult } from '../protocol.js';
import { run } from '../shell.js';

function fact(list: HTMLElement, term: string, value: string, plain: string): void {
  list.append(el('dt', {}, term), el('dd', { 'data-term': term }, el('code', {}, value), el('br'), plain));
}

run('device', async (ctx) => {
  const i = ctx.info;
  const facts = byId('device-facts');
  fact(facts, 'backend', i.backend, `The engine runs every op on “${i.backend}”. ${i.backend === 'webgpu' ? 'WebGPU: compute shaders on the graphics card.' : i.backend === 'wasm' ? 'WebAssembly with SIMD: vectorized kernels on the CPU.' : 'Plain JavaScript: the readable reference every other backend is tested against.'}`);
  fact(facts, 'device', `${i.device.kind}: ${i.device.description}`, i.device.kind === 'gpu' ? 'A graphics adapter (a software one such as SwiftShader is correct but slow).' : 'The processor this browser tab runs on.');
  fact(facts, 'runtime', i.runtime.runtime, 'Where the JavaScript runs: a browser here; Loom runs in Node too.');
  const w = i.runtime.wasm;
  fact(facts, 'wasm', w.available ? `SIMD ${w.simd ? 'yes' : 'no'}, relaxed SIMD ${w.relaxedSimd ? 'yes' : 'no'}, threads ${w.threads ? 'yes' : 'no'}` : 'unavailable',
    'What WebAssembly offers: SIMD does 4 floats at once; threads need a cross-origin-isolated page (this one is).');
  fact(facts, 'webgpu', i.runtime.webgpu.available ? 'navigator.gpu present' : 'not available', 'Whether the browser exposes WebGPU at all; an adapter may still be missing.');
  fact(facts, 'recurrent layers', loom.activeBackend().supports('recurrent', 'float32') ? 'fused' : 'step by step',
    'Fused: a whole LSTM/GRU sequence is one kernel forward and one backward.');
  fact(facts, 'backends', i.backends.map((b) => `${b.name}: ${b.state}${b.error ? ` (${b.error})` : ''}`).join('; '), 'Every registered backend, by priority, and why one failed.');
  byId('one-liners').append(
    el('div', { class: 'card' }, el('h3', {}, 'Loom'), code(`import * as loom from '@loom/core';\nawait loom.init();\nconsole.log(loom.info().backend, loom.info().device);`)),
    el('div', { class: 'card' }, el('h3', {}, 'TensorFlow / Keras'), code(`import tensorflow as tf\nprint(tf.config.list_physical_devices())\n# TF.js: tf.getBackend()`, 'python')),
    el('div', { class: 'card' }, el('h3', {}, 'PyTorch'), code(`import torch\nprint(torch.cuda.is_available(),\n      torch.device("cuda" if torch.cuda.is_available() else "cpu"))`, 'python')),
  );

  const button = byId<HTMLButtonElement>('btn-measure');
  const status = byId('measure-status');
  button.addEventListener('click', () => {
    button.disabled = true;
    status.textContent = 'Measuring…';
    const results: MeasureResult[] = [];
    const worker = new Worker(new URL('../lab-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = async (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      if (m.type === 'measure-result') {
        results.push(m.result);
        status.textContent = `Measured ${results.map((r) => r.backend).join(', ')}…`;
      } else if (m.type === 'done' || m.type === 'error') {
        worker.terminate();
        button.disabled = false;
        status.textContent = m.type === 'error' ? `Error: ${m.message}` : `Done: ${results.length} backends measured.`;
        byId('measure-chart').replaceChildren();
        const c = await chart(byId('measure-chart'), {
          title: 'Median time per call (ms, lower is faster)', xLabel: 'backend', yLabel: 'ms', categories: results.map((r) => r.backend),
          series: [{ label: 'matmul 256×256', bars: true }, { label: 'LSTM step', bars: true }],
        });
        c.setData(results.map((_, i) => i), [results.map((r) => r.matmulMs), results.map((r) => r.lstmMs)]);
        byId('measure-table').replaceChildren(table('Measurements', ['backend', 'device', 'matmul ms', 'LSTM step ms', 'max |diff| from js'],
          results.map((r) => [r.backend, r.device, fmt(r.matmulMs, 3), fmt(r.lstmMs, 3), r.maxDiffFromJs.toExponential(1)])));
        document.body.dataset.measured = String(results.length);
      }
    };
    // ?seconds= shortens (or lengthens) the measurement; 5 s by default.
    const seconds = Math.min(10, Math.max(1, Number(new URLSearchParams(location.search).get('seconds')) || 5));
    worker.postMessage({ type: 'measure', seconds });
  });
});
