// defineGradientSuite: registers one vitest test per gradient case (core's conformance cases marked
// `grad`) on a backend. On `js` the tape's gradient is checked against central finite differences;
// on every other backend against `js`'s tape gradient. Every case also checks for leaks.

import { findBackend, getBackend, registerBackend, setBackend, type Backend } from '@loom/core';
import { CONFORMANCE_CASES, compareResults, type OpCase, type ResultData } from '@loom/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finiteDifferenceGradient, planGradient, tapeGradient } from './evaluate.js';
import { gradientToleranceFor } from './tolerances.js';

/** The conformance cases marked for the gradient suite, in suite order. */
export const GRADIENT_CASES: readonly OpCase[] = CONFORMANCE_CASES.filter((c): c is OpCase => c.kind === 'op' && c.grad !== undefined);

async function tapeOn(backend: string, c: OpCase): Promise<ResultData[]> {
  await setBackend(backend);
  const { results, leak } = await tapeGradient(c, planGradient(c));
  if (leak) throw new Error(`${c.name} gradient on ${backend}: ${leak}`);
  return results;
}

/** Registers the gradient suite for the backend `factory` creates. */
export function defineGradientSuite(name: string, factory: () => Backend | Promise<Backend>): void {
  describe(`gradients: ${name}`, () => {
    let backendName = '';
    let previous = 'js';
    beforeAll(async () => {
      previous = getBackend();
      const backend = await factory();
      backendName = backend.name;
      if (findBackend(backend.name) !== backend) registerBackend(backend, -1);
      await setBackend(backendName);
    });
    afterAll(async () => {
      await setBackend(previous);
    });
    for (const c of GRADIENT_CASES) {
      it(c.name, async () => {
        const tol = gradientToleranceFor(c.op);
        const actual = await tapeOn(backendName, c);
        let expected: ResultData[];
        if (backendName === 'js') {
          const plan = planGradient(c);
          expected = finiteDifferenceGradient(c, plan, tol.step)
            .map((values, i) => ({ shape: c.inputs[plan.wrt[i]].shape, dtype: 'float32', values }));
        } else {
          expected = await tapeOn('js', c);
          await setBackend(backendName);
        }
        const mismatch = compareResults(actual, expected, backendName === 'js' ? tol.finiteDifference : tol.backend);
        expect(mismatch, `${c.name} gradient on ${backendName}`).toBeUndefined();
      });
    }
  });
}
