// Training callbacks: the hook interface, earlyStopping (optionally restoring the best weights),
// reduceLROnPlateau, a progress callback for progress bars, and the History record.

import type { Tensor } from '@loom/core';
import type { Optimizer } from './optimizers.js';
import { bool, checkOptions, finite, given, nonNegative, nonNegativeInt, oneOf } from './validate.js';

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

function monitorOption(op: string, v: unknown): string {
  if (v !== undefined && (typeof v !== 'string' || v === '')) throw new Error(`${op}: monitor must be a logged name such as 'val_loss', got ${given(v)}`);
  return v ?? 'val_loss';
}

/** The monitored value of this epoch's logs (own keys only, so 'constructor' is not found on Object). */
function monitored(op: string, monitor: string, logs: Logs): number {
  if (!Object.hasOwn(logs, monitor)) {
    throw new Error(`${op}: monitored quantity '${monitor}' is not logged; available: ${Object.keys(logs).join(', ')}`);
  }
  return logs[monitor];
}

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
  const op = 'earlyStopping';
  checkOptions(op, o, ['monitor', 'minDelta', 'patience', 'mode', 'restoreBestWeights']);
  const monitor = monitorOption(op, o.monitor);
  const patience = nonNegativeInt(op, 'patience', o.patience, 0);
  const restore = bool(op, 'restoreBestWeights', o.restoreBestWeights, false);
  const isBetter = better(oneOf<Mode>(op, 'mode', o.mode, ['min', 'max', 'auto'], 'auto'), monitor, Math.abs(finite(op, 'minDelta', o.minDelta, 0)));
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
      const v = monitored(op, monitor, logs);
      if (Number.isNaN(best) || isBetter(v, best)) {
        best = v;
        wait = 0;
        cb.bestEpoch = epoch;
        if (restore && model) { free(); bestWeights = model.getWeights(); }
      } else if (++wait >= Math.max(patience, 1)) {
        cb.stoppedEpoch = epoch;
        if (model) model.stopTraining = true;
      }
    },
    onTrainEnd() {
      if (restore && model && bestWeights && cb.stoppedEpoch >= 0) model.setWeights(bestWeights);
      free();
    },
  };
  return cb;
}

/** Multiplies the learning rate by `factor` when `monitor` has not improved for `patience` epochs. */
export function reduceLROnPlateau(o: { monitor?: string; factor?: number; patience?: number; minDelta?: number; minLR?: number; mode?: Mode; cooldown?: number } = {}): Callback {
  const op = 'reduceLROnPlateau';
  checkOptions(op, o, ['monitor', 'factor', 'patience', 'minDelta', 'minLR', 'mode', 'cooldown']);
  const monitor = monitorOption(op, o.monitor);
  const factor = o.factor ?? 0.1;
  if (!(typeof factor === 'number' && factor > 0 && factor < 1)) throw new Error(`${op}: factor must be a number in (0, 1), got ${given(factor)}`);
  const patience = nonNegativeInt(op, 'patience', o.patience, 10);
  const minLR = nonNegative(op, 'minLR', o.minLR, 0);
  const cooldownEpochs = nonNegativeInt(op, 'cooldown', o.cooldown, 0);
  const isBetter = better(oneOf<Mode>(op, 'mode', o.mode, ['min', 'max', 'auto'], 'auto'), monitor, Math.abs(finite(op, 'minDelta', o.minDelta, 1e-4)));
  let model: TrainableModel | undefined;
  let best = NaN;
  let wait = 0;
  let cooldown = 0;
  return {
    setModel(m) { model = m; },
    onTrainBegin() { best = NaN; wait = 0; cooldown = 0; },
    onEpochEnd(_epoch, logs) {
      const v = monitored(op, monitor, logs);
      if (cooldown > 0) cooldown--;
      if (Number.isNaN(best) || isBetter(v, best)) { best = v; wait = 0; return; }
      if (cooldown > 0 || ++wait < patience) return;
      const opt = model?.optimizer;
      if (opt && typeof opt.learningRate === 'number') {
        opt.learningRate = Math.max(opt.learningRate * factor, minLR);
      }
      wait = 0;
      cooldown = cooldownEpochs;
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
