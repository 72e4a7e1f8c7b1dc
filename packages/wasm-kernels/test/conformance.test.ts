// The full conformance suite on the wasm backend (relaxed-SIMD build when the runtime accepts it),
// compared case by case with the reference backend `js`.

import { defineConformanceSuite } from '@loom/core/testing';
import { wasm } from '@loom/wasm-kernels';

defineConformanceSuite('wasm', () => wasm());
