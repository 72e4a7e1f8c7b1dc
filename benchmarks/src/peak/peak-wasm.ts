// The roofline's ceilings: a tiny hand-assembled wasm module timing SIMD mul+add chains, relaxed
// FMA chains and a bulk memory copy, on one thread.

import type { PeakFigures } from '../harness/types.js';

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function str(s: string): number[] {
  return vec([...s].map((c) => [c.charCodeAt(0)]));
}

function f32(x: number): number[] {
  return [0x43, ...new Uint8Array(new Float32Array([x]).buffer)];
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const SIMD = 0xfd;
const F32X4_SPLAT = [SIMD, ...uleb(19)];
const F32X4_ADD = [SIMD, ...uleb(228)];
const F32X4_MUL = [SIMD, ...uleb(230)];
const F32X4_RELAXED_MADD = [SIMD, ...uleb(261)];
const F32X4_EXTRACT_LANE0 = [SIMD, ...uleb(31), 0];
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;

/** Independent accumulator chains: enough to hide add/FMA latency on current cores. */
export const CHAINS = 12;
/** FLOPs per loop iteration: CHAINS vectors × 4 lanes × (mul + add). */
export const FLOPS_PER_ITER = CHAINS * 4 * 2;

/**
 * A function `(iters: i32) -> f32` running CHAINS independent f32x4 chains `acc = acc * m + a`,
 * either as separate mul and add or as one relaxed_madd; it returns a sum of the accumulators
 * so the work cannot be dropped.
 */
function chainBody(relaxed: boolean): number[] {
  const acc = (j: number) => 1 + j; // local 0 is iters
  const m = 1 + CHAINS;
  const a = 2 + CHAINS;
  const code: number[] = [];
  for (let j = 0; j < CHAINS; j++) code.push(...f32(1 + j / 1024), ...F32X4_SPLAT, LOCAL_SET, acc(j));
  code.push(...f32(0.9999999), ...F32X4_SPLAT, LOCAL_SET, m, ...f32(1e-7), ...F32X4_SPLAT, LOCAL_SET, a);
  code.push(0x02, 0x40, 0x03, 0x40); // block, loop
  code.push(LOCAL_GET, 0, 0x45, 0x0d, 1); // iters == 0 → exit
  for (let j = 0; j < CHAINS; j++) {
    code.push(LOCAL_GET, acc(j), LOCAL_GET, m);
    if (relaxed) code.push(LOCAL_GET, a, ...F32X4_RELAXED_MADD);
    else code.push(...F32X4_MUL, LOCAL_GET, a, ...F32X4_ADD);
    code.push(LOCAL_SET, acc(j));
  }
  code.push(LOCAL_GET, 0, 0x41, 1, 0x6b, LOCAL_SET, 0, 0x0c, 0, 0x0b, 0x0b); // iters--, br loop, end, end
  code.push(LOCAL_GET, acc(0), ...F32X4_EXTRACT_LANE0);
  for (let j = 1; j < CHAINS; j++) code.push(LOCAL_GET, acc(j), ...F32X4_EXTRACT_LANE0, 0x92);
  code.push(0x0b);
  const locals = vec([[...uleb(CHAINS + 2), V128]]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/** Bytes of a module exporting `chain(iters) -> f32` (relaxed or not) and, unless relaxed, `copy` and `memory`. */
export function peakModuleBytes(relaxed: boolean, pages: number): Uint8Array<ArrayBuffer> {
  const types = section(1, vec([[0x60, ...vec([[I32]]), ...vec([[F32]])], [0x60, ...vec([[I32], [I32], [I32]]), ...vec([])]]));
  const copyBody = (() => {
    const b = [...vec([]), LOCAL_GET, 0, LOCAL_GET, 1, LOCAL_GET, 2, 0xfc, ...uleb(10), 0, 0, 0x0b];
    return [...uleb(b.length), ...b];
  })();
  const funcs = relaxed ? [[0]] : [[0], [1]];
  const exports = relaxed
    ? [[...str('chain'), 0x00, 0]]
    : [[...str('chain'), 0x00, 0], [...str('copy'), 0x00, 1], [...str('memory'), 0x02, 0]];
  const bytes = [
    ...HEADER,
    ...types,
    ...section(3, vec(funcs)),
    ...(relaxed ? [] : section(5, vec([[0x00, ...uleb(pages)]]))),
    ...section(7, vec(exports)),
    ...section(10, vec(relaxed ? [chainBody(true)] : [chainBody(false), copyBody])),
  ];
  return new Uint8Array(bytes);
}

interface PeakExports {
  chain(iters: number): number;
  copy?(dst: number, src: number, len: number): void;
  memory?: WebAssembly.Memory;
}

function instantiate(bytes: Uint8Array<ArrayBuffer>): PeakExports {
  const mod = new WebAssembly.Module(bytes);
  return new WebAssembly.Instance(mod, {}).exports as unknown as PeakExports;
}

/** Options of `measurePeak`. */
export interface PeakOptions {
  /** Target duration of one timed call (ms). */
  targetMs: number;
  /** Timed calls; the best one counts (a peak, not a typical figure). */
  repeats: number;
  /** Bytes copied per call. */
  copyBytes: number;
}

/** A short measurement, repeated before every case (about 0.3 s). */
export const PEAK_PER_CASE: PeakOptions = { targetMs: 25, repeats: 3, copyBytes: 32 * 2 ** 20 };

/** Times the chains and the copy; the relaxed figure is null where relaxed SIMD is not accepted. */
export function measurePeak(options: PeakOptions = { targetMs: 60, repeats: 5, copyBytes: 32 * 2 ** 20 }): PeakFigures {
  const now = () => performance.now();
  const best = (fn: () => number): number => {
    let top = 0;
    for (let r = 0; r < options.repeats; r++) top = Math.max(top, fn());
    return top;
  };
  const chainGflops = (ex: PeakExports): number => {
    let iters = 1 << 14;
    for (;;) {
      const t0 = now();
      ex.chain(iters);
      const dt = now() - t0;
      if (dt >= options.targetMs / 4 || iters >= 1 << 28) {
        iters = Math.max(1, Math.round((iters * options.targetMs) / Math.max(dt, 1e-3)));
        break;
      }
      iters *= 4;
    }
    return best(() => {
      const t0 = now();
      ex.chain(iters);
      return (iters * FLOPS_PER_ITER) / ((now() - t0) / 1000) / 1e9;
    });
  };
  const pages = Math.ceil((2 * options.copyBytes) / 65536) + 1;
  const base = instantiate(peakModuleBytes(false, pages));
  const simdGflops = chainGflops(base);
  let relaxedGflops: number | null = null;
  const relaxedBytes = peakModuleBytes(true, 0);
  if (WebAssembly.validate(relaxedBytes)) relaxedGflops = chainGflops(instantiate(relaxedBytes));
  const len = options.copyBytes;
  new Uint8Array(base.memory!.buffer).fill(1, 0, 2 * len); // touch the pages first
  base.copy!(len, 0, len);
  const copyGBs = best(() => {
    const t0 = now();
    base.copy!(len, 0, len);
    return (2 * len) / ((now() - t0) / 1000) / 1e9; // read + write
  });
  return { simdGflops, relaxedGflops, copyGBs };
}
