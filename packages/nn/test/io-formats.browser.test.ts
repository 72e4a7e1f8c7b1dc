// In Chromium: a TF.js model.json and its shard load from a URL (the shard resolved beside it), and a
// .keras file round-trips with h5wasm and fflate loaded lazily in the page.

import * as core from '@loom/core';
import { commands } from 'vitest/browser';
import { describe, expect, it } from 'vitest';
import { exportModel, importModel, layers, sequential, setSeed } from '../src/index.js';
import { tfjsModelJSON } from '../src/io/tfjs.js';

const toBase64 = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
};

function model() {
  setSeed(4);
  return sequential([layers.conv1d({ filters: 3, kernelSize: 2, inputShape: [6, 2] }), layers.lstm({ units: 4 }), layers.dense({ units: 1 })]);
}

describe('models in and out, in the browser', () => {
  it('TF.js model.json from a URL; a missing shard is a clear error', async () => {
    const m = model();
    const { json, shard } = tfjsModelJSON(await exportModel(m, { format: 'tfjs' }), 'shard.bin');
    // Written beside this test (absolute paths: commands resolve relative ones against the root) and
    // fetched from the test server under /@fs/. NOTE: not `new URL('./…', import.meta.url)` inline:
    // Vite rewrites that pattern as an asset import.
    const dir = `${new URL(import.meta.url).pathname.replace(/\/[^/]*$/, '')}/__io_fixture__`;
    const file = (name: string): string => `${dir}/${name}`;
    const at = (name: string): string => new URL(`/@fs${file(name)}`, location.href).href;
    await commands.writeFile(file('model.json'), JSON.stringify(json));
    await commands.writeFile(file('shard.bin'), toBase64(shard), 'base64');
    await commands.writeFile(file('broken.json'), JSON.stringify({ ...json, weightsManifest: [{ ...json.weightsManifest[0], paths: ['gone.bin'] }] }));
    try {
      const back = await importModel(at('model.json'));
      const x = core.tensor(Float32Array.from({ length: 24 }, (_, i) => Math.cos(i)), [2, 6, 2]);
      const a = m.predict(x) as core.Tensor;
      const b = back.predict(x) as core.Tensor;
      expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
      await expect(importModel(at('broken.json'))).rejects.toThrow(/names weight file 'gone\.bin'/);
      for (const t of [x, a, b]) t.dispose();
      back.dispose();
    } finally {
      for (const f of ['model.json', 'shard.bin', 'broken.json']) await commands.removeFile(file(f));
      m.dispose();
    }
  });

  it('.keras bytes round trip (h5wasm in the page)', async () => {
    const m = model();
    const back = await importModel(await exportModel(m, { format: 'keras' }));
    const x = core.tensor(Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)), [1, 6, 2]);
    const a = m.predict(x) as core.Tensor;
    const b = back.predict(x) as core.Tensor;
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    for (const t of [x, a, b]) t.dispose();
    m.dispose();
    back.dispose();
  });
});
