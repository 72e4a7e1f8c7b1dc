// Loss lab: predictions dragged on the chart or moved with sliders; MSE (with the ½ toggle), binary and categorical
// cross-entropy, and their gradients with respect to the predictions, all from Loom.
import * as loom from '@loom/core';
import { grad, losses } from '@loom/nn';
import { chart } from '../chart.js';
import { byId, el, fmt, freshId, slider } from '../dom.js';
import { run } from '../shell.js';

/** The loss and ∂loss/∂prediction, read from whichever backend runs. */
async function lossAndGrad(f: (yTrue: loom.Tensor, yPred: loom.Tensor) => loom.Tensor, yTrue: number[] | number[][], yPred: number[] | number[][]): Promise<{ value: number; grad: number[] }> {
  const y = loom.tensor(yTrue);
  const p = loom.tensor(yPred);
  const v = f(y, p);
  const g = grad((q) => f(y, q))(p);
  const [vv, gv] = await Promise.all([v.data(), g.data()]);
  loom.dispose([y, p, v, g]);
  return { value: vv[0], grad: Array.from(gv as Float32Array) };
}

run('loss', async () => {
  // Regression: five forecasts against their true values.
  const truth = [2, 3.5, 1, 4, 2.5];
  const pred = [2.5, 3, 2, 3, 2.5];
  let half = false;
  const predSliders: { set(v: number): void }[] = [];
  const regChart = await chart(byId('reg-chart'), { title: 'Predictions, truth and the gradient', xLabel: 'sample', yLabel: 'value', categories: truth.map((_, i) => `#${i + 1}`),
    series: [{ label: 'truth y', bars: true }, { label: 'prediction ŷ', bars: true }, { label: '∂loss/∂ŷ', bars: true }],
    yRange: [-3, 6.5],
    // Drag a prediction to where you want it: the slider follows (and stays the keyboard path).
    onDrag: (i, v) => predSliders[i]?.set(Math.round(Math.min(6, Math.max(-1, v)) * 10) / 10) });
  let q = Promise.resolve();
  const updateReg = (): void => {
    q = q.then(async () => {
      const f = half ? losses.halfMeanSquaredError : losses.meanSquaredError;
      const { value, grad: g } = await lossAndGrad((a, b) => f(loom.reshape(a, [1, -1]), loom.reshape(b, [1, -1])), truth, pred);
      regChart.setData(truth.map((_, i) => i), [truth, [...pred], g]);
      byId('reg-out').textContent = `${half ? '½·MSE' : 'MSE'} = ${fmt(value)}; gradient ∂loss/∂ŷ = [${g.map((v) => fmt(v, 3)).join(', ')}]`;
      byId('reg-out').dataset.value = String(value);
    });
  };
  const toggleId = freshId('half');
  const toggle = el('input', { type: 'checkbox', id: toggleId, 'data-control': 'half' });
  toggle.addEventListener('change', () => { half = toggle.checked; updateReg(); });
  byId('reg-controls').append(
    el('div', { class: 'control' }, el('label', { for: toggleId }, 'Use ½·(ŷ−y)²'), toggle),
    ...pred.map((v, i) => {
      const s = slider(`Prediction #${i + 1} (truth ${truth[i]})`, { min: -1, max: 6, step: 0.1, value: v, name: `pred-${i}` }, (x) => { pred[i] = x; updateReg(); });
      predSliders[i] = s;
      return s.root;
    }),
  );
  updateReg();

  // Binary: four sigmoid outputs against labels.
  const labels = [1, 0, 1, 0];
  const probs = [0.8, 0.3, 0.4, 0.1];
  let qb = Promise.resolve();
  const updateBin = (): void => {
    qb = qb.then(async () => {
      const { value, grad: g } = await lossAndGrad((a, b) => losses.binaryCrossentropy(loom.reshape(a, [1, -1]), loom.reshape(b, [1, -1])), labels, probs);
      byId('bin-out').textContent = `BCE = ${fmt(value)}; ∂loss/∂p = [${g.map((v) => fmt(v, 3)).join(', ')}]`;
    });
  };
  byId('bin-controls').append(...probs.map((v, i) => slider(`p(fault) for sample #${i + 1} (label ${labels[i]})`, { min: 0.01, max: 0.99, step: 0.01, value: v, name: `prob-${i}` }, (x) => { probs[i] = x; updateBin(); }).root));
  updateBin();

  // Multi-class: logits → softmax → CCE against a one-hot label.
  const classes = ['normal', 'warning', 'fault'];
  const logits = [1, 0.5, -1];
  let label = 0;
  const catChart = await chart(byId('cat-chart'), { title: 'softmax probabilities, label and ∂loss/∂logits', xLabel: 'class', yLabel: 'value', categories: classes,
    series: [{ label: 'p = softmax(logits)', bars: true }, { label: 'one-hot label y', bars: true }, { label: '∂loss/∂logits = p − y', bars: true }] });
  let qc = Promise.resolve();
  const updateCat = (): void => {
    qc = qc.then(async () => {
      const y = classes.map((_, i) => (i === label ? 1 : 0));
      const { value, grad: g } = await lossAndGrad((a, z) => losses.categoricalCrossentropy(a, loom.softmax(z)), [y], [logits]);
      const p = loom.softmax(loom.tensor(logits));
      const pv = Array.from((await p.data()) as Float32Array);
      p.dispose();
      catChart.setData([0, 1, 2], [pv, y, g]);
      byId('cat-out').textContent = `CCE = ${fmt(value)} (−log p of the true class “${classes[label]}”); predicted class: “${classes[pv.indexOf(Math.max(...pv))]}”`;
    });
  };
  const labelId = freshId('label');
  const labelSelect = el('select', { id: labelId, 'data-control': 'label' }, ...classes.map((c, i) => el('option', { value: String(i) }, c)));
  labelSelect.addEventListener('change', () => { label = Number(labelSelect.value); updateCat(); });
  byId('cat-controls').append(
    el('div', { class: 'control' }, el('label', { for: labelId }, 'True class'), labelSelect),
    ...logits.map((v, i) => slider(`Logit of “${classes[i]}”`, { min: -4, max: 4, step: 0.1, value: v, name: `logit-${i}` }, (x) => { logits[i] = x; updateCat(); }).root),
  );
  updateCat();
});
