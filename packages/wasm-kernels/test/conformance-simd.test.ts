// The conformance suite again on the plain-SIMD build (no relaxed SIMD), registered as 'wasm-simd'.

import { defineConformanceSuite } from '@loom/core/testing';
import { wasm } from '@loom/wasm-kernels';

defineConformanceSuite('wasm-simd', () => wasm({ relaxedSimd: false, name: 'wasm-simd' }));
