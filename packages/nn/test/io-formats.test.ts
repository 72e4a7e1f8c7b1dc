// Models in and out against the real peers: TF.js Layers (tfjs-layers on the cpu backend) both ways,
// in memory and as files; Keras 3 `.keras` and safetensors written, checked against Keras's schema
// (config keys, variable paths, dtypes) and read back; bad input gives clear errors and leaks nothing.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import * as core from '@loom/core';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportModel, exportModelToFiles, importModel, input, layers, model as functional, sequential, setSeed, type Model,
  type SymbolicTensor, type TfjsArtifacts,
} from '../src/index.js';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'loom-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function rand(shape: number[], seed: number): Float32Array {
  const r = new core.SeededRandom(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * r.uniform() - 1);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

async function loomPredict(m: Model, x: Float32Array, shape: number[], int = false): Promise<Float32Array> {
  const t = int ? core.tensor(Int32Array.from(x, (v) => Math.floor((v + 1) * 4.99)), shape, 'int32') : core.tensor(x, shape);
  const y = m.predict(t) as core.Tensor;
  const d = (await y.data()) as Float32Array;
  t.dispose();
  y.dispose();
  return d;
}

function tfjsPredict(m: tfl.LayersModel, x: Float32Array, shape: number[], int = false): Float32Array {
  return tf.tidy(() => {
    const t = int ? tf.tensor(Int32Array.from(x, (v) => Math.floor((v + 1) * 4.99)), shape, 'int32') : tf.tensor(x, shape);
    return (m.predict(t) as tf.Tensor).dataSync() as Float32Array;
  });
}

/** TF.js's own in-memory save of a model. */
async function tfjsSave(m: tfl.LayersModel): Promise<TfjsArtifacts> {
  let saved: TfjsArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (a) => {
    saved = a as unknown as TfjsArtifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return saved!;
}

interface Case { name: string; build: () => Model; shape: number[]; int?: boolean }

const cases: Case[] = [
  { name: 'Dense', shape: [4], build: () => sequential([layers.dense({ units: 5, activation: 'tanh', inputShape: [4] }), layers.dense({ units: 2, activation: 'softmax' })]) },
  {
    name: 'Conv1D + pooling', shape: [12, 3],
    build: () => sequential([
      layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 3] }), layers.maxPooling1d({ poolSize: 2 }),
      layers.conv1d({ filters: 3, kernelSize: 2, strides: 2, dilationRate: 1 }), layers.averagePooling1d({ poolSize: 2 }),
      layers.globalMaxPooling1d(), layers.dense({ units: 1 })]),
  },
  { name: 'SimpleRNN', shape: [6, 3], build: () => sequential([layers.simpleRNN({ units: 4, inputShape: [6, 3] }), layers.dense({ units: 1 })]) },
  { name: 'LSTM', shape: [6, 3], build: () => sequential([layers.lstm({ units: 5, returnSequences: true, inputShape: [6, 3] }), layers.lstm({ units: 3 })]) },
  { name: 'GRU (resetAfter false)', shape: [6, 3], build: () => sequential([layers.gru({ units: 4, resetAfter: false, inputShape: [6, 3] }), layers.dense({ units: 2 })]) },
  {
    name: 'Bidirectional', shape: [5, 2],
    build: () => sequential([
      layers.bidirectional({ layer: layers.lstm({ units: 3, returnSequences: true }), inputShape: [5, 2] }),
      layers.bidirectional({ layer: layers.gru({ units: 2, resetAfter: false }), mergeMode: 'sum' })]),
  },
  {
    name: 'TimeDistributed', shape: [5, 3],
    build: () => sequential([layers.timeDistributed({ layer: layers.dense({ units: 2, activation: 'relu' }), inputShape: [5, 3] }), layers.flatten()]),
  },
  {
    name: 'Embedding', shape: [6], int: true,
    build: () => sequential([layers.embedding({ inputDim: 10, outputDim: 3, inputShape: [6] }), layers.globalAveragePooling1d(), layers.dense({ units: 1, activation: 'sigmoid' })]),
  },
  {
    name: 'BatchNormalization + LayerNormalization', shape: [5, 4],
    build: () => sequential([
      layers.batchNormalization({ inputShape: [5, 4] }), layers.layerNormalization({ epsilon: 1e-5 }), layers.dropout({ rate: 0.3 }),
      layers.reshape({ targetShape: [20] }), layers.dense({ units: 2 })]),
  },
  {
    name: 'functional with concatenate', shape: [4],
    build: () => {
      const x = input({ shape: [4] });
      const a = layers.dense({ units: 3, activation: 'relu' }).apply(x);
      const b = layers.dense({ units: 2 }).apply(x);
      const out = layers.dense({ units: 1 }).apply(layers.concatenate({}).apply([a, b] as SymbolicTensor[]));
      return functional({ inputs: x, outputs: out });
    },
  },
];

/** Gives BatchNormalization non-trivial moving statistics, so they are checked too. */
async function perturb(m: Model): Promise<void> {
  const ws = m.weights.map((v, i) => core.tensor(rand([...v.shape], 100 + i).map((x) => (v.name.includes('movingVariance') ? 1 + Math.abs(x) : x)), [...v.shape]));
  m.setWeights(ws);
  for (const w of ws) w.dispose();
}

describe('TF.js Layers format', () => {
  for (const c of cases) {
    it(`${c.name}: Loom → TF.js → Loom, predictions agree within 1e-5`, async () => {
      setSeed(7);
      const m = c.build();
      await perturb(m);
      const shape = [3, ...c.shape];
      const x = rand(shape, 1);
      const want = await loomPredict(m, x, shape, c.int);
      const artifacts = await exportModel(m, { format: 'tfjs' });
      const tm = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as unknown as tf.io.ModelArtifacts));
      expect(maxDiff(tfjsPredict(tm, x, shape, c.int), want)).toBeLessThan(1e-5);
      // And back: TF.js's own save of the model it loaded.
      const back = await importModel(await tfjsSave(tm));
      expect(maxDiff(await loomPredict(back, x, shape, c.int), want)).toBeLessThan(1e-5);
      tm.dispose();
      m.dispose();
      back.dispose();
    });
  }

  it('a model built in TF.js (its default names, hard_sigmoid recurrence, moving statistics last) imports', async () => {
    const tm = tfl.sequential();
    tm.add(tfl.layers.conv1d({ filters: 4, kernelSize: 3, inputShape: [10, 2], padding: 'same', activation: 'relu' }));
    tm.add(tfl.layers.maxPooling1d({ poolSize: 2 }));
    tm.add(tfl.layers.lstm({ units: 3, returnSequences: true }));
    tm.add(tfl.layers.bidirectional({ layer: tfl.layers.gru({ units: 2, returnSequences: true }) as tfl.RNN }));
    tm.add(tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 2 }) }));
    tm.add(tfl.layers.batchNormalization({ movingVarianceInitializer: 'ones' }));
    tm.add(tfl.layers.layerNormalization({}));
    tm.add(tfl.layers.simpleRNN({ units: 2 }));
    tm.add(tfl.layers.dropout({ rate: 0.1 }));
    tm.add(tfl.layers.dense({ units: 1, activation: 'hardSigmoid' }));
    const shape = [2, 10, 2];
    const x = rand(shape, 3);
    const m = await importModel(await tfjsSave(tm));
    expect(maxDiff(await loomPredict(m, x, shape), tfjsPredict(tm, x, shape))).toBeLessThan(1e-5);
    expect(m.layers.map((l) => l.className)).toEqual(['Conv1D', 'MaxPooling1D', 'LSTM', 'Bidirectional', 'TimeDistributed',
      'BatchNormalization', 'LayerNormalization', 'SimpleRNN', 'Dropout', 'Dense']);
    tm.dispose();
    m.dispose();
  });

  it('a functional TF.js model with a shared layer imports', async () => {
    const a = tfl.input({ shape: [4] });
    const b = tfl.input({ shape: [4] });
    const shared = tfl.layers.dense({ units: 3, activation: 'tanh' });
    const c = tfl.layers.concatenate().apply([shared.apply(a) as tfl.SymbolicTensor, shared.apply(b) as tfl.SymbolicTensor]);
    const tm = tfl.model({ inputs: [a, b], outputs: tfl.layers.dense({ units: 1 }).apply(c) as tfl.SymbolicTensor });
    const xa = rand([2, 4], 4);
    const xb = rand([2, 4], 5);
    const m = await importModel(await tfjsSave(tm));
    const want = tf.tidy(() => (tm.predict([tf.tensor(xa, [2, 4]), tf.tensor(xb, [2, 4])]) as tf.Tensor).dataSync());
    const ta = core.tensor(xa, [2, 4]);
    const tb = core.tensor(xb, [2, 4]);
    const y = m.predict([ta, tb]) as core.Tensor;
    expect(maxDiff((await y.data()) as Float32Array, want)).toBeLessThan(1e-5);
    for (const t of [ta, tb, y]) t.dispose();
    tm.dispose();
    m.dispose();
  });

  it('files on disk both ways: Loom writes model.json + shard; a TF.js-written model.json with quantized weights reads', async () => {
    setSeed(3);
    const m = cases[3].build();
    const path = join(dir, 'lstm', 'model.json');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'lstm'), { recursive: true }));
    const written = await exportModelToFiles(m, path, { format: 'tfjs' });
    expect(written.map((p) => p.replace(dir, ''))).toEqual(['/lstm/model.json', '/lstm/model.weights.bin']);
    const json = JSON.parse(await readFile(path, 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['model.weights.bin']);
    const shape = [2, 6, 3];
    const x = rand(shape, 9);
    const back = await importModel(path);
    expect(maxDiff(await loomPredict(back, x, shape), await loomPredict(m, x, shape))).toBe(0);
    back.dispose();
    // The files as TF.js reads them (its file:// loader needs tfjs-node; the manifest and shard are what it reads).
    const bin = await readFile(join(dir, 'lstm', 'model.weights.bin'));
    const tm = await tfl.loadLayersModel(tf.io.fromMemory({
      modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
    }));
    expect(maxDiff(tfjsPredict(tm, x, shape), await loomPredict(m, x, shape))).toBeLessThan(1e-5);
    tm.dispose();

    // uint8 quantization as tensorflowjs_converter writes it: value = q·scale + min, in two shards.
    const specs = json.weightsManifest[0].weights as { name: string; shape: number[]; dtype: string }[];
    const values = m.weights.map((v) => v.value.dataSync() as Float32Array);
    const qSpecs = specs.map((s, i) => {
      const min = Math.min(...values[i]);
      const scale = (Math.max(...values[i]) - min) / 255 || 1;
      return { ...s, quantization: { dtype: 'uint8', scale, min } };
    });
    const bytes = values.map((v, i) => Uint8Array.from(v, (x) => Math.round((x - qSpecs[i].quantization.min) / qSpecs[i].quantization.scale)));
    const all = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
    let off = 0;
    for (const b of bytes) { all.set(b, off); off += b.length; }
    const half = Math.floor(all.length / 2);
    await writeFile(join(dir, 'lstm', 'q1.bin'), all.subarray(0, half));
    await writeFile(join(dir, 'lstm', 'q2.bin'), all.subarray(half));
    await writeFile(join(dir, 'lstm', 'quantized.json'), JSON.stringify({ ...json, weightsManifest: [{ paths: ['q1.bin', 'q2.bin'], weights: qSpecs }] }));
    const q = await importModel(join(dir, 'lstm', 'quantized.json'), { format: 'tfjs' });
    const qv = q.weights.map((v) => v.value.dataSync() as Float32Array);
    qv.forEach((v, i) => expect(maxDiff(v, values[i])).toBeLessThanOrEqual(qSpecs[i].quantization.scale / 2 + 1e-6));
    q.dispose();
    m.dispose();
  });

  it('GRU with resetAfter: true (Keras default) is refused for TF.js with the reason', async () => {
    const m = sequential([layers.gru({ units: 2, inputShape: [3, 2] })]);
    await expect(exportModel(m, { format: 'tfjs' })).rejects.toThrow(/resetAfter: true.*no TF\.js equivalent/);
    m.dispose();
  });

  it('the compile configuration travels (loss and optimizer)', async () => {
    const m = cases[0].build();
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const a = await exportModel(m, { format: 'tfjs' });
    expect(a.trainingConfig).toMatchObject({ loss: 'categorical_crossentropy', optimizer_config: { class_name: 'Adam' } });
    const tm = await tfl.loadLayersModel(tf.io.fromMemory(a as unknown as tf.io.ModelArtifacts));
    expect(tm.optimizer.getClassName()).toBe('Adam');
    const back = await importModel(a);
    expect(back.lossName).toBe('categoricalCrossentropy');
    expect(back.optimizer?.className).toBe('Adam');
    for (const x of [m, back]) x.dispose();
    tm.dispose();
  });
});

describe('bad input: clear errors, nothing half-built, nothing leaked', () => {
  async function saved(): Promise<TfjsArtifacts> {
    const m = cases[4].build();
    const a = await exportModel(m, { format: 'tfjs' });
    m.dispose();
    return a;
  }

  it('truncated weights, a missing shard, disagreeing shapes, an unknown layer class', async () => {
    const a = await saved();
    const before = core.memory().numTensors;
    const short = (a.weightData as ArrayBuffer).slice(0, 100);
    await expect(importModel({ ...a, weightData: short })).rejects.toThrow(/weight data has 100 bytes but the weight specs need \d+/);
    const wrong = a.weightSpecs.map((s, i) => (i === 0 ? { ...s, shape: [s.shape[1], s.shape[0]] } : s));
    await expect(importModel({ ...a, weightSpecs: wrong })).rejects.toThrow(/shape/);
    const topo = JSON.parse(JSON.stringify(a.modelTopology));
    topo.config.layers[0].class_name = 'ConvLSTM2D';
    await expect(importModel({ ...a, modelTopology: topo })).rejects.toThrow(/layer class 'ConvLSTM2D' is not supported/);
    const opt = JSON.parse(JSON.stringify(a.modelTopology));
    opt.config.layers[0].config.unroll = true;
    await expect(importModel({ ...a, modelTopology: opt })).rejects.toThrow(/option unroll=true is not supported/);
    expect(core.memory().numTensors).toBe(before);

    const { json } = (await import('../src/io/tfjs.js')).tfjsModelJSON(a, 'absent.bin');
    await writeFile(join(dir, 'missing.json'), JSON.stringify(json));
    await expect(importModel(join(dir, 'missing.json'))).rejects.toThrow(/names weight file 'absent.bin', which cannot be read/);
    expect(core.memory().numTensors).toBe(before);
  });

  it('a .keras with a missing member, bytes that are no zip, safetensors without a model', async () => {
    const m = cases[0].build();
    const bytes = await exportModel(m, { format: 'keras' });
    const { unzipSync, zipSync } = await import('fflate');
    const files = unzipSync(bytes);
    delete files['model.weights.h5'];
    await expect(importModel(zipSync(files), { format: 'keras' })).rejects.toThrow(/has no model\.weights\.h5/);
    await expect(importModel(new Uint8Array([1, 2, 3, 4]), { format: 'keras' })).rejects.toThrow(/not a \.keras file/);
    const st = await exportModel(m, { format: 'safetensors' });
    await expect(importModel(st, { format: 'safetensors' })).rejects.toThrow(/safetensors holds weights only/);
    await expect(importModel(new Uint8Array(16), { format: 'safetensors', model: m })).rejects.toThrow(/not a safetensors file|no weights/);
    await expect(exportModel(m, { format: 'pb' as never })).rejects.toThrow(/format must be one of 'loom', 'tfjs', 'keras', 'onnx', 'safetensors'/);
    m.dispose();
  });
});

describe('Keras 3 .keras', () => {
  for (const c of cases) {
    it(`${c.name}: write → read gives identical predictions`, async () => {
      setSeed(11);
      const m = c.build();
      await perturb(m);
      const shape = [2, ...c.shape];
      const x = rand(shape, 2);
      const bytes = await exportModel(m, { format: 'keras' });
      const back = await importModel(bytes);
      expect(maxDiff(await loomPredict(back, x, shape, c.int), await loomPredict(m, x, shape, c.int))).toBe(0);
      m.dispose();
      back.dispose();
    });
  }

  it('the archive follows the Keras 3 schema: members, config keys, h5 variable paths and dtypes', async () => {
    const m = sequential([
      layers.conv1d({ filters: 2, kernelSize: 3, inputShape: [8, 2] }), layers.lstm({ units: 3, returnSequences: true }),
      layers.bidirectional({ layer: layers.gru({ units: 2 }) }), layers.dense({ units: 4 }), layers.dense({ units: 1 })]);
    m.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const bytes = await exportModel(m, { format: 'keras' });
    const { unzipSync, strFromU8 } = await import('fflate');
    const files = unzipSync(bytes);
    expect(Object.keys(files).sort()).toEqual(['config.json', 'metadata.json', 'model.weights.h5']);
    const meta = JSON.parse(strFromU8(files['metadata.json']));
    expect(meta.keras_version).toMatch(/^3\./);
    const config = JSON.parse(strFromU8(files['config.json']));
    expect(config).toMatchObject({ module: 'keras', class_name: 'Sequential', registered_name: null, build_config: { input_shape: [null, 8, 2] } });
    expect(config.compile_config).toMatchObject({ loss: 'mean_squared_error', optimizer: { module: 'keras.optimizers', class_name: 'Adam' } });
    const ls = config.config.layers;
    expect(ls.map((l: { class_name: string }) => l.class_name)).toEqual(['InputLayer', 'Conv1D', 'LSTM', 'Bidirectional', 'Dense', 'Dense']);
    expect(ls[0].config).toMatchObject({ batch_shape: [null, 8, 2], dtype: 'float32' });
    expect(ls[1]).toMatchObject({ module: 'keras.layers', registered_name: null, build_config: { input_shape: [null, 8, 2] } });
    expect(ls[1].config).toMatchObject({ kernel_size: [3], strides: [1], dilation_rate: [1], padding: 'valid', use_bias: true,
      dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' } } });
    expect(ls[2].config).toMatchObject({ units: 3, return_sequences: true, recurrent_activation: 'sigmoid', unit_forget_bias: true });
    expect(ls[3].config.layer.config).toMatchObject({ reset_after: true, go_backwards: false });
    expect(ls[3].config.backward_layer.config).toMatchObject({ name: 'backward_gru', go_backwards: true });

    const h5 = await import('h5wasm');
    const fs = ((await h5.ready) as unknown as { FS: { writeFile(p: string, d: Uint8Array): void; unlink(p: string): void } }).FS;
    fs.writeFile('/schema-check.h5', files['model.weights.h5']);
    const f = new h5.File('/schema-check.h5', 'r');
    const ds = (p: string): InstanceType<typeof h5.Dataset> => f.get(p) as InstanceType<typeof h5.Dataset>;
    expect(ds('layers/conv1d/vars/0').shape).toEqual([3, 2, 2]);
    expect(ds('layers/conv1d/vars/0').dtype).toBe('<f');
    expect(ds('layers/lstm/cell/vars/1').shape).toEqual([3, 12]);
    expect(ds('layers/bidirectional/forward_layer/cell/vars/2').shape).toEqual([2, 6]);
    expect(ds('layers/bidirectional/backward_layer/cell/vars/0').shape).toEqual([3, 6]);
    expect(ds('layers/dense/vars/0').shape).toEqual([4, 4]);
    expect(ds('layers/dense_1/vars/1').shape).toEqual([1]);
    expect((f.get('layers/dense_1/vars') as InstanceType<typeof h5.Group>).attrs.name.value).toBe(m.layers[4].name);
    f.close();
    fs.unlink('/schema-check.h5');

    const back = await importModel(bytes);
    expect(back.lossName).toBe('meanSquaredError');
    expect(back.optimizer?.className).toBe('Adam');
    back.dispose();
    m.dispose();
  });

  it('a Normalization layer (statistics from training data) travels with the model; int count as Keras keeps it', async () => {
    const norm = layers.normalization({ inputShape: [3] });
    const m = sequential([norm, layers.dense({ units: 1 })]);
    await norm.adapt(core.tensor([[1, 10, 100], [3, 30, 300], [5, 20, 200]]));
    const bytes = await exportModel(m, { format: 'keras' });
    const { unzipSync, strFromU8 } = await import('fflate');
    const config = JSON.parse(strFromU8(unzipSync(bytes)['config.json']));
    expect(config.config.layers[1]).toMatchObject({ class_name: 'Normalization', config: { axis: -1, mean: null, variance: null, invert: false } });
    const back = await importModel(bytes);
    const x = core.tensor([[2, 15, 150]]);
    const a = m.predict(x) as core.Tensor;
    const b = back.predict(x) as core.Tensor;
    expect(maxDiff((await b.data()) as Float32Array, (await a.data()) as Float32Array)).toBe(0);
    // A Keras Normalization built with mean and variance stores no variables: they come from config.json.
    config.config.layers[1].config.mean = [1, 2, 3];
    config.config.layers[1].config.variance = 4;
    const files = unzipSync(bytes);
    const { strToU8, zipSync } = await import('fflate');
    files['config.json'] = strToU8(JSON.stringify(config));
    const h5 = await import('h5wasm');
    const fs = ((await h5.ready) as unknown as { FS: { writeFile(p: string, d: Uint8Array): void; readFile(p: string): Uint8Array; unlink(p: string): void } }).FS;
    fs.writeFile('/norm.h5', files['model.weights.h5']);
    const f = new h5.File('/norm.h5', 'r');
    expect((f.get('layers/normalization/vars/2') as InstanceType<typeof h5.Dataset>).dtype).toBe('<i');
    const kernel = (f.get('layers/dense/vars/0') as InstanceType<typeof h5.Dataset>).value as Float32Array;
    const bias = (f.get('layers/dense/vars/1') as InstanceType<typeof h5.Dataset>).value as Float32Array;
    f.close();
    const w = new h5.File('/norm2.h5', 'w');
    w.create_group('layers');
    const lg = w.get('layers') as InstanceType<typeof h5.Group>;
    lg.create_group('normalization').create_group('vars');
    const dv = lg.create_group('dense').create_group('vars');
    dv.create_dataset({ name: '0', data: kernel, shape: [3, 1], dtype: '<f' });
    dv.create_dataset({ name: '1', data: bias, shape: [1], dtype: '<f' });
    w.close();
    files['model.weights.h5'] = new Uint8Array(fs.readFile('/norm2.h5'));
    fs.unlink('/norm2.h5');
    fs.unlink('/norm.h5');
    const given = await importModel(zipSync(files));
    const g = given.predict(core.tensor([[3, 4, 5]])) as core.Tensor;
    const dense = m.layers[1].weights.map((v) => v.value.dataSync());
    const z = [(3 - 1) / 2, (4 - 2) / 2, (5 - 3) / 2];
    expect(g.dataSync()[0]).toBeCloseTo(z.reduce((s, v, i) => s + v * dense[0][i], dense[1][0]), 5);
    for (const t of [x, a, b, g]) t.dispose();
    for (const mm of [m, back, given]) mm.dispose();
  });

  it('a .keras file on disk, format from the extension', async () => {
    const m = cases[2].build();
    const path = join(dir, 'rnn.keras');
    expect(await exportModelToFiles(m, path, { format: 'keras' })).toEqual([path]);
    const back = await importModel(path);
    const x = rand([1, 6, 3], 6);
    expect(maxDiff(await loomPredict(back, x, [1, 6, 3]), await loomPredict(m, x, [1, 6, 3]))).toBe(0);
    m.dispose();
    back.dispose();
  });
});

describe('safetensors', () => {
  it('weights keyed by Keras variable paths load into the same model built again', async () => {
    setSeed(5);
    const build = (): Model => sequential([
      layers.lstm({ units: 3, inputShape: [4, 2], returnSequences: true }), layers.bidirectional({ layer: layers.gru({ units: 2 }) }),
      layers.dense({ units: 1 })]);
    const m = build();
    const bytes = await exportModel(m, { format: 'safetensors' });
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect((8 + n) % 8).toBe(0);
    expect(Object.keys(header).sort()).toEqual([
      '__metadata__', 'bidirectional/backward_gru/gru_cell/bias', 'bidirectional/backward_gru/gru_cell/kernel',
      'bidirectional/backward_gru/gru_cell/recurrent_kernel', 'bidirectional/forward_gru/gru_cell/bias',
      'bidirectional/forward_gru/gru_cell/kernel', 'bidirectional/forward_gru/gru_cell/recurrent_kernel', 'dense/bias', 'dense/kernel',
      'lstm/lstm_cell/bias', 'lstm/lstm_cell/kernel', 'lstm/lstm_cell/recurrent_kernel',
    ]);
    expect(header['lstm/lstm_cell/kernel']).toMatchObject({ dtype: 'F32', shape: [2, 12] });
    setSeed(99);
    const fresh = build();
    const x = rand([2, 4, 2], 8);
    expect(maxDiff(await loomPredict(fresh, x, [2, 4, 2]), await loomPredict(m, x, [2, 4, 2]))).toBeGreaterThan(1e-3);
    await importModel(bytes, { format: 'safetensors', model: fresh });
    expect(maxDiff(await loomPredict(fresh, x, [2, 4, 2]), await loomPredict(m, x, [2, 4, 2]))).toBe(0);
    const other = sequential([layers.dense({ units: 1, inputShape: [3] })]);
    await expect(importModel(bytes, { format: 'safetensors', model: other })).rejects.toThrow(/no weights dense\/kernel|belong to no weight/);
    for (const x2 of [m, fresh, other]) x2.dispose();
  });
});
