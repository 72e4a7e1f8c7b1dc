// End to end: builds the demo with Vite, serves it, loads it in Debian's Chromium through
// Playwright and checks what a visitor sees.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = fileURLToPath(new URL('../../../node_modules/.cache/loom-demo-e2e', import.meta.url));
let server: PreviewServer;
let browser: Browser;
let url: string;

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../../../packages/core/dist/index.js', import.meta.url)))) {
    throw new Error('the demo consumes the built packages: run `npm run build` (npm test does) first');
  }
  await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  server = await preview({ root, logLevel: 'warn', build: { outDir }, preview: { port: 0, host: '127.0.0.1' } });
  url = server.resolvedUrls!.local[0];
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run', '--enable-unsafe-webgpu'],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => server?.httpServer.close(() => resolve()) ?? resolve());
});

describe('demo page', () => {
  it('shows the backend, the device and the results of the ops', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => /^(ready|error)/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 90_000 });
    expect(errors).toEqual([]);
    const status = await page.textContent('#status');
    const backend = await page.textContent('dd[data-term="backend"]');
    expect(status).toBe(`ready: running on ${backend}`);
    // Chromium here has only SwiftShader: the demo prefers wasm SIMD over a software GPU.
    expect(backend).toBe('wasm');
    expect(await page.textContent('dd[data-term="backends"]')).toMatch(/webgpu \(failed: webgpu: only a software adapter is available/);
    expect(await page.textContent('dd[data-term="device"]')).toMatch(/^(cpu|gpu): /);
    expect(await page.textContent('dd[data-term="runtime"]')).toBe('browser');
    expect(await page.textContent('dd[data-term="wasm"]')).toMatch(/SIMD yes/);
    const op = async (name: string) => page.textContent(`[data-op="${name}"] pre`);
    expect(await op('matmul')).toBe('float32 [2, 2] = [[-0.5,2],[0.25,2]]');
    expect(await op('softmax')).toBe('float32 [2, 3] = [[0.09,0.2447,0.6652],[0.09,0.2447,0.6652]]');
    expect(await op('mean over axis 0')).toBe('float32 [3] = [2.5,3.5,4.5]');
    expect(await op('moving average (conv1d)')).toBe('float32 [5] = [1.6667,4.6667,9.6667,16.6667,25.6667]');
    const training = page.locator('#training');
    expect(await training.locator('[data-key="epoch-8"]').textContent()).toMatch(/^epoch 8: loss \d+\.\d+, validation loss \d+\.\d+$/);
    const valLoss = Number(await training.getAttribute('data-val-loss'));
    const naiveLoss = Number(await training.getAttribute('data-naive-loss'));
    expect(valLoss).toBeLessThan(naiveLoss);
    expect(await training.locator('[data-key="result"]').textContent()).toMatch(/^LSTM validation MSE .* vs naive/);
    expect(await page.textContent('dd[data-term="live tensors after the demo"]')).toBe('0');
    expect(await page.textContent('dd[data-term="recurrent layers"]')).toMatch(/^fused: one kernel per sequence/);
    await page.close();
  });

  it('fits a phone screen (390 px): nothing scrolls sideways', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(url);
    await page.waitForFunction(() => /^(ready|error)/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 90_000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.close();
  });

  it('runs on webgpu when asked (?backend=webgpu, SwiftShader here): the LSTM trains on the fused kernels', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}?backend=webgpu`);
    await page.waitForFunction(() => /^(ready|error)/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 150_000 });
    expect(errors).toEqual([]);
    expect(await page.textContent('#status')).toBe('ready: running on webgpu');
    expect(await page.textContent('dd[data-term="recurrent layers"]')).toMatch(/^fused: one kernel per sequence/);
    const training = page.locator('#training');
    expect(await training.locator('[data-key="epoch-8"]').textContent()).toMatch(/^epoch 8: loss \d+\.\d+, validation loss \d+\.\d+$/);
    expect(Number(await training.getAttribute('data-val-loss'))).toBeLessThan(Number(await training.getAttribute('data-naive-loss')));
    expect(await page.textContent('dd[data-term="live tensors after the demo"]')).toBe('0');
    await page.close();
  }, 180_000);
});
