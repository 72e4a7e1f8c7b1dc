// The demo page: initializes Loom, shows which backend and device it runs on, runs a few ops
// (the everyday ones of sequence models) and prints their results.
import * as loom from '@loom/core';

const $ = (id: string): HTMLElement => document.getElementById(id)!;

function row(list: HTMLElement, term: string, value: string): void {
  const dt = document.createElement('dt');
  dt.textContent = term;
  const dd = document.createElement('dd');
  dd.textContent = value;
  dd.dataset.term = term;
  list.append(dt, dd);
}

function format(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === 'number' ? Number(v.toFixed(4)) : v));
}

async function showOp(title: string, code: string, run: () => loom.Tensor): Promise<void> {
  const out = run();
  const values = await out.array();
  const div = document.createElement('div');
  div.className = 'op';
  div.dataset.op = title;
  const heading = document.createElement('strong');
  heading.textContent = title;
  const snippet = document.createElement('code');
  snippet.textContent = code;
  const pre = document.createElement('pre');
  pre.textContent = `${out.dtype} [${out.shape.join(', ')}] = ${format(values)}`;
  div.append(heading, document.createTextNode(' '), snippet, pre);
  $('ops').append(div);
  out.dispose();
}

async function main(): Promise<void> {
  const backend = await loom.init();
  const report = loom.info();
  const device = $('device');
  row(device, 'backend', backend);
  row(device, 'device', `${report.device.kind}: ${report.device.description}`);
  row(device, 'runtime', report.runtime.runtime);
  const w = report.runtime.wasm;
  row(device, 'wasm', w.available ? `SIMD ${w.simd ? 'yes' : 'no'}, relaxed SIMD ${w.relaxedSimd ? 'yes' : 'no'}, threads ${w.threads ? 'yes' : 'no'}` : 'unavailable');
  row(device, 'webgpu', report.runtime.webgpu.available ? 'navigator.gpu present' : 'not available');
  row(device, 'backends', report.backends.map((b) => `${b.name} (${b.state}${b.error ? `: ${b.error}` : ''})`).join(', '));

  const x = loom.tensor([[1, 2, 3], [4, 5, 6]]);
  const w1 = loom.tensor([[0.5, -1], [0.25, 0], [-0.5, 1]]);
  await showOp('matmul', 'loom.matmul(x, w)', () => loom.matmul(x, w1));
  await showOp('dense layer', 'x.matmul(w).add(b).tanh()', () => loom.tidy(() => x.matmul(w1).add(loom.tensor([0.1, -0.1])).tanh()));
  await showOp('softmax', 'loom.softmax(x)', () => loom.softmax(x));
  await showOp('mean over axis 0', 'x.mean(0)', () => x.mean(0));
  await showOp('moving average (conv1d)', 'conv1d(signal, ones/3)', () =>
    loom.tidy(() => {
      const signal = loom.tensor([0, 1, 4, 9, 16, 25, 36], [1, 7, 1]);
      const kernel = loom.full([3, 1, 1], 1 / 3);
      return loom.conv1d(signal, kernel).reshape([5]);
    }),
  );
  loom.dispose([x, w1]);
  const m = loom.memory();
  row(device, 'live tensors after the demo', String(m.numTensors));
  $('status').textContent = `ready: running on ${backend}`;
}

main().catch((e: unknown) => {
  $('status').textContent = `error: ${e instanceof Error ? e.message : String(e)}`;
  throw e;
});
