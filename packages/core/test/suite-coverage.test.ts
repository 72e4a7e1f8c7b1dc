// The conformance suite itself: enough cases, unique names, an oracle for each, every public op
// (derived from the ops module's exports) covered, every backend kernel exercised, and gradient
// marks that leave something to differentiate.
import { describe, expect, it } from 'vitest';
import { onOp, setBackend } from '@loom/core';
import { KERNEL_OP_NAMES } from '@loom/core/backend';
import * as core from '@loom/core';
import { CONFORMANCE_CASES, NON_OP_EXPORTS, PUBLIC_OPS, evaluateCase } from '@loom/core/testing';

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

  it('derives the public ops from the exports: every exported op function, no helper', () => {
    expect(PUBLIC_OPS.length).toBeGreaterThanOrEqual(100);
    for (const op of PUBLIC_OPS) expect(typeof (core as Record<string, unknown>)[op], op).toBe('function');
    for (const helper of Object.keys(NON_OP_EXPORTS)) expect(PUBLIC_OPS).not.toContain(helper);
    expect(PUBLIC_OPS).toEqual(expect.arrayContaining(['add', 'conv2d', 'tensor', 'topk', 'randomNormal', 'clone']));
  });

  it('marks gradient cases only where there is a float32 input to differentiate', () => {
    const marked = CONFORMANCE_CASES.filter((c) => c.kind === 'op' && c.grad);
    expect(marked.length).toBeGreaterThanOrEqual(150);
    const empty = marked.filter((c) => c.kind === 'op' && !c.inputs.some((x, i) => x.dtype === 'float32' && (c.grad?.inputs?.includes(i) ?? true)));
    expect(empty.map((c) => c.name)).toEqual([]);
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
