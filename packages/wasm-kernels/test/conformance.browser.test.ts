// The conformance suite on the wasm backend inside Chromium (vitest browser mode): checks the
// embedded .wasm loads through Vite with no configuration and the relaxed-SIMD build is picked.

import { defineConformanceSuite } from '@loom/core/testing';
import { expect, it } from 'vitest';
import { supportedFlavors, wasm } from '@loom/wasm-kernels';

it('Chromium accepts the relaxed-SIMD build', () => {
  expect(supportedFlavors()).toEqual(['relaxed-simd', 'simd']);
});

defineConformanceSuite('wasm', () => wasm());
