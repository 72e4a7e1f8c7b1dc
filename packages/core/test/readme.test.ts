// The README's example, run as written (so the first thing users copy keeps working).
import { expect, it } from 'vitest';
import * as loom from '@loom/core';

it('runs the README example', async () => {
  const before = loom.memory().numTensors;
  await loom.init();
  expect(loom.info().backend).toBe(loom.getBackend());
  expect(loom.info().device.description).toBeTypeOf('string');
  const x = loom.tensor([[1, 2, 3], [4, 5, 6]]);
  const w = loom.randomNormal([3, 4], { seed: 42 });
  const y = loom.tidy(() => x.matmul(w).add(0.1).tanh().softmax());
  expect(y.shape).toEqual([2, 4]);
  const rows = (await y.array()) as number[][];
  for (const row of rows) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  loom.dispose([x, w, y]);
  expect(loom.memory().numTensors).toBe(before);
});
