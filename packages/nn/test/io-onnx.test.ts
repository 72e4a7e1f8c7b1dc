// ONNX export and import against the real peer: every exported layer kind runs in onnxruntime-node
// at batch sizes 1 and 7 (one file, dynamic batch) and agrees with Loom within 1e-5; importing the
// same bytes gives back a model that predicts what the original did (1e-6). Hand-built graphs in
// PyTorch's forms import and agree with onnxruntime; bad input gives clear errors and leaks nothing.

import * as core from '@loom/core';
import { SeededRandom } from '@loom/core';
import { wasm } from '@loom/wasm-kernels';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { Functional, input, layers, model, sequential, type Model } from '../src/index.js';
import { exportOnnx, importOnnx } from '../src/io/onnx.js';
import { ATTR_TYPE, modelProto, ONNX_DTYPE } from '../src/io/onnx-schema.js';

const rng = new SeededRandom(11);
const randn = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** Largest |a − b| relative to max(1, |a|). */
function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(b.length).toBe(a.length);
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i])));
  return w;
}

async function runOrt(bytes: Uint8Array, feeds: Record<string, { data: Float32Array; shape: number[] }>): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes);
  const inputs = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.shape)]));
  const out = await session.run(inputs);
  const list = session.outputNames.map((n) => Float32Array.from(out[n].data as Float32Array));
  await session.release();
  return list;
}

function predictAll(m: Model, xs: { data: Float32Array; shape: number[] }[]): Float32Array[] {
  const ts = xs.map((x) => core.tensor(x.data, x.shape));
  const y = m.predict(ts.length === 1 ? ts[0] : ts);
  const list = Array.isArray(y) ? y : [y];
  const out = list.map((t) => Float32Array.from(t.dataSync() as Float32Array));
  core.dispose([ts, list]);
  return out;
}

/**
 * Exports `m`, runs it in onnxruntime at batch 1 and 7 against Loom (1e-5), imports it back and checks the
 * import predicts the same (1e-6); disposes both models and checks nothing leaked.
 */
async function roundTrip(m: Model, opset?: number): Promise<{ bytes: Uint8Array; imported: string }> {
  // The model's own weights go when it is disposed; everything else must be gone by then too.
  const before = core.memory().numTensors - m.weights.length;
  const bytes = await exportOnnx(m, opset ? { opset } : {});
  const back = await importOnnx(bytes);
  // Sequential graphs read 'input'; functional ones are named after their input layers.
  const names = m instanceof Functional ? m.inputs.map((s) => s.node.layer.name) : ['input'];
  for (const batch of [1, 7]) {
    const xs = m.inputShapes!.map((s) => {
      const shape = [batch, ...(s.slice(1) as number[])];
      return { data: randn(size(shape)), shape };
    });
    const loom = predictAll(m, xs);
    const onnx = await runOrt(bytes, Object.fromEntries(xs.map((x, i) => [names[i], x])));
    loom.forEach((y, i) => expect(worst(y, onnx[i]), `onnxruntime vs Loom, batch ${batch}, output ${i}`).toBeLessThan(1e-5));
    predictAll(back, xs).forEach((y, i) => expect(worst(loom[i], y), `imported vs original, batch ${batch}`).toBeLessThan(1e-6));
  }
  const imported = back.layers.map((l) => l.className).join(',');
  m.dispose();
  back.dispose();
  expect(core.memory().numTensors).toBe(before);
  return { bytes, imported };
}

const seq = (list: Parameters<typeof sequential>[0]) => sequential(list, { seed: 5 });

const ACTIVATIONS = ['linear', 'relu', 'relu6', 'leakyRelu', 'elu', 'selu', 'gelu', 'tanh', 'sigmoid', 'hardSigmoid', 'softplus',
  'softsign', 'silu', 'softmax', 'logSoftmax'];

describe('exportOnnx → onnxruntime-node, and importOnnx back', () => {
  it('dense with every activation (Gemm), and dense on [batch, steps, features] (MatMul + Add)', async () => {
    for (const activation of ACTIVATIONS) {
      const { imported } = await roundTrip(seq([layers.dense({ units: 4, activation, inputShape: [3] })]));
      expect(imported).toBe('Dense');
    }
    const { imported } = await roundTrip(seq([layers.dense({ units: 3, activation: 'tanh', inputShape: [5, 4] }), layers.dense({ units: 2, useBias: false })]));
    expect(imported).toBe('Dense,Dense');
  });

  it('activation layers (gelu as Erf at opset 17 and as Gelu at 21; silu as x·sigmoid(x))', async () => {
    for (const opset of [13, 17, 21]) {
      const m = seq([layers.dense({ units: 6, inputShape: [4] }),
        ...ACTIVATIONS.map((activation) => layers.activation({ activation }))]);
      const { imported } = await roundTrip(m, opset);
      // The linear activation is an Identity, which the import drops; relu after it joins the dense.
      expect(imported.split(',')).toEqual(['Dense', ...ACTIVATIONS.slice(2).map(() => 'Activation')]);
    }
  });

  it('conv1d: valid, same and causal padding, strides, dilation, with and without bias', async () => {
    const cases = [
      { filters: 3, kernelSize: 3, padding: 'valid' as const },
      { filters: 2, kernelSize: 3, padding: 'same' as const, strides: 2, activation: 'relu' },
      { filters: 4, kernelSize: 4, padding: 'same' as const, dilationRate: 2 },
      { filters: 2, kernelSize: 3, padding: 'causal' as const, dilationRate: 2, useBias: false },
      { filters: 2, kernelSize: 2, padding: 'causal' as const, strides: 2, activation: 'tanh' },
    ];
    for (const c of cases) {
      const { imported } = await roundTrip(seq([layers.conv1d({ ...c, inputShape: [9, 3] })]));
      expect(imported).toBe('Conv1D');
    }
  });

  it('1-D pooling (valid, same), global pooling, flatten, reshape and dropout', async () => {
    for (const padding of ['valid', 'same'] as const) {
      await roundTrip(seq([layers.maxPooling1d({ poolSize: 3, strides: 2, padding, inputShape: [9, 2] })]));
      await roundTrip(seq([layers.averagePooling1d({ poolSize: 2, padding, inputShape: [7, 3] })]));
    }
    await roundTrip(seq([layers.conv1d({ filters: 4, kernelSize: 3, inputShape: [8, 2] }), layers.globalAveragePooling1d()]));
    await roundTrip(seq([layers.conv1d({ filters: 4, kernelSize: 3, inputShape: [8, 2] }), layers.globalMaxPooling1d(), layers.dense({ units: 2 })]));
    const { imported } = await roundTrip(seq([layers.conv1d({ filters: 2, kernelSize: 2, inputShape: [6, 3] }), layers.dropout({ rate: 0.5 }),
      layers.flatten(), layers.dense({ units: 6 }), layers.reshape({ targetShape: [3, 2] }), layers.flatten(), layers.dense({ units: 1 })]));
    expect(imported).toBe('Conv1D,Flatten,Dense,Reshape,Flatten,Dense');
  });

  it('simpleRNN, lstm and gru (both resetAfter modes), returnSequences true and false, goBackwards', async () => {
    const made = [
      layers.simpleRNN({ units: 4, inputShape: [5, 3] }),
      layers.simpleRNN({ units: 3, returnSequences: true, activation: 'relu', inputShape: [5, 3] }),
      layers.lstm({ units: 4, inputShape: [6, 3] }),
      layers.lstm({ units: 3, returnSequences: true, inputShape: [6, 3] }),
      layers.lstm({ units: 3, recurrentActivation: 'hardSigmoid', goBackwards: true, inputShape: [6, 2] }),
      layers.lstm({ units: 3, returnSequences: true, goBackwards: true, inputShape: [6, 2] }),
      layers.gru({ units: 4, inputShape: [5, 3] }),
      layers.gru({ units: 3, resetAfter: false, returnSequences: true, inputShape: [5, 3] }),
      layers.gru({ units: 3, resetAfter: false, goBackwards: true, inputShape: [5, 3] }),
      // The other activations ONNX's recurrent ops take.
      layers.simpleRNN({ units: 3, activation: 'softsign', inputShape: [4, 2] }),
      layers.lstm({ units: 3, activation: 'relu', recurrentActivation: 'softsign', inputShape: [4, 2] }),
      layers.gru({ units: 3, activation: 'softplus', recurrentActivation: 'hardSigmoid', inputShape: [4, 2] }),
    ];
    for (const l of made) {
      const { imported } = await roundTrip(seq([l, layers.dense({ units: 2 })]));
      expect(imported).toBe(`${l.className},Dense`);
    }
    // Stacked: the second layer reads the first one's whole sequence.
    await roundTrip(seq([layers.lstm({ units: 4, returnSequences: true, inputShape: [5, 2] }), layers.gru({ units: 3 })]));
  });

  it('bidirectional lstm and gru in every merge mode, with and without sequences', async () => {
    for (const mergeMode of ['concat', 'sum', 'mul', 'ave'] as const) {
      for (const returnSequences of [false, true]) {
        const lstm = layers.bidirectional({ layer: layers.lstm({ units: 3, returnSequences }), mergeMode, inputShape: [5, 2] });
        const { imported } = await roundTrip(seq([lstm, layers.dense({ units: 2 })]));
        expect(imported).toBe('Bidirectional,Dense');
        const gru = layers.gru({ units: 2, returnSequences, resetAfter: mergeMode !== 'sum' });
        await roundTrip(seq([layers.bidirectional({ layer: gru, mergeMode, inputShape: [4, 3] })]));
      }
    }
  });

  it('functional models: two inputs, concatenate and add, and the other merges', async () => {
    const a = input({ shape: [6, 2], name: 'series' });
    const b = input({ shape: [4], name: 'static' });
    const h = layers.lstm({ units: 4 }).apply(a) as never;
    const s = layers.dense({ units: 4, activation: 'relu' }).apply(b) as never;
    const c = layers.concatenate().apply([h, s]) as never;
    const sum = layers.add().apply([h, s]) as never;
    const out = layers.dense({ units: 2 }).apply(layers.concatenate().apply([c, sum]) as never) as never;
    const { imported } = await roundTrip(model({ inputs: [a, b], outputs: out, seed: 3 }));
    expect(imported.split(',')).toEqual(['InputLayer', 'LSTM', 'InputLayer', 'Dense', 'Concatenate', 'Add', 'Concatenate', 'Dense']);
    const x = input({ shape: [5] });
    const d1 = layers.dense({ units: 3 }).apply(x) as never;
    const d2 = layers.dense({ units: 3, activation: 'tanh' }).apply(x) as never;
    const merged = [layers.multiply(), layers.subtract(), layers.average(), layers.maximum(), layers.minimum()]
      .map((l) => l.apply([d1, d2]) as never);
    await roundTrip(model({ inputs: x, outputs: [layers.add().apply(merged) as never, d1], seed: 4 }));
    // Two outputs with one value (a dropout passes its input on), and the same output twice.
    const z = input({ shape: [3] });
    const h2 = layers.dense({ units: 2 }).apply(z) as never;
    await roundTrip(model({ inputs: z, outputs: [h2, layers.dropout({ rate: 0.3 }).apply(h2) as never, h2], seed: 6 }));
  });

  it('unknown sequence lengths (SAME_UPPER padding), a bidirectional output pooled, a stacked bidirectional', async () => {
    const m = seq([layers.conv1d({ filters: 3, kernelSize: 4, padding: 'same', dilationRate: 2, batchInputShape: [null, null, 2] }),
      layers.conv1d({ filters: 3, kernelSize: 3, padding: 'same', strides: 2 }), layers.conv1d({ filters: 2, kernelSize: 1, padding: 'same', strides: 3 }),
      layers.averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' }), layers.maxPooling1d({ poolSize: 2, padding: 'same' }),
      layers.lstm({ units: 3 })]);
    const bytes = await exportOnnx(m);
    const back = await importOnnx(bytes);
    expect(back.inputShapes).toEqual([[null, null, 2]]);
    for (const [batch, steps] of [[1, 7], [7, 10], [2, 1], [3, 24]]) {
      const x = { data: randn(batch * steps * 2), shape: [batch, steps, 2] };
      const [want] = predictAll(m, [x]);
      expect(worst(want, (await runOrt(bytes, { input: x }))[0]), `${steps} steps`).toBeLessThan(1e-5);
      expect(worst(want, predictAll(back, [x])[0])).toBeLessThan(1e-6);
    }
    m.dispose();
    back.dispose();
    await roundTrip(seq([layers.bidirectional({ layer: layers.gru({ units: 3, returnSequences: true }), inputShape: [6, 2] }),
      layers.globalAveragePooling1d()]));
    const first = layers.bidirectional({ layer: layers.lstm({ units: 3, returnSequences: true }), mergeMode: 'sum', inputShape: [6, 2] });
    const { imported } = await roundTrip(seq([first, layers.bidirectional({ layer: layers.lstm({ units: 2 }), mergeMode: 'mul' })]));
    expect(imported).toBe('Bidirectional,Bidirectional');
  });

  it('the exported graph has a symbolic batch and the requested opset and name', async () => {
    const m = seq([layers.dense({ units: 2, inputShape: [3] })]);
    const bytes = await exportOnnx(m, { opset: 15, name: 'tiny' });
    const Proto = await modelProto();
    const decoded = Proto.toObject(Proto.decode(bytes), { longs: Number }) as {
      opsetImport: { version: number }[]; graph: { name: string; input: { type: { tensorType: { shape: { dim: { dimParam?: string }[] } } } }[] };
    };
    expect(decoded.opsetImport[0].version).toBe(15);
    expect(decoded.graph.name).toBe('tiny');
    expect(decoded.graph.input[0].type.tensorType.shape.dim[0].dimParam).toBe('batch');
    m.dispose();
  });
});

describe('ONNX on the wasm backend', () => {
  afterAll(() => core.setBackend('js'));
  it('exported models agree with onnxruntime, and imports with the originals, on wasm', async () => {
    if (!core.findBackend('wasm')) core.registerBackend(await wasm(), 5);
    await core.setBackend('wasm');
    await roundTrip(seq([layers.conv1d({ filters: 4, kernelSize: 3, padding: 'causal', inputShape: [8, 2] }),
      layers.bidirectional({ layer: layers.gru({ units: 3 }) }), layers.dense({ units: 2, activation: 'softmax' })]));
    await roundTrip(seq([layers.lstm({ units: 5, returnSequences: true, inputShape: [7, 3] }), layers.globalMaxPooling1d(), layers.dense({ units: 1 })]));
  });
});

// --- hand-built graphs (PyTorch's forms) -------------------------------------------------------

type Attr = Record<string, unknown>;
const ints = (name: string, v: number[]): Attr => ({ name, type: ATTR_TYPE.INTS, ints: v });
const int = (name: string, i: number): Attr => ({ name, type: ATTR_TYPE.INT, i });
const str = (name: string, s: string): Attr => ({ name, type: ATTR_TYPE.STRING, s: new TextEncoder().encode(s) });
const floatInit = (name: string, dims: number[]) => ({ name, dims, dataType: ONNX_DTYPE.FLOAT, floatData: Array.from(randn(size(dims))) });
const int64Init = (name: string, values: number[]) => ({ name, dims: [values.length], dataType: ONNX_DTYPE.INT64, int64Data: values });
const node = (opType: string, input: string[], output: string[], attribute: Attr[] = [], name = `/${opType}_${output[0]}`) =>
  ({ opType, input, output, attribute, name });
const info = (name: string, dims: (number | string)[]) => ({
  name,
  type: { tensorType: { elemType: ONNX_DTYPE.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
});

async function encode(graph: Record<string, unknown>, opset = 17): Promise<Uint8Array> {
  const Proto = await modelProto();
  const message = { irVersion: 8, producerName: 'pytorch', opsetImport: [{ domain: '', version: opset }], graph };
  return Proto.encode(Proto.fromObject(message)).finish();
}

describe('importOnnx: graphs in the forms PyTorch writes', () => {
  it('Conv1d → ReLU → MaxPool1d → Flatten → Linear (channels-first input, Gemm transB=1)', async () => {
    const graph = {
      name: 'torch_cnn',
      node: [
        node('Conv', ['x', 'conv.weight', 'conv.bias'], ['c'],
          [ints('kernel_shape', [3]), ints('pads', [1, 1]), ints('strides', [1]), ints('dilations', [1]), int('group', 1)], '/conv/Conv'),
        node('Relu', ['c'], ['r'], [], '/relu/Relu'),
        node('MaxPool', ['r'], ['p'], [ints('kernel_shape', [2]), ints('strides', [2]), ints('pads', [0, 0])], '/pool/MaxPool'),
        node('Flatten', ['p'], ['f'], [int('axis', 1)], '/Flatten'),
        node('Gemm', ['f', 'fc.weight', 'fc.bias'], ['y'], [{ name: 'alpha', type: ATTR_TYPE.FLOAT, f: 1 }, int('transB', 1)], '/fc/Gemm'),
      ],
      initializer: [floatInit('conv.weight', [4, 2, 3]), floatInit('conv.bias', [4]), floatInit('fc.weight', [3, 4 * 4]), floatInit('fc.bias', [3])],
      input: [info('x', ['N', 2, 8])],
      output: [info('y', ['N', 3])],
    };
    const bytes = await encode(graph);
    const m = await importOnnx(bytes);
    expect(m.className).toBe('Sequential');
    expect(m.layers.map((l) => `${l.name}:${l.className}`)).toEqual(['conv:Conv1D', 'pool:MaxPooling1D', 'Flatten:Flatten', 'fc:Dense']);
    expect(m.inputShapes).toEqual([[null, 8, 2]]);
    for (const batch of [1, 7]) {
      const x = randn(batch * 16);
      const [ref] = await runOrt(bytes, { x: { data: x, shape: [batch, 2, 8] } });
      // Loom takes the same data channels-last.
      const xt = core.transpose(core.tensor(x, [batch, 2, 8]), [0, 2, 1]);
      const y = m.predict(xt) as core.Tensor;
      expect(worst(ref, y.dataSync())).toBeLessThan(1e-5);
      core.dispose([xt, y]);
    }
    m.dispose();
  });

  it('batch_first LSTM (Transpose, LSTM, Squeeze, Transpose) → Linear as MatMul + Add; bidirectional GRU with Reshape', async () => {
    const H = 3;
    const graph = {
      name: 'torch_rnn',
      node: [
        node('Transpose', ['x'], ['xt'], [ints('perm', [1, 0, 2])]),
        // Zero initial states for a dynamic batch, computed from the input's shape as PyTorch writes them.
        node('Shape', ['x'], ['xs']),
        node('Gather', ['xs', 'zero'], ['n'], [int('axis', 0)]),
        node('Unsqueeze', ['n', 'axis0'], ['n1']),
        node('Concat', ['one', 'n1', 'hidden'], ['hs'], [int('axis', 0)]),
        node('ConstantOfShape', ['hs'], ['h0'],
          [{ name: 'value', type: ATTR_TYPE.TENSOR, t: { dims: [1], dataType: ONNX_DTYPE.FLOAT, floatData: [0] } }]),
        node('LSTM', ['xt', 'W', 'R', 'B', '', 'h0', 'h0'], ['Y', 'Yh'], [int('hidden_size', H)], '/lstm/LSTM'),
        node('Squeeze', ['Y', 'axis1'], ['ys']),
        node('Transpose', ['ys'], ['yb'], [ints('perm', [1, 0, 2])]),
        node('GRU', ['ys', 'GW', 'GR', 'GB'], ['', 'Gh'],
          [int('hidden_size', 2), str('direction', 'bidirectional'), int('linear_before_reset', 1)], '/gru/GRU'),
        node('Transpose', ['Gh'], ['Ght'], [ints('perm', [1, 0, 2])]),
        node('Reshape', ['Ght', 'shape'], ['g'], [], '/Reshape'),
        node('MatMul', ['yb', 'fc.w'], ['mm'], [], '/fc/MatMul'),
        node('Add', ['fc.b', 'mm'], ['y1'], [], '/fc/Add'),
      ],
      initializer: [floatInit('W', [1, 4 * H, 2]), floatInit('R', [1, 4 * H, H]), floatInit('B', [1, 8 * H]),
        { name: 'zero', dims: [], dataType: ONNX_DTYPE.INT64, int64Data: [0] }, int64Init('axis0', [0]), int64Init('one', [1]),
        int64Init('hidden', [H]), int64Init('axis1', [1]), floatInit('GW', [2, 6, H]), floatInit('GR', [2, 6, 2]), floatInit('GB', [2, 12]),
        int64Init('shape', [0, -1]),
        floatInit('fc.w', [H, 2]), floatInit('fc.b', [2])],
      input: [info('x', ['N', 5, 2])],
      output: [info('y1', ['N', 5, 2]), info('g', ['N', 4])],
    };
    const bytes = await encode(graph);
    const m = await importOnnx(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    expect(m.className).toBe('Model');
    expect(m.layers.map((l) => `${l.name}:${l.className}`)).toEqual(['x:InputLayer', 'lstm:LSTM', 'fc:Dense', 'gru:Bidirectional']);
    for (const batch of [1, 7]) {
      const x = randn(batch * 10);
      const ref = await runOrt(bytes, { x: { data: x, shape: [batch, 5, 2] } });
      const got = predictAll(m, [{ data: x, shape: [batch, 5, 2] }]);
      expect(worst(ref[0], got[0])).toBeLessThan(1e-5);
      expect(worst(ref[1], got[1])).toBeLessThan(1e-5);
    }
    m.dispose();
  });
});

describe('importOnnx: activations written as several nodes', () => {
  it("PyTorch's gelu (Div, Erf, Add, Mul, Mul) and silu (Sigmoid, Mul) become one activation each", async () => {
    const graph = {
      name: 'torch_acts',
      node: [
        node('Gemm', ['x', 'w1', 'b1'], ['h'], [int('transB', 1)], '/fc1/Gemm'),
        node('Div', ['h', 'sqrt2'], ['hd']), node('Erf', ['hd'], ['he']), node('Add', ['he', 'one'], ['ha']),
        node('Mul', ['h', 'ha'], ['hm']), node('Mul', ['hm', 'half'], ['g'], [], '/act/Mul_1'),
        node('MatMul', ['g', 'w2'], ['k'], [], '/fc2/MatMul'),
        node('Sigmoid', ['k'], ['ks']), node('Mul', ['k', 'ks'], ['y'], [], '/silu/Mul'),
      ],
      initializer: [floatInit('w1', [5, 3]), floatInit('b1', [5]), floatInit('w2', [5, 4]),
        ...([['sqrt2', 1.4142135381698608], ['one', 1], ['half', 0.5]] as const)
          .map(([name, v]) => ({ name, dims: [], dataType: ONNX_DTYPE.FLOAT, floatData: [v] }))],
      input: [info('x', ['N', 3])],
      output: [info('y', ['N', 4])],
    };
    const bytes = await encode(graph, 17);
    const m = await importOnnx(bytes);
    expect(m.layers.map((l) => `${l.className}:${(l.getConfig() as { activation?: string }).activation}`))
      .toEqual(['Dense:gelu', 'Dense:silu']);
    for (const batch of [1, 7]) {
      const x = { data: randn(batch * 3), shape: [batch, 3] };
      expect(worst((await runOrt(bytes, { x }))[0], predictAll(m, [x])[0])).toBeLessThan(1e-5);
    }
    m.dispose();
  });
});

describe('bad input', () => {
  it('export: unsupported layers, custom activations, options', async () => {
    const bn = seq([layers.dense({ units: 2, inputShape: [3] }), layers.batchNormalization()]);
    await expect(exportOnnx(bn)).rejects
      .toThrow(/exportOnnx: layer 'batch_normalization' is a BatchNormalization, which the ONNX exporter does not write; valid: Dense/);
    const custom = seq([layers.dense({ units: 2, inputShape: [3], activation: (t: core.Tensor) => core.abs(t) })]);
    await expect(exportOnnx(custom)).rejects.toThrow(/exportOnnx: layer 'dense' .*custom activation/);
    await expect(exportOnnx(bn, { opset: 9 })).rejects.toThrow(/exportOnnx: opset must be an integer from 13 to 21, got 9/);
    await expect(exportOnnx(bn, { format: 'x' } as never)).rejects.toThrow(/exportOnnx: unknown option 'format'; valid: opset, name/);
    const stateful = seq([layers.lstm({ units: 2, stateful: true, batchInputShape: [2, 3, 1] })]);
    await expect(exportOnnx(stateful)).rejects.toThrow(/exportOnnx: layer 'lstm' is stateful/);
    const dilated = seq([layers.conv1d({ filters: 2, kernelSize: 3, padding: 'same', strides: 2, dilationRate: 2, batchInputShape: [null, null, 1] })]);
    await expect(exportOnnx(dilated)).rejects
      .toThrow(/exportOnnx: layer 'conv1_d' has padding 'same' with strides 2 and dilationRate 2 on inputs of unknown length/);
    dilated.dispose();
    // onnxruntime's Affine (ONNX's only linear recurrent activation) without alpha/beta is not the identity, so it is refused.
    const linear = seq([layers.simpleRNN({ units: 2, activation: 'linear', inputShape: [3, 1] })]);
    await expect(exportOnnx(linear)).rejects.toThrow(/exportOnnx: layer 'simple_rnn' uses activation 'linear', which ONNX's RNN op does not take/);
    linear.dispose();
    const elu = seq([layers.gru({ units: 2, activation: 'elu', inputShape: [3, 1] })]);
    await expect(exportOnnx(elu)).rejects.toThrow(/exportOnnx: layer 'gru' uses activation 'elu', which ONNX's GRU op does not take/);
    core.dispose([]);
    for (const m of [bn, custom, stateful, elu]) m.dispose();
  });

  it('import: random bytes, a truncated model, wrong types, an unsupported op, unsupported attributes; nothing leaks', async () => {
    const before = core.memory().numTensors;
    const r = new SeededRandom(2);
    const random = Uint8Array.from({ length: 300 }, () => Math.floor(r.uniform() * 256));
    await expect(importOnnx(random)).rejects.toThrow(/importOnnx: not an ONNX model/);
    await expect(importOnnx(new Uint8Array(0))).rejects.toThrow(/importOnnx: not an ONNX model/);
    await expect(importOnnx('model.onnx' as never)).rejects.toThrow(/importOnnx: expected the model bytes as a Uint8Array or ArrayBuffer, got string/);
    const m = seq([layers.lstm({ units: 8, inputShape: [4, 3] }), layers.dense({ units: 2 })]);
    const bytes = await exportOnnx(m);
    m.dispose();
    await expect(importOnnx(bytes.slice(0, Math.floor(bytes.length * 0.6)))).rejects.toThrow(/importOnnx: not an ONNX model.*truncated/);
    const einsum = await encode({
      name: 'g', node: [node('Relu', ['x'], ['r'], [], '/act/Relu'), node('Einsum', ['r', 'r'], ['y'], [str('equation', 'bi,bi->bi')], '/mix/Einsum')],
      input: [info('x', ['N', 3])], output: [info('y', ['N', 3])],
    }, 12);
    await expect(importOnnx(einsum)).rejects.toThrow(/importOnnx: node '\/mix\/Einsum' \(Einsum\): op type 'Einsum' is not supported; valid: Gemm/);
    const leaky = await encode({
      name: 'g', node: [node('Gemm', ['x', 'w'], ['h'], [], '/fc/Gemm'), node('LeakyRelu', ['h'], ['y'], [], '/act/LeakyRelu')],
      initializer: [floatInit('w', [3, 2])], input: [info('x', ['N', 3])], output: [info('y', ['N', 2])],
    });
    await expect(importOnnx(leaky)).rejects.toThrow(/\(LeakyRelu\): alpha 0.01 differs from Loom's leakyRelu \(alpha 0.2\)/);
    // The second layer fails after the first one was created: the first is disposed again.
    const badConv = await encode({
      name: 'g', node: [node('Gemm', ['x', 'w'], ['h'], [], '/fc/Gemm'), node('Reshape', ['h', 's'], ['h3'], [], '/r/Reshape'),
        node('Transpose', ['h3'], ['t'], [ints('perm', [0, 2, 1])]),
        node('Conv', ['t', 'cw'], ['y0'], [ints('pads', [2, 1])], '/conv/Conv'), node('Transpose', ['y0'], ['y'], [ints('perm', [0, 2, 1])])],
      initializer: [floatInit('w', [3, 8]), int64Init('s', [0, 4, 2]), floatInit('cw', [2, 2, 3])],
      input: [info('x', ['N', 3])], output: [info('y', ['N', 3, 2])],
    });
    await expect(importOnnx(badConv)).rejects.toThrow(/importOnnx: node '\/conv\/Conv': pads \[2, 1\] for window 3 .* are none of Loom's paddings/);
    const transposedOut = await encode({
      name: 'g', node: [node('Transpose', ['x'], ['y'], [ints('perm', [0, 2, 1])])],
      input: [info('x', ['N', 3, 4])], output: [info('y', ['N', 4, 3])],
    });
    await expect(importOnnx(transposedOut)).rejects.toThrow(/graph output 'y'.*transposed view/);
    expect(core.memory().numTensors).toBe(before);
  });
});
