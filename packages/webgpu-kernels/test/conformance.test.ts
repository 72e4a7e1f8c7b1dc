// The conformance suite on the WebGPU backend in Node, through Dawn (`webgpu` package) on
// SwiftShader. Where Dawn cannot run here, a failing test names the reason (see probe.ts).

import {
  CONFORMANCE_CASES, compareResults, defineConformanceSuite, evaluateCase, toleranceFor, useSuiteBackend, type OpCase,
} from '@loom/core/testing';
import { setBackend } from '@loom/core';
import { webgpu } from '@loom/webgpu-kernels';
import { describe, expect, it } from 'vitest';
import { probeWebGPU, whenWebGPUMissing } from './probe.js';

const probe = await probeWebGPU();

/** Families left out of the poolLimitBytes: 0 run: single kernels whose (slow, software) compiles dominate the time. */
const COMPILE_HEAVY = /^(matmul|fusedMatmul|conv1d|conv2d|dot|maxPool2d|avgPool2d|recurrent)/;

if (probe.backend) {
  const backend = probe.backend;
  defineConformanceSuite('webgpu', () => backend);
  // No freed buffer is kept, so every buffer a composite op frees mid-batch is destroyed, which must wait for the
  // batch's submit (issue 15). Every op case except the compile-heavy ones, against js.
  describe('conformance: webgpu (poolLimitBytes: 0)', () => {
    const name = useSuiteBackend(() => webgpu({ poolLimitBytes: 0 }));
    const cases = CONFORMANCE_CASES.filter((c): c is OpCase => c.kind === 'op' && !COMPILE_HEAVY.test(c.op));
    for (const c of cases) {
      it(c.name, async () => {
        await setBackend(name());
        const actual = await evaluateCase(c);
        await setBackend('js');
        const expected = await evaluateCase(c);
        await setBackend(name());
        expect(actual.leak).toBeUndefined();
        c.check?.(actual.results);
        expect(compareResults(actual.results, expected.results, toleranceFor(c.op), c.op), c.name).toBeUndefined();
      });
    }
  });
} else {
  whenWebGPUMissing('webgpu conformance (Node)', probe.reason);
}
