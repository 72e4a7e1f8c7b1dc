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
  /** Serializes the model (modelCheckpoint's `filepath` writes it with saveModelToFiles). */
  save?(): Promise<unknown>;
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

// ---- Logging: verbose progress lines, checkpoints, history files ----

const isNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

// NOTE: the specifier is a variable so browser bundlers leave Node's fs out of web builds (as models/io.ts).
const NODE_FS = 'node:fs/promises';
const nodeFs = (): Promise<typeof import('node:fs/promises')> => import(/* @vite-ignore */ NODE_FS);

/** A logged number as Keras prints it: 4 decimals, or 4-digit exponent form below 1e-3. */
export function formatLogValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(4) : v.toFixed(4);
}

const logText = (logs: Logs): string =>
  Object.entries(logs).filter(([k]) => k !== 'batch' && k !== 'size').map(([k, v]) => ` - ${k}: ${formatLogValue(v)}`).join('');

function formatSeconds(s: number): string {
  if (s >= 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  return `${Math.round(s)}s`;
}

function perStep(ms: number): string {
  return ms >= 1 ? `${Math.round(ms)}ms/step` : `${Math.round(ms * 1000)}us/step`;
}

/** Options of verboseLogger. */
export interface VerboseLoggerOptions {
  epochs: number;
  /** Batches per epoch; unknown for datasets (then the count is shown without a bar or ETA). */
  steps?: number;
  /** Where text goes (default process.stdout.write in Node, console.log per line elsewhere). */
  write?: (text: string) => void;
  /** Redraw the bar in place with '\r' (default process.stdout.isTTY in Node, false elsewhere). */
  tty?: boolean;
  /** Milliseconds clock (default performance.now); tests inject a fake one. */
  now?: () => number;
}

const BAR_WIDTH = 30;

/**
 * Keras-style training output. Level 2: one line per epoch,
 * `Epoch 3/10 - 0.41s - 8ms/step - loss: 0.0123 - val_loss: 0.0150`. Level 1 on a TTY: `Epoch 3/10`, then a
 * progress bar redrawn after each batch (`12/50 [======>.......] - ETA: 3s - loss: 0.1234`), ending with the
 * epoch's time, ms/step and every log; level 1 elsewhere prints level 2's lines.
 */
export function verboseLogger(level: 1 | 2, options: VerboseLoggerOptions): Callback {
  const op = 'verboseLogger';
  if (level !== 1 && level !== 2) throw new Error(`${op}: level must be 1 or 2, got ${given(level)}`);
  checkOptions(op, options, ['epochs', 'steps', 'write', 'tty', 'now']);
  if (options === undefined) throw new Error(`${op}: options { epochs } are required`);
  const epochs = nonNegativeInt(op, 'epochs', options.epochs);
  const steps = options.steps === undefined ? undefined : nonNegativeInt(op, 'steps', options.steps);
  if (options.write !== undefined && typeof options.write !== 'function') throw new Error(`${op}: write must be a function, got ${given(options.write)}`);
  if (options.now !== undefined && typeof options.now !== 'function') throw new Error(`${op}: now must be a function, got ${given(options.now)}`);
  const nodeTTY = isNode() && Boolean((process.stdout as { isTTY?: boolean } | undefined)?.isTTY);
  const tty = level === 1 && bool(op, 'tty', options.tty, nodeTTY);
  const write = options.write ?? (isNode() && process.stdout
    ? (t: string) => { process.stdout.write(t); }
    : (t: string) => { for (const line of t.replace(/\n$/, '').split('\n')) console.log(line.replace(/^\r/, '')); });
  const now = options.now ?? (() => (typeof performance !== 'undefined' ? performance.now() : Date.now()));
  let start = 0;
  let seen = 0;
  const counter = (done: number): string => {
    if (steps === undefined) return `${done}/Unknown`;
    const digits = String(steps).length;
    const filled = steps > 0 ? Math.floor((BAR_WIDTH * done) / steps) : BAR_WIDTH;
    const head = done < steps ? '>' : '=';
    const bar = filled > 0 ? '='.repeat(filled - 1) + head : '';
    return `${String(done).padStart(digits)}/${steps} [${bar}${'.'.repeat(BAR_WIDTH - Math.max(filled, 0))}]`;
  };
  return {
    onEpochBegin(epoch) {
      start = now();
      seen = 0;
      if (tty) write(`Epoch ${epoch + 1}/${epochs}\n`);
    },
    onBatchEnd(batch, logs) {
      seen = batch + 1;
      if (!tty) return;
      const elapsed = (now() - start) / 1000;
      const eta = steps !== undefined && seen < steps ? ` - ETA: ${formatSeconds((elapsed / seen) * (steps - seen))}` : '';
      write(`\r${counter(seen)}${eta}${logText(logs)}`);
    },
    onEpochEnd(epoch, logs) {
      const ms = now() - start;
      const timing = ` - ${(ms / 1000).toFixed(2)}s - ${perStep(seen > 0 ? ms / seen : 0)}`;
      if (tty) write(`\r${counter(seen)}${timing}${logText(logs)}\n`);
      else write(`Epoch ${epoch + 1}/${epochs}${timing}${logText(logs)}\n`);
    },
  };
}

/** Options of modelCheckpoint. */
export interface ModelCheckpointOptions {
  /** Node: base path for saveModelToFiles; `{epoch}` (1-based) and `{<log name>}` placeholders are filled in. */
  filepath?: string;
  /** Any other target (IndexedDB, download): called with the model, the 0-based epoch and its logs. */
  save?: (model: TrainableModel, epoch: number, logs: Logs) => Promise<void>;
  monitor?: string;
  mode?: Mode;
  /** Save only when `monitor` improves on the best so far. */
  saveBestOnly?: boolean;
  /** 'epoch', or a positive integer: save every that many batches. */
  saveFreq?: 'epoch' | number;
}

function fillPath(op: string, path: string, epoch: number, logs: Logs): string {
  return path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)(?::[^}]*)?\}/g, (_m, key: string) => {
    if (key === 'epoch') return String(epoch + 1);
    return formatLogValue(monitored(op, key, logs));
  });
}

/** Saves the model after epochs (or every `saveFreq` batches), optionally only when `monitor` improves. */
export function modelCheckpoint(o: ModelCheckpointOptions = {}): Callback & { lastSaved: string | null; best: number } {
  const op = 'modelCheckpoint';
  checkOptions(op, o, ['filepath', 'save', 'monitor', 'mode', 'saveBestOnly', 'saveFreq']);
  if (o.filepath !== undefined && (typeof o.filepath !== 'string' || o.filepath === '')) {
    throw new Error(`${op}: filepath must be a non-empty path string, got ${given(o.filepath)}`);
  }
  if (o.save !== undefined && typeof o.save !== 'function') throw new Error(`${op}: save must be a function (model, epoch, logs) => Promise<void>, got ${given(o.save)}`);
  if ((o.filepath === undefined) === (o.save === undefined)) throw new Error(`${op}: give exactly one of filepath (Node files) or save (any other target)`);
  if (o.filepath !== undefined && !isNode()) throw new Error(`${op}: filepath needs Node's file system; in browsers pass save: (model) => saveModelToIndexedDB(model, key)`);
  const monitor = monitorOption(op, o.monitor);
  const bestOnly = bool(op, 'saveBestOnly', o.saveBestOnly, false);
  const isBetter = better(oneOf<Mode>(op, 'mode', o.mode, ['min', 'max', 'auto'], 'auto'), monitor, 0);
  const freq = o.saveFreq ?? 'epoch';
  if (freq !== 'epoch' && !(Number.isSafeInteger(freq) && (freq as number) >= 1)) {
    throw new Error(`${op}: saveFreq must be 'epoch' or a positive integer of batches, got ${given(freq)}`);
  }
  if (bestOnly && freq !== 'epoch') throw new Error(`${op}: saveBestOnly needs saveFreq 'epoch' (batch logs carry no validation values)`);
  let model: TrainableModel | undefined;
  let epochNow = 0;
  let batches = 0;
  const write = async (epoch: number, logs: Logs): Promise<void> => {
    if (!model) throw new Error(`${op}: no model was set (pass the callback to fit)`);
    if (o.save) { await o.save(model, epoch, logs); cb.lastSaved = `epoch ${epoch + 1}`; return; }
    const path = fillPath(op, o.filepath as string, epoch, logs);
    const { saveModelToFiles } = await import('./models/io.js');
    await saveModelToFiles(model as Parameters<typeof saveModelToFiles>[0], path);
    cb.lastSaved = path;
  };
  const cb = {
    lastSaved: null as string | null,
    best: NaN,
    setModel(m: TrainableModel) { model = m; },
    onTrainBegin() { cb.best = NaN; batches = 0; },
    onEpochBegin(epoch: number) { epochNow = epoch; },
    async onBatchEnd(_batch: number, logs: Logs) {
      if (freq === 'epoch') return;
      if (++batches % freq === 0) await write(epochNow, logs);
    },
    async onEpochEnd(epoch: number, logs: Logs) {
      if (freq !== 'epoch') return;
      if (bestOnly) {
        const v = monitored(op, monitor, logs);
        if (!(Number.isNaN(cb.best) || isBetter(v, cb.best))) return;
        cb.best = v;
      }
      await write(epoch, logs);
    },
  };
  return cb;
}

/** History as CSV text: header `epoch` + sorted log names, one row per epoch (as Keras's CSVLogger). */
export function historyToCSV(history: History, separator = ','): string {
  const keys = Object.keys(history.history).sort();
  const rows = history.epoch.map((e, i) => [String(e), ...keys.map((k) => String(history.history[k][i] ?? ''))].join(separator));
  return `${['epoch', ...keys].join(separator)}\n${rows.map((r) => `${r}\n`).join('')}`;
}

/** History as JSON text: `{ epoch: [...], history: { name: [...] } }`. */
export function historyToJSON(history: History): string {
  return JSON.stringify({ epoch: history.epoch, history: history.history });
}

/** Options of csvLogger. */
export interface CSVLoggerOptions {
  /** Node: the file to write. */
  filename?: string;
  /** Any other sink: receives the header, then each row (each ending in a newline). */
  write?: (text: string) => void | Promise<void>;
  separator?: string;
  /** Append to an existing file (the header is written only when the file is new or empty). */
  append?: boolean;
}

/** Streams each epoch's logs as a CSV row (header: `epoch` + sorted log names), as Keras's CSVLogger. */
export function csvLogger(o: CSVLoggerOptions = {}): Callback {
  const op = 'csvLogger';
  checkOptions(op, o, ['filename', 'write', 'separator', 'append']);
  if (o.filename !== undefined && (typeof o.filename !== 'string' || o.filename === '')) throw new Error(`${op}: filename must be a non-empty path string, got ${given(o.filename)}`);
  if (o.write !== undefined && typeof o.write !== 'function') throw new Error(`${op}: write must be a function, got ${given(o.write)}`);
  if ((o.filename === undefined) === (o.write === undefined)) throw new Error(`${op}: give exactly one of filename (Node files) or write (any other sink)`);
  if (o.filename !== undefined && !isNode()) throw new Error(`${op}: filename needs Node's file system; elsewhere pass write`);
  const sep = o.separator ?? ',';
  if (typeof sep !== 'string' || sep === '' || sep === '\n') throw new Error(`${op}: separator must be a non-empty string other than a newline, got ${given(sep)}`);
  const append = bool(op, 'append', o.append, false);
  let keys: string[] | null = null;
  let needHeader = true;
  const out = async (text: string, first: boolean): Promise<void> => {
    if (o.write) { await o.write(text); return; }
    const fs = await nodeFs();
    if (first && !append) await fs.writeFile(o.filename as string, text);
    else await fs.appendFile(o.filename as string, text);
  };
  let first = true;
  return {
    async onTrainBegin() {
      keys = null;
      first = true;
      needHeader = true;
      if (append && o.filename !== undefined) {
        const fs = await nodeFs();
        const size = await fs.stat(o.filename).then((s) => s.size, () => 0);
        needHeader = size === 0;
      }
    },
    async onEpochEnd(epoch, logs) {
      let text = '';
      if (keys === null) {
        keys = Object.keys(logs).sort();
        if (needHeader) text += `${['epoch', ...keys].join(sep)}\n`;
      }
      text += `${[String(epoch), ...keys.map((k) => (Object.hasOwn(logs, k) ? String(logs[k]) : ''))].join(sep)}\n`;
      await out(text, first);
      first = false;
    },
  };
}
