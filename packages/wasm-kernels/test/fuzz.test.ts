// The differential fuzzer (random op programs, special values) on both wasm builds, against js.

import { defineFuzzSuite } from '@loom/core/testing';
import { wasm } from '@loom/wasm-kernels';

defineFuzzSuite('wasm', () => wasm());
defineFuzzSuite('wasm-simd', () => wasm({ relaxedSimd: false, name: 'wasm-simd' }));
