// The threaded builds are the plain builds with one change: the imported memory is shared (with the
// wasm32 maximum, 65536 pages, which shared memories must declare). asc emits exactly that difference
// (scripts/build-wasm.mjs checks it on every compile), so the loader makes the shared variant from
// the embedded bytes instead of embedding every kernel twice (about 34 KB gzipped per build).

const IMPORT_SECTION = 2;
const MEMORY_KIND = 2;
const WASM32_MAX_PAGES = 65536;

function readLeb(b: Uint8Array, p: number): [value: number, next: number] {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    if (p >= b.length) throw new Error('withSharedMemory: truncated LEB128 in the wasm binary');
    const byte = b[p++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, p];
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

function skipName(b: Uint8Array, p: number): number {
  const [n, q] = readLeb(b, p);
  return q + n;
}

function skipLimits(b: Uint8Array, p: number): number {
  const flags = b[p];
  let q = readLeb(b, p + 1)[1];
  if (flags & 1) q = readLeb(b, q)[1];
  return q;
}

/** `bytes` (a module importing a non-shared memory) with that import made shared, maximum 65536 pages. */
export function withSharedMemory(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p];
    const [size, start] = readLeb(bytes, p + 1);
    const end = start + size;
    if (id === IMPORT_SECTION) {
      let [count, q] = readLeb(bytes, start);
      for (; count > 0; count--) {
        q = skipName(bytes, skipName(bytes, q));
        const kind = bytes[q++];
        if (kind === MEMORY_KIND) {
          const flags = bytes[q];
          if (flags & 2) throw new Error('withSharedMemory: the memory import is shared already');
          const min = readLeb(bytes, q + 1)[0];
          const limitsEnd = skipLimits(bytes, q);
          const limits = [0x03, ...leb(min), ...leb(WASM32_MAX_PAGES)];
          const payloadSize = size - (limitsEnd - q) + limits.length;
          const out = new Uint8Array(new ArrayBuffer(bytes.length - (end - p) + 1 + leb(payloadSize).length + payloadSize));
          let o = 0;
          const put = (part: ArrayLike<number>): void => { out.set(part, o); o += part.length; };
          put(bytes.subarray(0, p));
          put([IMPORT_SECTION, ...leb(payloadSize)]);
          put(bytes.subarray(start, q));
          put(limits);
          put(bytes.subarray(limitsEnd, end));
          put(bytes.subarray(end));
          return out;
        }
        if (kind === 0) q = readLeb(bytes, q)[1];
        else if (kind === 1) q = skipLimits(bytes, q + 1);
        else if (kind === 3) q += 2;
        else if (kind === 4) q = readLeb(bytes, q + 1)[1];
        else throw new Error(`withSharedMemory: unknown import kind ${kind}`);
      }
    }
    p = end;
  }
  throw new Error('withSharedMemory: the module imports no memory');
}
