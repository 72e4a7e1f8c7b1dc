// The published build: @loom/core's dist imports in plain Node ESM and works on its own engine.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const dist = new URL('../dist/index.js', import.meta.url);
const testingDist = new URL('../dist/testing/index.js', import.meta.url);

it('imports from dist (ESM) with types next to it, and the testing entry shares its engine', async () => {
  if (!existsSync(fileURLToPath(dist))) throw new Error('packages/core/dist is missing: run `npm run build` (npm test does) first');
  expect(existsSync(fileURLToPath(new URL('../dist/index.d.ts', import.meta.url)))).toBe(true);
  const core = await import(/* @vite-ignore */ dist.href);
  const testing = await import(/* @vite-ignore */ testingDist.href);
  const x = core.tensor([[1, 2], [3, 4]]);
  expect(Array.from(core.matmul(x, x).dataSync())).toEqual([7, 10, 15, 22]);
  expect(testing.CONFORMANCE_CASES.length).toBeGreaterThanOrEqual(300);
  // One engine: a tensor created through the main entry is counted by the testing entry.
  const before = testing.memorySnapshot().tensors;
  const y = core.ones([2]);
  expect(testing.memorySnapshot().tensors).toBe(before + 1);
  y.dispose();
  x.dispose();
});
