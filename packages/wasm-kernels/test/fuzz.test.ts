// The differential fuzzer (random op programs, special values) on both wasm builds, against js, and
// on the threaded build with every splittable op split across 2 threads.

import { defineFuzzSuite } from '@loom/core/testing';
import { wasm } from '@loom/wasm-kernels';

defineFuzzSuite('wasm', () => wasm());
defineFuzzSuite('wasm-simd', () => wasm({ relaxedSimd: false, name: 'wasm-simd' }));
defineFuzzSuite('wasm-threads', () => wasm({ threads: 2, splitSmallOps: true, name: 'wasm-threads' }));
