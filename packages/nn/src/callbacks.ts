// Training callbacks: the hook interface, earlyStopping (optionally restoring the best weights),
// reduceLROnPlateau, a progress callback for progress bars, and the History record.

import type { Tensor } from '@loom/core';
import type { Optimizer } from './optimizers.js';

/** Values reported to callbacks: `loss`, metric names, and `val_`-prefixed validation values. */
export type Logs = Record<string, number>;

/** What callbacks may touch on the model being trained. */
export interface TrainableModel {
  stopTraining: boolean;
  optimizer?: Optimizer;
  getWeights(): Tensor[];
  setWeights(weights: Tensor[]): void;
}

/** Training hooks (each may be async). */
export interface Callback {
  setModel?(model: TrainableModel): void;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
}

/** Per-epoch values of every logged quantity, as Keras's History. */
export interface History {
  epoch: number[];
  history: Record<string, number[]>;
}

type Mode = 'min' | 'max' | 'auto';

function better(mode: Mode, monitor: string, minDelta: number): (a: number, best: number) => boolean {
  const m = mode === 'auto' ? (/acc|r2/.test(monitor) ? 'max' : 'min') : mode;
  return m === 'min' ? (a, best) => a < best - minDelta : (a, best) => a > best + minDelta;
}

/** Options of earlyStopping. */
export interface EarlyStoppingOptions {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  mode?: Mode;
  restoreBestWeights?: boolean;
}

/** Stops training when `monitor` (default 'val_loss') stops improving for `patience` epochs. */
export function earlyStopping(o: EarlyStoppingOptions = {}): Callback & { stoppedEpoch: number; bestEpoch: number } {
  const monitor = o.monitor ?? 'val_loss';
  const patience = o.patience ?? 0;
  const isBetter = better(o.mode ?? 'auto', monitor, Math.abs(o.minDelta ?? 0));
  let model: TrainableModel | undefined;
  let best = NaN;
  let wait = 0;
  let bestWeights: Tensor[] | undefined;
  const free = (): void => { for (const t of bestWeights ?? []) t.dispose(); bestWeights = undefined; };
  const cb = {
    stoppedEpoch: -1,
    bestEpoch: -1,
    setModel(m: TrainableModel) { model = m; },
    onTrainBegin() { best = NaN; wait = 0; cb.stoppedEpoch = -1; cb.bestEpoch = -1; free(); },
    onEpochEnd(epoch: number, logs: Logs) {
      const v = logs[monitor];
      if (v === undefined) {
        throw new Error(`earlyStopping: monitored quantity '${monitor}' is not logged; available: ${Object.keys(logs).join(', ')}`);
      }
      if (Number.isNaN(best) || isBetter(v, best)) {
        best = v;
        wait = 0;
        cb.bestEpoch = epoch;
        if (o.restoreBestWeights && model) { free(); bestWeights = model.getWeights(); }
      } else if (++wait >= Math.max(patience, 1)) {
        cb.stoppedEpoch = epoch;
        if (model) model.stopTraining = true;
      }
    },
    onTrainEnd() {
      if (o.restoreBestWeights && model && bestWeights && cb.stoppedEpoch >= 0) model.setWeights(bestWeights);
      free();
    },
  };
  return cb;
}

/** Multiplies the learning rate by `factor` when `monitor` has not improved for `patience` epochs. */
export function reduceLROnPlateau(o: { monitor?: string; factor?: number; patience?: number; minDelta?: number; minLR?: number; mode?: Mode; cooldown?: number } = {}): Callback {
  const monitor = o.monitor ?? 'val_loss';
  const factor = o.factor ?? 0.1;
  if (!(factor > 0 && factor < 1)) throw new Error(`reduceLROnPlateau: factor must be in (0, 1), got ${factor}`);
  const patience = o.patience ?? 10;
  const isBetter = better(o.mode ?? 'auto', monitor, Math.abs(o.minDelta ?? 1e-4));
  let model: TrainableModel | undefined;
  let best = NaN;
  let wait = 0;
  let cooldown = 0;
  return {
    setModel(m) { model = m; },
    onTrainBegin() { best = NaN; wait = 0; cooldown = 0; },
    onEpochEnd(_epoch, logs) {
      const v = logs[monitor];
      if (v === undefined) throw new Error(`reduceLROnPlateau: monitored quantity '${monitor}' is not logged`);
      if (cooldown > 0) cooldown--;
      if (Number.isNaN(best) || isBetter(v, best)) { best = v; wait = 0; return; }
      if (cooldown > 0 || ++wait < patience) return;
      const opt = model?.optimizer;
      if (opt && typeof opt.learningRate === 'number') {
        opt.learningRate = Math.max(opt.learningRate * factor, o.minLR ?? 0);
      }
      wait = 0;
      cooldown = o.cooldown ?? 0;
    },
  };
}

/** What a progress callback receives after each batch. */
export interface Progress {
  epoch: number;
  epochs: number;
  batch: number;
  batchesPerEpoch: number;
  /** Overall completion in [0, 1]. */
  fraction: number;
  logs: Logs;
}

/** Calls `onProgress` after every batch with the overall fraction done (for a progress bar). */
export function progressCallback(onProgress: (p: Progress) => void, epochs: number, batchesPerEpoch: number): Callback {
  let epoch = 0;
  return {
    onEpochBegin(e) { epoch = e; },
    onBatchEnd(batch, logs) {
      onProgress({ epoch, epochs, batch, batchesPerEpoch, fraction: (epoch * batchesPerEpoch + batch + 1) / (epochs * batchesPerEpoch), logs });
    },
  };
}
