// Messages between the pages and the lab worker (training, the backend race, measuring, profiling).
import type { ModelFormat } from '@loom/nn';
import type { BackendChoice } from './backends.js';
import type { TrainSettings } from './train-settings.js';

export type ToWorker =
  | { type: 'setup'; choice: BackendChoice; settings: TrainSettings }
  | { type: 'start' } | { type: 'pause' } | { type: 'step' } | { type: 'save'; format: ModelFormat }
  | { type: 'race'; settings: TrainSettings; steps: number }
  | { type: 'measure'; seconds: number }
  | { type: 'profile'; choice: BackendChoice; settings: TrainSettings };

export type TrainState = 'loading' | 'ready' | 'running' | 'paused' | 'done';

export interface RaceResult {
  backend: string;
  device: string;
  firstMs: number;
  steadyMs: number;
  losses: number[];
}

export interface MeasureResult {
  backend: string;
  device: string;
  matmulMs: number;
  lstmMs: number;
  /** Largest |difference| from js over the matmul and LSTM outputs. */
  maxDiffFromJs: number;
}

export interface ProfileRow {
  op: string;
  ms: number;
  inputShapes: number[][];
  outputShapes: number[][];
  liveTensors: number;
  liveBytes: number;
}

export type FromWorker =
  | { type: 'backend'; backend: string; device: string }
  | { type: 'ready'; summary: string; trainWindows: number; valWindows: number; batchesPerEpoch: number; naiveMse: number; targetStd: number }
  | { type: 'state'; state: TrainState }
  | { type: 'batch'; step: number; epoch: number; loss: number; gradNorms: Record<string, number>; ms: number }
  | { type: 'epoch'; epoch: number; trainLoss: number; valMse: number; naiveMse: number; time: string[]; truth: number[]; forecast: number[]; naive: number[] }
  | { type: 'saved'; format: ModelFormat; files: { name: string; bytes: Uint8Array }[] }
  | { type: 'save-failed'; message: string }
  | { type: 'race-result'; result: RaceResult }
  | { type: 'race-skip'; backend: string; reason: string }
  | { type: 'measure-result'; result: MeasureResult }
  | { type: 'profile-result'; backend: string; rows: ProfileRow[]; totalMs: number; peakBytes: number; startBytes: number; endBytes: number; byOp: { op: string; count: number; ms: number }[] }
  | { type: 'done' }
  | { type: 'error'; message: string };
