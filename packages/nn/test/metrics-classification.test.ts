// precision, recall and auc as streaming statistics: sums over several batches against hand-computed
// values (exact AUC by pair counting), multi-label micro-averaging, classId, and bad options.

import * as core from '@loom/core';
import { describe, expect, it } from 'vitest';
import { layers, metrics, sequential, type Metric } from '../src/index.js';

/** Adds each batch's statistics host-side, as fit does, and applies the final formula. */
async function streamed(m: Metric, batches: [number[][], number[][]][]): Promise<number> {
  let sums: number[] = [];
  for (const [y, p] of batches) {
    const yt = core.tensor(y), pt = core.tensor(p);
    const s = m.stats(yt, pt);
    const v = Array.from(await s.data());
    sums = sums.length ? sums.map((a, i) => a + v[i]) : v;
    core.dispose([yt, pt, s]);
  }
  return m.result(sums);
}

/** Exact ROC AUC: the fraction of (positive, negative) pairs ranked correctly, ties counting half. */
function exactAUC(y: number[], p: number[]): number {
  let good = 0, pairs = 0;
  for (let i = 0; i < y.length; i++) for (let j = 0; j < y.length; j++) {
    if (y[i] === 1 && y[j] === 0) { pairs++; good += p[i] > p[j] ? 1 : p[i] === p[j] ? 0.5 : 0; }
  }
  return good / pairs;
}

const col = (v: number[]): number[][] => v.map((a) => [a]);

describe('precision and recall', () => {
  it('are exact over batches (binary [n,1])', async () => {
    const y1 = [1, 0, 1, 1, 0], p1 = [0.9, 0.6, 0.4, 0.7, 0.1];
    const y2 = [0, 1, 0], p2 = [0.8, 0.55, 0.2];
    // threshold 0.5: tp = 0.9,0.7,0.55 → 3; fp = 0.6,0.8 → 2; fn = 0.4 → 1.
    const before = core.memory().numTensors;
    expect(await streamed(metrics.precision(), [[col(y1), col(p1)], [col(y2), col(p2)]])).toBeCloseTo(3 / 5, 6);
    expect(await streamed(metrics.recall(), [[col(y1), col(p1)], [col(y2), col(p2)]])).toBeCloseTo(3 / 4, 6);
    // threshold 0.65: tp = 0.9,0.7 → 2; fp = 0.8 → 1; fn = 0.4,0.55 → 2.
    expect(await streamed(metrics.precision({ threshold: 0.65 }), [[col(y1), col(p1)], [col(y2), col(p2)]])).toBeCloseTo(2 / 3, 6);
    expect(await streamed(metrics.recall({ threshold: 0.65 }), [[col(y1), col(p1)], [col(y2), col(p2)]])).toBeCloseTo(2 / 4, 6);
    expect(core.memory().numTensors).toBe(before);
  });

  it('micro-average multi-label [n,k] and pick one column with classId', async () => {
    const y = [[1, 0], [0, 1], [1, 1]], p = [[0.8, 0.7], [0.3, 0.9], [0.2, 0.6]];
    // all cells: tp = (0,0),(1,1),(2,1) → 3; fp = (0,1) → 1; fn = (2,0) → 1.
    expect(await streamed(metrics.precision(), [[y, p]])).toBeCloseTo(3 / 4, 6);
    expect(await streamed(metrics.recall(), [[y, p]])).toBeCloseTo(3 / 4, 6);
    // column 0: tp 1, fp 0, fn 1.
    expect(await streamed(metrics.precision({ classId: 0 }), [[y, p]])).toBeCloseTo(1, 6);
    expect(await streamed(metrics.recall({ classId: 0 }), [[y, p]])).toBeCloseTo(1 / 2, 6);
    // nothing predicted positive: 0 as Keras (divide-no-nan).
    expect(await streamed(metrics.precision({ threshold: 0.99 }), [[y, p]])).toBe(0);
  });

  it('rejects bad options and out-of-range classId', async () => {
    expect(() => metrics.precision({ threshold: NaN })).toThrow(/precision: threshold must be a finite number, got NaN/);
    expect(() => metrics.recall({ classId: -1 })).toThrow(/recall: classId must be a non-negative integer, got -1/);
    expect(() => metrics.precision({ top: 1 } as never)).toThrow(/precision: unknown option 'top'/);
    await expect(streamed(metrics.recall({ classId: 2 }), [[[[1, 0]], [[0.5, 0.5]]]])).rejects.toThrow(/recall: classId 2 is out of range/);
    expect(metrics.precision().name).toBe('precision');
  });
});

describe('auc', () => {
  // Predictions at least one threshold bin apart, so the interpolated ROC AUC equals the exact one.
  const y = [1, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1];
  const p = [0.93, 0.81, 0.77, 0.64, 0.12, 0.58, 0.45, 0.33, 0.29, 0.05, 0.71, 0.88];

  it('ROC over several batches equals the exact pair-counting AUC when bins separate the predictions', async () => {
    const got = await streamed(metrics.auc(), [[col(y.slice(0, 5)), col(p.slice(0, 5))], [col(y.slice(5)), col(p.slice(5))]]);
    expect(got).toBeCloseTo(exactAUC(y, p), 5);
    expect(exactAUC(y, p)).not.toBe(1);
  });

  it('ROC with coarse thresholds stays within one bin of the exact value; multi-label is micro-averaged', async () => {
    const got = await streamed(metrics.auc({ numThresholds: 11 }), [[col(y), col(p)]]);
    expect(Math.abs(got - exactAUC(y, p))).toBeLessThan(0.1);
    const two = y.map((v, i) => [v, 1 - v]), twoP = p.map((v) => [v, 1 - v]);
    const flatY = two.flat(), flatP = twoP.flat();
    expect(await streamed(metrics.auc(), [[two, twoP]])).toBeCloseTo(exactAUC(flatY, flatP), 5);
  });

  it('PR follows the interpolated precision-recall curve', async () => {
    // Perfect ranking: precision 1 at every recall.
    expect(await streamed(metrics.auc({ curve: 'PR' }), [[col([1, 1, 0, 0]), col([0.9, 0.8, 0.3, 0.1])]])).toBeCloseTo(1, 5);
    // Ranking pos, neg, pos (one per bin): the curve's steps at recall 1/2 (precision 1) and recall 1
    // (precision 2/3, reached through the interpolated segment p → tp = p·(1/2) + … between 2 and 3
    // predicted positives). Hand integral: 1/2·1 + ∫ over that segment of precision d(recall).
    const pr = await streamed(metrics.auc({ curve: 'PR' }), [[col([1, 0, 1]), col([0.9, 0.6, 0.3])]]);
    // Between p=2 (tp=1) and p=3 (tp=2): tp = p − 1, precision = (p−1)/p, recall = tp/2 → ∫ (1 − 1/p)/2 dp.
    const segment = (1 - Math.log(3 / 2)) / 2;
    // From p=1 (tp=1) to p=2 (tp=1): recall does not move. From p=0 to p=1: recall 0 → 1/2 at precision 1.
    expect(pr).toBeCloseTo(0.5 + segment, 5);
  });

  it('rejects bad options by name', () => {
    expect(() => metrics.auc({ numThresholds: 2 })).toThrow(/auc: numThresholds must be at least 3, got 2/);
    expect(() => metrics.auc({ numThresholds: 1.5 })).toThrow(/auc: numThresholds must be a positive integer, got 1.5/);
    expect(() => metrics.auc({ curve: 'DET' as 'ROC' })).toThrow(/auc: curve must be one of 'ROC', 'PR', got 'DET'/);
  });
});

describe('by name in compile', () => {
  it("logs 'precision', 'recall' and 'auc' (evaluate matches the streamed formulas on the predictions)", async () => {
    const m = sequential([layers.dense({ units: 1, inputShape: [2], activation: 'sigmoid' })], { seed: 5 });
    m.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['precision', 'recall', 'auc'] });
    const xs = [[0.1, 0.9], [0.8, 0.2], [0.5, 0.5], [0.9, 0.7], [0.3, 0.1], [0.2, 0.6]];
    const ys = [[1], [0], [1], [0], [1], [0]];
    const x = core.tensor(xs), y = core.tensor(ys);
    const logs = await m.evaluate(x, y, { batchSize: 4 });
    const pred = m.predict(x) as core.Tensor;
    const p = Array.from(await pred.data());
    const flat = ys.map((r) => r[0]);
    let tp = 0, fp = 0, fn = 0;
    p.forEach((v, i) => { if (v > 0.5 && flat[i] === 1) tp++; else if (v > 0.5) fp++; else if (flat[i] === 1) fn++; });
    expect(logs.precision).toBeCloseTo(tp + fp > 0 ? tp / (tp + fp) : 0, 6);
    expect(logs.recall).toBeCloseTo(tp + fn > 0 ? tp / (tp + fn) : 0, 6);
    expect(Math.abs(logs.auc - exactAUC(flat, p))).toBeLessThan(0.05);
    core.dispose([x, y, pred]);
  });
});
