// The conformance suite itself: enough cases, unique names, an oracle for each, every public op
// covered and every backend kernel exercised.
import { describe, expect, it } from 'vitest';
import { KERNEL_OP_NAMES, onOp, setBackend } from '@loom/core';
import { CONFORMANCE_CASES, PUBLIC_OPS, evaluateCase } from '@loom/core/testing';

describe('conformance suite', () => {
  it('has at least 300 cases with unique names', () => {
    expect(CONFORMANCE_CASES.length).toBeGreaterThanOrEqual(300);
    const names = CONFORMANCE_CASES.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives every computing case an oracle', () => {
    const missing = CONFORMANCE_CASES.filter((c) => c.kind === 'op' && !c.tf && !c.expected && !c.check).map((c) => c.name);
    expect(missing).toEqual([]);
  });

  it('covers every public op with computing cases and the common ops with error cases', () => {
    const covered = new Set(CONFORMANCE_CASES.filter((c) => c.kind === 'op').map((c) => c.op));
    expect(PUBLIC_OPS.filter((op) => !covered.has(op))).toEqual([]);
    const errors = CONFORMANCE_CASES.filter((c) => c.kind === 'error').length;
    expect(errors).toBeGreaterThanOrEqual(50);
  });

  it('exercises every backend kernel', async () => {
    await setBackend('js');
    const seen = new Set<string>();
    const stop = onOp((r) => seen.add(r.op));
    try {
      for (const c of CONFORMANCE_CASES) if (c.kind === 'op') await evaluateCase(c);
    } finally {
      stop();
    }
    expect(KERNEL_OP_NAMES.filter((op) => !seen.has(op))).toEqual([]);
  });
});
