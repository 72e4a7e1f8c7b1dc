// The pool of free storage buffers, by size class. A buffer freed while the open (unsubmitted)
// command batch may still use it can be reused by later commands of that batch, since they run in
// order, but must not be destroyed before the batch is submitted: WebGPU rejects a submit that
// uses a destroyed buffer, and every command in it with it. Such buffers wait until `submitted()`;
// destroying a buffer after the submit that uses it is legal (the GPU keeps it until done).

/** Storage buffers are rounded up to these size classes so freed ones can be reused. */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  // Classes at 2^k and 1.5·2^k keep the waste below a third.
  const p = 2 ** Math.ceil(Math.log2(bytes));
  return bytes <= p * 0.75 ? p * 0.75 : p;
}

/** Free buffers by size, up to a byte limit, with destruction deferred past the open batch. */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private bytes = 0;
  /** Buffers released since the open batch began: unsubmitted commands may use them. */
  private readonly inBatch = new Set<GPUBuffer>();
  /** Buffers to destroy once the open batch is submitted. */
  private doomed: GPUBuffer[] = [];

  constructor(private readonly limitBytes: number) {}

  /** A free buffer of exactly `size` bytes, or undefined. */
  take(size: number): GPUBuffer | undefined {
    const list = this.free.get(size);
    const buffer = list?.pop();
    if (buffer) this.bytes -= size;
    return buffer;
  }

  /**
   * Takes back a buffer a tensor no longer needs. `batchOpen`: commands are encoded but not
   * submitted. `reusable`: false for a buffer whose creation failed (out of memory).
   */
  release(buffer: GPUBuffer, batchOpen: boolean, reusable = true): void {
    if (batchOpen) this.inBatch.add(buffer);
    if (!reusable || this.bytes + buffer.size > this.limitBytes) {
      this.discard(buffer);
      return;
    }
    let list = this.free.get(buffer.size);
    if (!list) this.free.set(buffer.size, (list = []));
    list.push(buffer);
    this.bytes += buffer.size;
  }

  /** Whether unsubmitted commands may use `buffer` (a host write into it must be ordered after them). */
  usedInBatch(buffer: GPUBuffer): boolean {
    return this.inBatch.has(buffer);
  }

  /** The open batch was submitted: buffers it used may now be destroyed and written from the host. */
  submitted(): void {
    this.inBatch.clear();
    for (const b of this.doomed) b.destroy();
    this.doomed = [];
  }

  /** Destroys the free buffers (after an out-of-memory error), those the open batch may use after its submit. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) this.discard(b);
    this.free.clear();
    this.bytes = 0;
  }

  /** Free buffers kept for reuse, and buffers waiting for a submit to be destroyed. */
  info(): { buffers: number; bytes: number; doomed: number } {
    let buffers = 0;
    for (const list of this.free.values()) buffers += list.length;
    return { buffers, bytes: this.bytes, doomed: this.doomed.length };
  }

  /** Destroys everything (the runtime is going away; nothing will be submitted any more). */
  destroy(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    for (const b of this.doomed) b.destroy();
    this.free.clear();
    this.inBatch.clear();
    this.doomed = [];
    this.bytes = 0;
  }

  private discard(buffer: GPUBuffer): void {
    if (this.inBatch.has(buffer)) this.doomed.push(buffer);
    else buffer.destroy();
  }
}
