// `profile(fn)`: what ran while `fn` ran — one record per kernel launch (and view op) with its
// shapes, the time since the previous launch and the live memory after it. Built on `onOp`, so it
// sees exactly what dispatch sends to a backend and adds no cost when no one profiles.

import type { OpName } from './backend/op-attrs.js';
import { memory, onOp } from './engine/index.js';
import { bytesPerElement, type DType } from './dtype.js';

/** One op launched while profiling. */
export interface ProfileRecord {
  /** The primitive op (what the backend ran; `reshape` is a view and runs no kernel). */
  op: OpName;
  /** The active backend's name when it ran. */
  backend: string;
  inputShapes: number[][];
  outputShapes: number[][];
  outputDtypes: DType[];
  /** Host bytes of the outputs. */
  outputBytes: number;
  /**
   * Milliseconds from the previous record (or the start) to this launch: the op's kernel on
   * synchronous backends (js, wasm); on queued backends (webgpu) the encoding only, the GPU work
   * lands in the record that reads the result.
   */
  ms: number;
  /** Live tensors and bytes just after the launch. */
  liveTensors: number;
  liveBytes: number;
}

/** Per-op totals of a profile, largest time first. */
export interface ProfileSummaryRow {
  op: OpName;
  count: number;
  ms: number;
}

/** What `profile` returns. */
export interface Profile<T> {
  /** What `fn` returned (or resolved to). */
  result: T;
  records: ProfileRecord[];
  /** Wall time of the whole call, awaits included. */
  totalMs: number;
  /** The highest live bytes seen (start, every launch, end). */
  peakBytes: number;
  /** Live tensors and bytes at the start and at the end: a difference is what `fn` kept (or leaked). */
  start: { tensors: number; bytes: number };
  end: { tensors: number; bytes: number };
  /** Records grouped by op. */
  byOp: ProfileSummaryRow[];
}

const now = (): number => (typeof performance === 'object' ? performance.now() : Date.now());

/**
 * Runs `fn` (sync or async) and records every op it launches. Ops launched by other code during an
 * await of `fn` are recorded too: profile one thing at a time.
 */
export async function profile<T>(fn: () => T | Promise<T>): Promise<Profile<Awaited<T>>> {
  if (typeof fn !== 'function') throw new Error(`profile: expected a function to run, got ${fn === null ? 'null' : typeof fn}`);
  const records: ProfileRecord[] = [];
  const m0 = memory();
  let peakBytes = m0.numBytes;
  const started = now();
  let last = started;
  const stop = onOp((r) => {
    const t = now();
    const live = memory();
    peakBytes = Math.max(peakBytes, live.numBytes);
    records.push({
      op: r.op,
      backend: r.outputs[0]?.backend ?? r.inputs[0]?.backend ?? 'unknown',
      inputShapes: r.inputs.map((x) => [...x.shape]),
      outputShapes: r.outputs.map((x) => [...x.shape]),
      outputDtypes: r.outputs.map((x) => x.dtype),
      outputBytes: r.outputs.reduce((n, x) => n + x.size * bytesPerElement(x.dtype), 0),
      ms: t - last,
      liveTensors: live.numTensors,
      liveBytes: live.numBytes,
    });
    // The listener's own cost (memory()) is not charged to the next op.
    last = now();
  });
  let result: Awaited<T>;
  try {
    result = await fn();
  } finally {
    stop();
  }
  const totalMs = now() - started;
  const m1 = memory();
  peakBytes = Math.max(peakBytes, m1.numBytes);
  return {
    result, records, totalMs, peakBytes,
    start: { tensors: m0.numTensors, bytes: m0.numBytes },
    end: { tensors: m1.numTensors, bytes: m1.numBytes },
    byOp: summarize(records),
  };
}

function summarize(records: readonly ProfileRecord[]): ProfileSummaryRow[] {
  const rows = new Map<OpName, ProfileSummaryRow>();
  for (const r of records) {
    const row = rows.get(r.op) ?? { op: r.op, count: 0, ms: 0 };
    row.count++;
    row.ms += r.ms;
    rows.set(r.op, row);
  }
  return [...rows.values()].sort((a, b) => b.ms - a.ms);
}
