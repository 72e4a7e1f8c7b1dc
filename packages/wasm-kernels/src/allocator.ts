// The heap allocator for tensors in wasm linear memory: sizes rounded to classes (64-byte steps,
// then 8 steps per power of two), exact-class reuse (most recently freed first), best-fit
// splitting, coalescing of neighbours, and growth of the memory (with a clear error when it cannot grow).

const ALIGN = 64;
const PAGE = 65536;

/** Rounds a request up to its size class (a multiple of 64 bytes; ≤ 12.5% waste above 8 KiB). */
export function sizeClass(bytes: number): number {
  const b = Math.max(bytes, 1);
  if (b <= 8192) return Math.ceil(b / ALIGN) * ALIGN;
  const step = 2 ** (Math.floor(Math.log2(b)) - 3);
  return Math.ceil(b / step) * step;
}

/** Thrown when linear memory cannot grow enough for a request. */
export class OutOfMemoryError extends Error {
  override name = 'OutOfMemoryError';
}

/** Heap figures for memory() and tests. */
export interface HeapStats {
  /** Bytes of linear memory (grows, never shrinks). */
  heapBytes: number;
  /** Bytes from the heap base up to the highest block in use. */
  topBytes: number;
  /** Bytes in freed blocks waiting for reuse below the top. */
  freeBytes: number;
  freeBlocks: number;
  /** Bytes of live blocks (after rounding to classes). */
  usedBytes: number;
  usedBlocks: number;
}

/** A first-party allocator over `memory` from `base` upward; bookkeeping lives in JS. */
export class HeapAllocator {
  private top: number;
  private readonly used = new Map<number, number>();
  /**
   * Free blocks below the top: start → size, end → start, and class size → starts in the order
   * they were freed. Reuse takes the last: a block freed a moment ago is still in cache, while
   * taking the oldest rotated an op's output through every free block of its class (relu on 1M
   * elements ran 1.9× slower with six such blocks free).
   */
  private readonly freeByStart = new Map<number, number>();
  private readonly freeByEnd = new Map<number, number>();
  private readonly bins = new Map<number, number[]>();
  private usedBytes = 0;
  private freeBytes = 0;

  constructor(private readonly memory: WebAssembly.Memory, private readonly base: number, private readonly maxBytes: number) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
  }

  /** Returns the address of a new block of at least `bytes` bytes, 64-byte aligned. */
  alloc(bytes: number): number {
    const need = sizeClass(bytes);
    let ptr = this.takeExact(need) ?? this.takeBestFit(need);
    if (ptr === undefined) {
      ptr = this.top;
      this.ensure(ptr + need, bytes);
      this.top = ptr + need;
    }
    this.used.set(ptr, need);
    this.usedBytes += need;
    return ptr;
  }

  /** Releases a block from `alloc`; merges it with free neighbours. */
  free(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) throw new Error(`wasm heap: free of unknown block ${ptr}`);
    this.used.delete(ptr);
    this.usedBytes -= size;
    let start = ptr;
    let end = ptr + size;
    const nextSize = this.freeByStart.get(end);
    if (nextSize !== undefined) {
      this.removeFree(end, nextSize);
      end += nextSize;
    }
    const prevStart = this.freeByEnd.get(start);
    if (prevStart !== undefined) {
      this.removeFree(prevStart, start - prevStart);
      start = prevStart;
    }
    if (end === this.top) this.top = start;
    else this.addFree(start, end - start);
  }

  stats(): HeapStats {
    return {
      heapBytes: this.memory.buffer.byteLength,
      topBytes: this.top - this.base,
      freeBytes: this.freeBytes,
      freeBlocks: this.freeByStart.size,
      usedBytes: this.usedBytes,
      usedBlocks: this.used.size,
    };
  }

  /** Forgets every block (the backend's dispose). */
  reset(): void {
    this.used.clear();
    this.freeByStart.clear();
    this.freeByEnd.clear();
    this.bins.clear();
    this.usedBytes = 0;
    this.freeBytes = 0;
    this.top = Math.ceil(this.base / ALIGN) * ALIGN;
  }

  private takeExact(need: number): number | undefined {
    const bin = this.bins.get(need);
    if (!bin) return undefined;
    const ptr = bin[bin.length - 1];
    this.removeFree(ptr, need);
    return ptr;
  }

  private takeBestFit(need: number): number | undefined {
    let best: number | undefined;
    let bestSize = Infinity;
    for (const [start, size] of this.freeByStart) {
      if (size >= need && size < bestSize) {
        best = start;
        bestSize = size;
      }
    }
    if (best === undefined) return undefined;
    this.removeFree(best, bestSize);
    if (bestSize > need) this.addFree(best + need, bestSize - need);
    return best;
  }

  private addFree(start: number, size: number): void {
    this.freeByStart.set(start, size);
    this.freeByEnd.set(start + size, start);
    const bin = this.bins.get(size);
    if (bin) bin.push(start);
    else this.bins.set(size, [start]);
    this.freeBytes += size;
  }

  private removeFree(start: number, size: number): void {
    this.freeByStart.delete(start);
    this.freeByEnd.delete(start + size);
    const bin = this.bins.get(size)!;
    // The last in a reuse, somewhere inside when a neighbour is merged.
    if (bin.length === 1) this.bins.delete(size);
    else bin.splice(bin.lastIndexOf(start), 1);
    this.freeBytes -= size;
  }

  /** Grows linear memory so [0, end) exists; amortized by growing at least 1/8 of the heap. */
  private ensure(end: number, request: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const mib = (b: number) => (b / 2 ** 20).toFixed(1);
    const fail = (why: string): never => {
      throw new OutOfMemoryError(
        `wasm: out of memory allocating ${request} bytes: the heap is ${mib(have)} MiB with ${mib(this.freeBytes)} MiB free ` +
          `in fragments, and it cannot grow to ${mib(end)} MiB (${why}; limit ${mib(this.maxBytes)} MiB). ` +
          'Dispose tensors you no longer need (tidy, dispose) or use smaller batches.',
      );
    };
    if (end > this.maxBytes) fail('over the maximum');
    const needPages = Math.ceil((end - have) / PAGE);
    const maxPages = Math.floor(this.maxBytes / PAGE) - have / PAGE;
    const pages = Math.min(Math.max(needPages, Math.ceil(have / PAGE / 8), 16), maxPages);
    try {
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(needPages);
      } catch (e) {
        fail(e instanceof Error ? e.message : String(e));
      }
    }
  }
}
