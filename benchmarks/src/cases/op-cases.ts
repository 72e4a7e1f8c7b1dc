// Kernel cases: matmul, elementwise, activations, reductions, softmax and convolutions, each
// written once against the engine-neutral TensorOps.

import type { BenchCase, CaseInstance, Engine, TensorOps, Tolerance, Unit, Work } from '../harness/types.js';
import { seedOf, sizeOfShape, uniform } from './data.js';

/** One input: its shape and value range. */
interface InputSpec {
  shape: number[];
  lo?: number;
  hi?: number;
}

/** What an op case needs: inputs and the computation. */
export interface OpCaseSpec {
  id: string;
  group: string;
  title: string;
  unit: Unit;
  work: Work;
  tolerance: Tolerance;
  full?: boolean;
  inputs: InputSpec[];
  fn: <T>(ops: TensorOps<T>, xs: T[]) => T;
}

/** Builds a BenchCase that runs `spec.fn` on seeded inputs. */
export function opCase(spec: OpCaseSpec): BenchCase {
  return {
    id: spec.id, group: spec.group, title: spec.title, unit: spec.unit, work: spec.work,
    tolerance: spec.tolerance, full: spec.full,
    async create(engine: Engine): Promise<CaseInstance> {
      const ops = engine.ops;
      const xs = spec.inputs.map((inp, i) =>
        ops.fromArray(uniform(sizeOfShape(inp.shape), seedOf(`${spec.id}#${i}`), inp.lo ?? -1, inp.hi ?? 1), inp.shape));
      const run = () => ops.tidy(() => spec.fn(ops, xs));
      return {
        async step() {
          const out = run();
          await ops.sync(out);
          ops.dispose(out);
        },
        async result() {
          const out = run();
          try {
            return await ops.read(out);
          } finally {
            ops.dispose(out);
          }
        },
        dispose() {
          for (const x of xs) ops.dispose(x);
        },
      };
    },
  };
}

const F = 4; // bytes per float32

function matmulCase(m: number, k: number, n: number, batch = 1, full = false): BenchCase {
  const id = batch === 1 ? `matmul-${m}` : `bmm-${batch}x${m}x${k}x${n}`;
  return opCase({
    id, group: batch === 1 ? 'matmul' : 'batched matmul',
    title: batch === 1 ? `matmul ${m}×${k} · ${k}×${n}` : `batched matmul [${batch},${m},${k}]·[${batch},${k},${n}]`,
    unit: 'GFLOP/s',
    work: { flops: 2 * batch * m * k * n, bytes: F * batch * (m * k + k * n + m * n) },
    // float32 sums of k products of values in [-1, 1]: the error grows with k and summation order.
    tolerance: { abs: 4e-6 * k, rel: 1e-4 },
    full,
    inputs: batch === 1 ? [{ shape: [m, k] }, { shape: [k, n] }] : [{ shape: [batch, m, k] }, { shape: [batch, k, n] }],
    fn: (ops, [a, b]) => ops.matmul(a, b),
  });
}

function binaryCase(op: 'add' | 'mul', n: number, label: string, full = false): BenchCase {
  return opCase({
    id: `${op}-${label}`, group: 'elementwise', title: `${op} ${label} elements`, unit: 'GB/s',
    work: { flops: n, bytes: 3 * F * n, elems: n }, tolerance: { abs: 1e-6, rel: 1e-6 }, full,
    inputs: [{ shape: [n] }, { shape: [n] }],
    fn: (ops, [a, b]) => (op === 'add' ? ops.add(a, b) : ops.mul(a, b)),
  });
}

type UnaryName = 'relu' | 'exp' | 'tanh' | 'sigmoid' | 'gelu';

function unaryCase(op: UnaryName, n: number): BenchCase {
  return opCase({
    id: `${op}-1M`, group: 'activation', title: `${op} 1M elements`, unit: 'Gelem/s',
    work: { bytes: 2 * F * n, elems: n },
    // Polynomial approximations in SIMD kernels: a few float32 ulps, relative to the value.
    tolerance: op === 'relu' ? { abs: 0, rel: 0 } : { abs: 2e-6, rel: 2e-5 },
    inputs: [{ shape: [n], lo: -6, hi: 6 }],
    fn: (ops, [x]) => ops[op](x),
  });
}

function reduceCase(op: 'sum' | 'max', axis: number, rows: number, cols: number, full = false): BenchCase {
  const n = rows * cols;
  return opCase({
    id: `${op}-axis${axis}`, group: 'reduction', title: `${op} over axis ${axis} of [${rows},${cols}]`, unit: 'GB/s',
    work: { flops: n, bytes: F * (n + (axis === 0 ? cols : rows)), elems: n },
    tolerance: op === 'max' ? { abs: 0, rel: 0 } : { abs: 2e-6 * (axis === 0 ? rows : cols), rel: 1e-5 },
    full,
    inputs: [{ shape: [rows, cols] }],
    fn: (ops, [x]) => (op === 'sum' ? ops.sum(x, axis) : ops.max(x, axis)),
  });
}

/** Every kernel case; `full` ones are left out of --quick. */
export function opCases(): BenchCase[] {
  const cases: BenchCase[] = [];
  for (const n of [64, 128, 256, 512, 1024]) cases.push(matmulCase(n, n, n, 1, n >= 1024));
  cases.push(matmulCase(128, 128, 128, 32));
  cases.push(binaryCase('add', 1 << 20, '1M'), binaryCase('mul', 1 << 20, '1M'));
  cases.push(binaryCase('add', 1 << 24, '16M', true), binaryCase('mul', 1 << 24, '16M', true));
  for (const op of ['relu', 'exp', 'tanh', 'sigmoid', 'gelu'] as const) cases.push(unaryCase(op, 1 << 20));
  for (const op of ['sum', 'max'] as const) for (const axis of [0, 1]) cases.push(reduceCase(op, axis, 1024, 1024));
  cases.push(opCase({
    id: 'softmax-4096x1000', group: 'softmax', title: 'softmax [4096,1000] over the last axis', unit: 'Gelem/s',
    work: { bytes: 2 * F * 4096 * 1000, elems: 4096 * 1000 }, tolerance: { abs: 1e-7, rel: 1e-4 },
    inputs: [{ shape: [4096, 1000], lo: -4, hi: 4 }],
    fn: (ops, [x]) => ops.softmax(x),
  }));
  // conv1d: [batch 32, width 128, 64 channels], kernel 3, 64 filters, 'same' padding.
  cases.push(opCase({
    id: 'conv1d-32x128x64-k3f64', group: 'conv', title: 'conv1d [32,128,64] k3 f64 same', unit: 'GFLOP/s',
    work: { flops: 2 * 32 * 128 * 64 * 64 * 3, bytes: F * (32 * 128 * 64 * 2 + 3 * 64 * 64) },
    tolerance: { abs: 4e-6 * 3 * 64, rel: 1e-4 },
    inputs: [{ shape: [32, 128, 64] }, { shape: [3, 64, 64], lo: -0.2, hi: 0.2 }],
    fn: (ops, [x, f]) => ops.conv1d(x, f),
  }));
  // conv2d: NHWC [8,32,32,32], 3×3 kernel, 64 filters, 'same' padding.
  cases.push(opCase({
    id: 'conv2d-8x32x32x32-k3f64', group: 'conv', title: 'conv2d [8,32,32,32] 3×3 f64 same', unit: 'GFLOP/s',
    work: { flops: 2 * 8 * 32 * 32 * 64 * 9 * 32, bytes: F * (8 * 32 * 32 * 32 + 8 * 32 * 32 * 64 + 9 * 32 * 64) },
    tolerance: { abs: 4e-6 * 9 * 32, rel: 1e-4 },
    inputs: [{ shape: [8, 32, 32, 32] }, { shape: [3, 3, 32, 64], lo: -0.2, hi: 0.2 }],
    fn: (ops, [x, f]) => ops.conv2d(x, f),
  }));
  return cases;
}

/** Cases that only make sense on a GPU (`--gpu`): matmul 2048 and 4096. */
export function gpuOpCases(): BenchCase[] {
  return [matmulCase(2048, 2048, 2048), matmulCase(4096, 4096, 4096)];
}
