// 'accuracy' / 'acc' as Keras resolves them: the kind of accuracy follows from the loss and the shapes
// of labels and predictions, and the metric is logged under the name the user gave.

import type { Tensor } from '@loom/core';
import { lossName, type LossFn } from '../losses.js';
import { binaryAccuracy, categoricalAccuracy, sparseCategoricalAccuracy, type Metric } from '../metrics.js';

/** True for the metric names Keras resolves from the loss and shapes. */
export const isAccuracyAlias = (m: unknown): m is 'accuracy' | 'acc' => m === 'accuracy' || m === 'acc';

/**
 * The accuracy that fits the task, chosen per batch from shapes (Keras 3's rule): predictions with a
 * last dimension of 1 → binary; labels one rank lower than the predictions, or a last dimension of 1
 * against several classes → sparse categorical; otherwise categorical. A binary-crossentropy loss
 * always means binary accuracy (multi-label outputs), where argmax accuracy would mean nothing.
 */
export function resolvedAccuracy(name: string, loss: string | LossFn | undefined): Metric {
  const kinds = { binary: binaryAccuracy(), categorical: categoricalAccuracy(), sparse: sparseCategoricalAccuracy() };
  const byLoss = typeof loss === 'string' ? lossName(loss) : undefined;
  const pick = (yTrue: Tensor, yPred: Tensor): Metric => {
    if (byLoss === 'binaryCrossentropy') return kinds.binary;
    const pLast = yPred.shape[yPred.rank - 1];
    const tLast = yTrue.shape[yTrue.rank - 1];
    if (yPred.rank === 0 || pLast === 1) return kinds.binary;
    if (yTrue.rank === yPred.rank - 1 || (tLast === 1 && pLast !== 1)) return kinds.sparse;
    return kinds.categorical;
  };
  return {
    name,
    stats: (yTrue, yPred) => pick(yTrue, yPred).stats(yTrue, yPred),
    // Every kind's statistics are [hits, count].
    result: (sums) => (sums[1] > 0 ? sums[0] / sums[1] : Number.NaN),
  };
}
