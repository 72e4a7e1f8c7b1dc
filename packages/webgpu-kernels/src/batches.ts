// What the GPU said about each command batch. A batch runs inside error scopes (validation,
// out-of-memory, internal) pushed when its encoder opens and popped after its submit. A batch that
// raised an error did not run at all (WebGPU rejects the whole command buffer), so every tensor it
// wrote, and every tensor computed from those, holds stale data: the backend records for each
// tensor the batches it depends on (`Taint`) and fails its reads with the batch's error.

const SCOPES: readonly GPUErrorFilter[] = ['internal', 'out-of-memory', 'validation'];

/** Long driver messages are cut to this many characters. */
const MESSAGE_LIMIT = 600;

function clip(message: string): string {
  const m = message.trim();
  return m.length > MESSAGE_LIMIT ? `${m.slice(0, MESSAGE_LIMIT)}…` : m;
}

function describeError(e: GPUError): string {
  const kind = e instanceof GPUOutOfMemoryError ? 'out of GPU memory' : e instanceof GPUValidationError ? 'validation error'
    : 'internal GPU error';
  return `${kind}: ${clip(e.message)}`;
}

/** Failed batches a log keeps (failures are rare; a device that fails every batch is broken anyway). */
const FAILED_KEPT = 1024;

/** A runtime's batches: numbered in submit order, with those not settled yet and the failed ones. */
export class BatchLog {
  private next = 0;
  readonly unsettled = new Set<Batch>();
  readonly failed: Batch[] = [];

  /** Registers a new batch; its number. */
  open(batch: Batch): number {
    this.unsettled.add(batch);
    return this.next++;
  }

  settled(batch: Batch): void {
    this.unsettled.delete(batch);
    if (batch.error === undefined) return;
    this.failed.push(batch);
    if (this.failed.length > FAILED_KEPT) this.failed.shift();
  }
}

/** One command batch (an encoder and its submit) and its outcome. */
export class Batch {
  readonly seq: number;
  /** The ops encoded in it, in order of first dispatch. */
  readonly ops = new Set<string>();
  /** Why it failed, once the device answered; undefined while pending or when it ran. */
  error: string | undefined;
  settled = false;
  private resolve!: () => void;
  /** Resolves (never rejects) once the device answered for it. */
  readonly done = new Promise<void>((resolve) => { this.resolve = resolve; });
  /** More precise causes found while it was open (a shader that failed to compile). */
  private readonly causes: string[] = [];
  /** Checks that report such causes; the outcome waits for them. */
  private readonly checks: Promise<void>[] = [];

  constructor(private readonly device: GPUDevice, readonly log: BatchLog) {
    this.seq = log.open(this);
    for (const f of SCOPES) device.pushErrorScope(f);
  }

  /** Adds a check (e.g. a pipeline's compile scope) whose error explains a failure of this batch. */
  explainWith(check: Promise<string | undefined>): void {
    this.checks.push(check.then((cause) => { if (cause) this.causes.push(clip(cause)); }, () => {}));
  }

  /** Pops the batch's scopes (right after its submit) and settles it; `notes()` adds context to a failure. */
  close(notes: () => string[]): void {
    const popped = SCOPES.map(() => this.device.popErrorScope().catch(() => null));
    void Promise.all([Promise.all(popped), Promise.all(this.checks)]).then(([errors]) => {
      const found = errors.filter((e): e is GPUError => e !== null);
      if (found.length > 0 || this.causes.length > 0) {
        const ops = [...this.ops].join(', ') || 'copies only';
        const what = [...this.causes, ...found.map(describeError), ...notes()].join('; ');
        this.error = `the GPU rejected a command batch it depends on (ops: ${ops}), so nothing in that batch ran: ${what}`;
      }
      this.finish();
    });
  }

  /** The runtime went away with the batch unsubmitted (device lost or backend disposed): nothing to wait for. */
  abandon(): void {
    this.finish();
  }

  private finish(): void {
    this.settled = true;
    this.log.settled(this);
    this.resolve();
  }
}

/** Batches a taint names one by one; past this, the oldest are replaced by their range. */
const TAINT_LIMIT = 16;

/**
 * The batches a tensor's contents depend on (its own and its inputs'), not known to have run.
 * Exact up to TAINT_LIMIT batches. Past that (a long chain of ops with no await, during which no
 * batch settles) the oldest are replaced by their range of batch numbers, checked against the
 * log's failures: that may fail a tensor that merely shares the range with a failed batch, but
 * never misses one, and keeps each op's bookkeeping bounded.
 */
export interface Taint {
  batches: Batch[];
  range?: { lo: number; hi: number; log: BatchLog };
}

const ran = (b: Batch): boolean => b.settled && b.error === undefined;

/** A failure among `taint` already known, without waiting. */
export function knownFailure(taint: Taint): Batch | undefined {
  const r = taint.range;
  return taint.batches.find((b) => b.settled && b.error !== undefined)
    ?? (r && r.log.failed.find((b) => b.seq >= r.lo && b.seq <= r.hi));
}

/** Adds `batch` to `taint` (in place). */
export function addBatch(taint: Taint, batch: Batch): void {
  if (!taint.batches.includes(batch)) taint.batches.push(batch);
  if (taint.batches.length <= TAINT_LIMIT) return;
  taint.batches.sort((x, y) => x.seq - y.seq);
  for (const b of taint.batches.splice(0, taint.batches.length - TAINT_LIMIT)) {
    const r = taint.range;
    taint.range = r ? { lo: Math.min(r.lo, b.seq), hi: Math.max(r.hi, b.seq), log: r.log } : { lo: b.seq, hi: b.seq, log: b.log };
  }
}

/** A new taint: all of `taints`, without the batches known to have run. */
export function mergeTaints(taints: readonly Taint[]): Taint {
  const out: Taint = { batches: [] };
  for (const t of taints) {
    if (t.range) {
      const r = out.range;
      out.range = r ? { lo: Math.min(r.lo, t.range.lo), hi: Math.max(r.hi, t.range.hi), log: r.log } : { ...t.range };
    }
    for (const b of t.batches) if (!ran(b)) addBatch(out, b);
  }
  return out;
}

/** Waits for every batch of `taint` (they must be submitted); the first failed one, if any. */
export async function settle(taint: Taint): Promise<Batch | undefined> {
  for (const b of taint.batches) {
    await b.done;
    if (b.error !== undefined) return b;
  }
  const r = taint.range;
  if (!r) return undefined;
  await Promise.all([...r.log.unsettled].filter((b) => b.seq <= r.hi).map((b) => b.done));
  return knownFailure(taint);
}

/** A read whose copy ran in a failed batch: the bytes are stale (the tensor itself may be fine). */
export class BatchFailure extends Error {
  constructor(readonly batch: Batch) {
    super(`webgpu: a read failed: ${batch.error}`);
  }
}
