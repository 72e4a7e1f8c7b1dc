// The threaded build in Node with 2 threads: large ops really run as slices (and small ones do not),
// results match js across memory growth, a trap in a worker becomes an error naming the op and the
// backend stays usable, dispose() stops the workers, and where threads are impossible the backend
// runs on one thread and says why.

import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as loom from '@loom/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { wasm, type WasmBackend } from '@loom/wasm-kernels';
import { call } from '../src/threads.js';
import { expectSameAsJs, values } from './helpers.js';

const f = (shape: number[], seed = 1) => ({ shape, data: values(shape.reduce((a, b) => a * b, 1), seed) });

/** Jobs the backend ran on several threads so far. */
const jobs = (b: WasmBackend): number => b.memory().threadJobs as number;

describe('wasm threads (Node, 2 threads)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('splits large ops across the workers, leaves small ones on one thread, and matches js', async () => {
    const b = await wasm({ threads: 2, name: 'wasm-threads-split' });
    loom.registerBackend(b, -1);
    expect(b.threads).toBe(2);
    expect(b.deviceInfo()).toMatchObject({ threads: 2, description: expect.stringContaining('2 threads') });
    let before = jobs(b);
    await expectSameAsJs(b.name, [f([8, 8], 1), f([8, 8], 2)], (x, y) => loom.matmul(x, y));
    expect(jobs(b)).toBe(before);
    // Each GEMM-like case is above 2 × MIN_WORK_PER_THREAD.gemmFlops (2²² per thread), so it splits.
    const cases: [string, Parameters<typeof expectSameAsJs>[1], Parameters<typeof expectSameAsJs>[2]][] = [
      ['matmul by row bands over one packed B', [f([130, 190], 3), f([190, 203], 4)], (x, y) => loom.matmul(x, y)],
      ['matmul by row bands, A transposed', [f([190, 130], 3), f([190, 203], 4)], (x, y) => loom.matmul(x, y, { transposeA: true })],
      ['matmul by row bands, B transposed', [f([130, 190], 3), f([203, 190], 4)], (x, y) => loom.matmul(x, y, { transposeB: true })],
      ['matmul by row bands, both transposed', [f([300, 1201], 5), f([24, 300], 6)], (x, y) => loom.matmul(x, y, { transposeA: true, transposeB: true })],
      ['matmul by column panels (too few rows for bands)', [f([20, 300], 5), f([300, 1501], 6)], (x, y) => loom.matmul(x, y)],
      ['matmul by column panels, both transposed', [f([300, 20], 5), f([1501, 300], 6)], (x, y) => loom.matmul(x, y, { transposeA: true, transposeB: true })],
      ['batched matmul', [f([3, 140, 90], 7), f([3, 90, 160], 8)], (x, y) => loom.matmul(x, y)],
      ['fusedMatmul with bias and gelu', [f([400, 64], 9), f([64, 200], 10), f([200], 11)],
        (x, y, z) => loom.fusedMatmul(x, y, { bias: z, activation: 'gelu' })],
      ['conv2d', [f([4, 20, 20, 16], 12), f([3, 3, 16, 24], 13)], (x, k) => loom.conv2d(x, k, { strides: 1, padding: 'same' })],
      ['broadcast add', [f([300, 257], 14), f([257], 15)], (x, y) => loom.add(x, y)],
      ['sigmoid', [f([100003], 16)], (x) => loom.sigmoid(x)],
      ['transpose', [f([300, 7, 90], 17)], (x) => loom.transpose(x, [1, 0, 2])],
      ['sum over rows', [f([300, 400], 18)], (x) => loom.sum(x, 1)],
      ['softmax', [f([257, 300], 19)], (x) => loom.softmax(x, -1)],
    ];
    for (const [what, inputs, fn] of cases) {
      before = jobs(b);
      await expectSameAsJs(b.name, inputs, fn, 1e-4, 1e-4);
      expect(jobs(b), what).toBeGreaterThan(before);
    }
    b.dispose();
    loom.removeBackend(b.name);
  });

  it('sees memory grown after the workers started', async () => {
    const b = await wasm({ threads: 2, name: 'wasm-threads-grow', initialMemoryBytes: 1 << 20 });
    loom.registerBackend(b, -1);
    const heap = b.deviceInfo().heapBytes as number;
    await expectSameAsJs(b.name, [f([600, 500], 20), f([500, 700], 21)], (x, y) => loom.matmul(x, y), 1e-4, 1e-4);
    expect(b.deviceInfo().heapBytes).toBeGreaterThan(heap);
    b.dispose();
    loom.removeBackend(b.name);
  });

  it('turns a trap in a worker into an error naming the op, and stays usable', async () => {
    const b = await wasm({ threads: 2, name: 'wasm-threads-trap' });
    loom.registerBackend(b, -1);
    const ok = b.temp(256);
    // A fill far past the end of memory traps, on a worker (callerRuns false) or on this thread.
    const bad = call('fill', 0x7ff00000, 1 << 20, 4, 0);
    const good = call('fill', ok, 64, 4, 0);
    const trap = /^myOp: wasm kernel trapped in a worker thread \(memory access out of bounds\); the output was discarded and the backend is still usable$/;
    for (let i = 0; i < 3; i++) {
      expect(() => b.parallel('myOp', [good, bad], false)).toThrow(trap);
      expect(() => b.parallel('myOp', [bad, good], false)).toThrow(trap);
      expect(() => b.parallel('myOp', [bad, bad])).toThrow(/^myOp: wasm kernel trapped.*memory access out of bounds.*still usable/);
    }
    b.parallel('myOp', [good, good], false);
    await expectSameAsJs(b.name, [f([200, 200], 22), f([200, 200], 23)], (x, y) => loom.matmul(x, y), 1e-4, 1e-4);
    b.dispose();
    loom.removeBackend(b.name);
  });

  it('dispose() stops the workers and later ops fail clearly', async () => {
    const b = await wasm({ threads: 2, name: 'wasm-threads-dispose' });
    b.dispose();
    await b.threadsStopped();
    expect(() => b.parallel('matmul', [call('setGemmRows', 5), call('setGemmRows', 5)])).toThrow(/matmul: .*disposed/);
  });

  it('tuning reaches every thread', async () => {
    // A split matmul's threads pack one shared B in KC-deep blocks: a thread left on another KC
    // reads the wrong layout. Three threads, so a worker that took two tuning calls would leave one out.
    const b = await wasm({ threads: 3, name: 'wasm-threads-tune' });
    loom.registerBackend(b, -1);
    for (const [rows, kc, nc] of [[4, 64, 128], [5, 32, 64], [6, 256, 512]] as const) {
      expect(b.setGemmRows(rows)).toBe(rows);
      expect(b.setGemmBlocking(kc, nc)).toEqual([kc, nc]);
      await expectSameAsJs(b.name, [f([131, 517], 24), f([517, 75], 25)], (x, y) => loom.matmul(x, y), 1e-4, 1e-4);
    }
    b.dispose();
    loom.removeBackend(b.name);
  });

  it('runs on one thread and says why when threads cannot be used', async () => {
    const one = await wasm({ threads: 1, name: 'wasm-threads-one' });
    expect(one.threads).toBe(1);
    expect(one.deviceInfo()).toMatchObject({ threads: 1, threadsNote: 'threads: 1 was requested' });
    one.dispose();

    vi.stubGlobal('crossOriginIsolated', false);
    const page = await wasm({ threads: 2, name: 'wasm-threads-coi' });
    expect(page.threads).toBe(1);
    expect(page.deviceInfo().description).toMatch(/single thread: the page is not cross-origin isolated: serve it with the headers/);
    expect(page.deviceInfo().threadsNote).toMatch(/Cross-Origin-Opener-Policy: same-origin.*Cross-Origin-Embedder-Policy: require-corp/);
    page.dispose();
    vi.unstubAllGlobals();

    vi.stubGlobal('SharedArrayBuffer', undefined);
    const noSab = await wasm({ threads: 2, name: 'wasm-threads-nosab' });
    expect(noSab.threads).toBe(1);
    expect(noSab.deviceInfo().threadsNote).toMatch(/SharedArrayBuffer is unavailable/);
    // Still a working backend.
    loom.registerBackend(noSab, -1);
    await expectSameAsJs(noSab.name, [f([40, 30], 26), f([30, 20], 27)], (x, y) => loom.matmul(x, y), 1e-4, 1e-4);
    noSab.dispose();
    loom.removeBackend(noSab.name);
  });

  it('an undisposed threaded backend does not keep Node running', () => {
    // A child process that creates the backend and returns; it must exit on its own.
    const src = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const code = `const { wasm } = await import(${JSON.stringify(pathToFileURL(src).href)}); ` +
      "const b = await wasm({ threads: 2 }); if (b.threads !== 2) process.exit(3);";
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { timeout: 30000, encoding: 'utf8' });
    expect(r.error?.message ?? r.stderr.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('rejects a thread count it cannot take', async () => {
    await expect(wasm({ threads: 0 })).rejects.toThrow(/threads must be 'auto' or an integer from 1 to 64, got 0/);
    await expect(wasm({ threads: 2.5 })).rejects.toThrow(/threads must be/);
  });
});
