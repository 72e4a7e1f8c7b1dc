// defineGradientSuite: registers one vitest test per gradient case (core's conformance cases marked
// `grad`) on a backend. On `js` the tape's gradient is checked against central finite differences;
// on every other backend against `js`'s tape gradient. Every case also checks for leaks.

import { setBackend, type Backend } from '@loom/core';
import { CONFORMANCE_CASES, compareResults, useSuiteBackend, type OpCase, type ResultData } from '@loom/core/testing';
import { describe, expect, it } from 'vitest';
import { finiteDifferenceGradient, planGradient, tapeGradient, type GradientPlan } from './evaluate.js';
import { gradientToleranceFor } from './tolerances.js';

/** The conformance cases marked for the gradient suite, in suite order. */
export const GRADIENT_CASES: readonly OpCase[] = CONFORMANCE_CASES.filter((c): c is OpCase => c.kind === 'op' && c.grad !== undefined);

async function tapeOn(backend: string, c: OpCase, plan: GradientPlan): Promise<ResultData[]> {
  await setBackend(backend);
  const { results, leak } = await tapeGradient(c, plan);
  if (leak) throw new Error(`${c.name} gradient on ${backend}: ${leak}`);
  return results;
}

/** Registers the gradient suite for the backend `factory` creates. */
export function defineGradientSuite(name: string, factory: () => Backend | Promise<Backend>): void {
  describe(`gradients: ${name}`, () => {
    const suiteBackend = useSuiteBackend(factory);
    for (const c of GRADIENT_CASES) {
      it(c.name, async () => {
        const backendName = suiteBackend();
        const tol = gradientToleranceFor(c.op);
        const plan = planGradient(c);
        const actual = await tapeOn(backendName, c, plan);
        let expected: ResultData[];
        if (backendName === 'js') {
          expected = finiteDifferenceGradient(c, plan, tol.step)
            .map((values, i) => ({ shape: c.inputs[plan.wrt[i]].shape, dtype: 'float32', values }));
        } else {
          expected = await tapeOn('js', c, plan);
          await setBackend(backendName);
        }
        const mismatch = compareResults(actual, expected, backendName === 'js' ? tol.finiteDifference : tol.backend);
        expect(mismatch, `${c.name} gradient on ${backendName}`).toBeUndefined();
      });
    }
  });
}
