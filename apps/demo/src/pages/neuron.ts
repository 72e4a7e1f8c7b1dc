// Neuron and activations: f(w·x + b) with w and b sliders; f and f′ (from Loom's autodiff) plotted;
// softmax over three logits; when to use each activation.
import * as loom from '@loom/core';
import { grad } from '@loom/nn';
import { chart } from '../chart.js';
import { byId, fmt, select, slider } from '../dom.js';
import { run } from '../shell.js';

const ACTIVATIONS = {
  tanh: { f: (z: loom.Tensor) => loom.tanh(z), when: 'tanh: hidden layers of small networks — zero-centred output in (−1, 1); it saturates for large |z|, where f′ → 0.' },
  relu: { f: (z: loom.Tensor) => loom.relu(z), when: 'ReLU: hidden layers of larger networks — cheap, and its gradient is 1 for every positive input, so deep stacks keep learning.' },
  sigmoid: { f: (z: loom.Tensor) => loom.sigmoid(z), when: 'sigmoid: the output of a binary classifier — a probability in (0, 1), used with binary cross-entropy.' },
  linear: { f: (z: loom.Tensor) => loom.mul(z, 1), when: 'linear (none): the output of a regression such as a forecast — any real number, used with MSE.' },
} as const;
type ActName = keyof typeof ACTIVATIONS;

run('neuron', async () => {
  let w = 1;
  let b = 0;
  let act: ActName = 'tanh';
  const xs = Array.from({ length: 81 }, (_, i) => -4 + i * 0.1);
  const c = await chart(byId('neuron-chart'), { title: 'f(w·x + b) and its derivative', xLabel: 'x', yLabel: 'value', series: [{ label: 'f' }, { label: "f′ = df/dx (autodiff)", dash: [6, 3] }] });
  let pending = Promise.resolve();
  const redraw = (): void => {
    pending = pending.then(async () => {
      const { f, when } = ACTIVATIONS[act];
      const [wv, bv] = [w, b];
      const neuron = (x: loom.Tensor) => f(loom.add(loom.mul(x, wv), bv));
      const x = loom.tensor(xs);
      const y = loom.tidy(() => neuron(x));
      const dy = grad(neuron)(x);
      const [yv, dv] = await Promise.all([y.data(), dy.data()]);
      loom.dispose([x, y, dy]);
      c.setData(xs, [Array.from(yv), Array.from(dv)]);
      byId('neuron-when').textContent = when;
      byId('neuron-code').textContent = `const neuron = (x) => loom.${act === 'linear' ? 'mul' : act}(${act === 'linear' ? 'x.mul(w).add(b), 1' : 'x.mul(w).add(b)'});  // w = ${fmt(wv)}, b = ${fmt(bv)}\n` +
        `const dfdx = grad(neuron)(x);   // Loom's autodiff: f′(w·x + b) · w`;
      document.body.dataset.neuron = `${act}:${wv}:${bv}`;
    });
  };
  byId('neuron-controls').append(
    slider('Weight w', { min: -3, max: 3, step: 0.1, value: w, name: 'w' }, (v) => { w = v; redraw(); }).root,
    slider('Bias b', { min: -3, max: 3, step: 0.1, value: b, name: 'b' }, (v) => { b = v; redraw(); }).root,
    select('Activation f', Object.keys(ACTIVATIONS), act, (v) => { act = v as ActName; redraw(); }, 'activation').root,
  );
  redraw();

  const logits = [2, 1, 0.1];
  const classes = ['normal', 'warning', 'fault'];
  const sm = await chart(byId('softmax-chart'), { title: 'softmax(logits): class probabilities', xLabel: 'class', yLabel: 'probability', categories: classes, series: [{ label: 'probability', bars: true }] });
  let smPending = Promise.resolve();
  const redrawSoftmax = (): void => {
    smPending = smPending.then(async () => {
      const p = loom.softmax(loom.tensor(logits));
      const pv = Array.from((await p.data()) as Float32Array);
      p.dispose();
      sm.setData([0, 1, 2], [pv]);
      const best = pv.indexOf(Math.max(...pv));
      byId('softmax-out').textContent = `softmax([${logits.map((v) => fmt(v)).join(', ')}]) = [${pv.map((v) => fmt(v, 3)).join(', ')}] (sum ${fmt(pv.reduce((a, v) => a + v, 0), 3)}); argmax → “${classes[best]}”`;
    });
  };
  byId('softmax-controls').append(...classes.map((name, i) => slider(`Logit of “${name}”`, { min: -4, max: 4, step: 0.1, value: logits[i], name: `logit-${i}` }, (v) => { logits[i] = v; redrawSoftmax(); }).root));
  redrawSoftmax();
});
