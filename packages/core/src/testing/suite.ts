// defineConformanceSuite: registers vitest tests that run every case on a backend and compare it
// with the reference backend `js` (or, for `js` itself, with the independent oracle).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../backend/backend.js';
import { findBackend, getBackend, registerBackend, setBackend } from '../engine/index.js';
import { CONFORMANCE_CASES } from './cases.js';
import { compareResults } from './compare.js';
import { evaluateCase, evaluateErrorCase } from './evaluate.js';
import { oracleResults } from './oracle.js';
import { definePropertySuite } from './properties.js';
import { toleranceFor } from './tolerances.js';
import type { ConformanceCase, OpCase, ResultData, TfLike } from './types.js';

export interface ConformanceOptions {
  /**
   * TensorFlow.js (with its cpu backend ready) to use as the oracle. Needed when testing `js`
   * itself; other backends are compared with `js`.
   */
  tf?: TfLike;
  /** Also run the fast-check property tests (default true). */
  properties?: boolean;
}

async function runOn(backend: string, c: OpCase): Promise<ResultData[]> {
  await setBackend(backend);
  const { results, leak } = await evaluateCase(c);
  if (leak) throw new Error(`${c.name} on ${backend}: ${leak}`);
  return results;
}

/**
 * Inside a describe block: creates the backend before the tests (registering it if needed), makes it
 * active, restores the previous backend afterwards, and returns a getter for its name.
 */
export function useSuiteBackend(factory: () => Backend | Promise<Backend>): () => string {
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
  return () => backendName;
}

/** Registers one test per conformance case for the backend `factory` creates. */
export function defineConformanceSuite(name: string, factory: () => Backend | Promise<Backend>, options: ConformanceOptions = {}): void {
  describe(`conformance: ${name}`, () => {
    const backendName = useSuiteBackend(factory);
    for (const c of CONFORMANCE_CASES) defineCase(c, backendName, options);
    if (options.properties !== false) definePropertySuite(backendName);
  });
}

function defineCase(c: ConformanceCase, backendName: () => string, options: ConformanceOptions): void {
  if (c.kind === 'error') {
    it(c.name, async () => {
      await setBackend(backendName());
      const { error, leak } = evaluateErrorCase(c);
      expect(error, `${c.name} should throw`).toBeInstanceOf(Error);
      expect(error!.message).toMatch(c.error);
      expect(leak).toBeUndefined();
    });
    return;
  }
  it(c.name, async () => {
    const name = backendName();
    const actual = await runOn(name, c);
    const tol = toleranceFor(c.op);
    if (c.check) c.check(actual);
    let expected: ResultData[];
    if (name === 'js') {
      if (!c.expected && !c.tf && !c.check) throw new Error(`${c.name} has no oracle`);
      if (c.check && !c.expected && !c.tf) return;
      if (!c.expected && !options.tf) throw new Error(`conformance on js needs options.tf (TensorFlow.js) as the oracle for ${c.name}`);
      expected = c.expected ?? (await oracleResults(options.tf, c));
    } else {
      expected = await runOn('js', c);
      await setBackend(name);
    }
    const mismatch = compareResults(actual, expected, tol, c.op);
    expect(mismatch, `${c.name} on ${name}`).toBeUndefined();
  });
}
