// Tensors: a rank slider 0–5 over the module's examples, ops that return new tensors (with the
// code), and the immutability experiment.
import * as loom from '@loom/core';
import { byId, el, slider } from '../dom.js';
import { run } from '../shell.js';
import { tensorView } from '../tensor-view.js';

interface Example {
  what: string;
  code: string;
  make: () => loom.Tensor;
  rgb?: boolean;
}

// A small colour image (4×4 RGB); frame f of a video shifts it.
const image = (f: number, v = 0): number[][][] =>
  Array.from({ length: 4 }, (_, y) => Array.from({ length: 4 }, (_, x) => [((x + f) % 4) / 3, y / 3, (0.3 + 0.2 * v + 0.1 * f) % 1]));

const EXAMPLES: Example[] = [
  { what: '0-D: a scalar — one temperature reading (°C)', code: 'loom.scalar(21.5)', make: () => loom.scalar(21.5) },
  { what: '1-D: a vector — six hourly temperatures', code: 'loom.tensor([4.0, 3.9, 3.8, 3.8, 3.9, 4.3])', make: () => loom.tensor([4.0, 3.9, 3.8, 3.8, 3.9, 4.3]) },
  { what: '2-D: a matrix — 4 time steps × 3 sensors (pressure, temperature, wind)', code: 'loom.tensor([[1016.6, 4.0, 3.8], …])  // [steps, sensors]',
    make: () => loom.tensor([[1016.6, 4.0, 3.8], [1016.6, 3.9, 3.8], [1016.7, 3.8, 3.8], [1016.7, 3.8, 3.7]]) },
  { what: '3-D: a series of matrices or a colour image — here 4×4 pixels × 3 colour channels', code: 'loom.tensor(pixels)  // [height, width, channels]',
    make: () => loom.tensor(image(0)), rgb: true },
  { what: '4-D: a video — 3 frames of 4×4 RGB images', code: 'loom.stack(frames)  // [frames, height, width, channels]',
    make: () => loom.tensor([0, 1, 2].map((f) => image(f))), rgb: true },
  { what: '5-D: a batch of videos — 2 videos of 3 frames each', code: 'loom.stack(videos)  // [batch, frames, height, width, channels]',
    make: () => loom.tensor([0, 1].map((v) => [0, 1, 2].map((f) => image(f, v)))), rgb: true },
];

run('tensors', async () => {
  const show = async (rank: number): Promise<void> => {
    const ex = EXAMPLES[rank];
    const t = ex.make();
    byId('rank-caption').textContent = ex.what;
    byId('rank-code').textContent = `const t = ${ex.code};\nt.shape  // [${t.shape.join(', ')}]\nt.dtype  // '${t.dtype}'`;
    byId('rank-view').replaceChildren(await tensorView(t, { rgb: ex.rgb }));
    t.dispose();
  };
  const s = slider('Rank (number of axes)', { min: 0, max: 5, step: 1, value: 2, name: 'rank' }, (v) => { void show(v); });
  byId('rank-controls').append(s.root);
  await show(2);

  const x = loom.reshape(loom.arange(0, 12), [3, 4]);
  const ops: [string, string, () => loom.Tensor][] = [
    ['reshape', 'x.reshape([4, 3])            // same 12 values, new shape', () => x.reshape([4, 3])],
    ['slice', 'loom.slice(x, [1, 0], [2, 2])  // rows 1–2, columns 0–1', () => loom.slice(x, [1, 0], [2, 2])],
    ['sum over time', 'x.sum(0)                     // one total per sensor', () => x.sum(0)],
    ['sum per step', 'x.sum(1)                     // one total per time step', () => x.sum(1)],
    ['broadcast', 'x.add(loom.tensor([10, 20, 30, 40]))  // [4] is repeated over the 3 rows', () => loom.tidy(() => x.add(loom.tensor([10, 20, 30, 40])))],
  ];
  for (const [name, src, f] of ops) {
    const b = el('button', { type: 'button', 'data-op': name }, name);
    b.addEventListener('click', async () => {
      const y = f();
      byId('op-code').textContent = `const x = loom.arange(0, 12).reshape([3, 4]);\nconst y = ${src};\n// x is unchanged: [${x.shape.join(', ')}]; y is a new tensor: [${y.shape.join(', ')}]`;
      byId('op-result').replaceChildren(
        el('div', { class: 'frame' }, el('span', { class: 'label' }, 'x'), await tensorView(x)),
        el('div', { class: 'frame' }, el('span', { class: 'label' }, 'y'), await tensorView(y)));
      y.dispose();
    });
    byId('op-buttons').append(b);
  }

  byId('btn-immutable').addEventListener('click', async () => {
    const t = loom.tensor([1, 2, 3]);
    const u = t.add(1);
    const copy = await t.data();
    copy[0] = 99;
    const again = await t.data();
    byId('immutable-out').textContent = [
      'const t = loom.tensor([1, 2, 3]);',
      `const u = t.add(1);        // u = [${Array.from(await u.data()).join(', ')}], a new tensor; t is untouched`,
      'const copy = await t.data();',
      `copy[0] = 99;              // copy = [${Array.from(copy).join(', ')}]: a plain, mutable Float32Array`,
      `await t.data();            // [${Array.from(again).join(', ')}]: the tensor did not change`,
    ].join('\n');
    loom.dispose([t, u]);
  });
});
