// Validation at the door (issue 15): every option of compile, fit, evaluate, predict, the optimizers
// and the layers is checked with a message naming it, what was given and what is valid; names resolve
// from own keys only; loads are validated before any weight is built; training never leaves NaN
// weights behind; label and id values are checked; a second concurrent fit is refused.

import * as core from '@loom/core';
import { memory, type Tensor } from '@loom/core';
import { describe, expect, it } from 'vitest';
import {
  cosineDecay, earlyStopping, exponentialDecay, initializers, input, layers, loadModel, losses, model, optimizers,
  reduceLROnPlateau, sequential, setSeed, type Callback, type SavedModel,
} from '../src/index.js';

const arr = (t: Tensor): number[] => Array.from(t.dataSync() as Float32Array);

/** A compiled 3 → 2 model and a batch of 4 samples for it. */
function small(optimizer: Parameters<ReturnType<typeof sequential>['compile']>[0]['optimizer'] = optimizers.sgd({ learningRate: 0.1 })) {
  setSeed(40);
  const m = sequential([layers.dense({ units: 2, inputShape: [3] })]);
  m.compile({ optimizer, loss: 'mse' });
  const x = core.tensor([[1, 2, 3], [0, 1, 0], [2, 0, 1], [1, 1, 1]]);
  const y = core.tensor([[1, 0], [0, 1], [1, 1], [0, 0]]);
  const free = (): void => { core.dispose([x, y]); m.dispose(); };
  return { m, x, y, free };
}

describe('batchSize of fit, evaluate and predict (one validator)', () => {
  it('0, -1, NaN, 2.5 and "8" are refused by name, before any work', async () => {
    const { m, x, y, free } = small();
    for (const bad of [0, -1, NaN, 2.5, '8']) {
      const shown = typeof bad === 'string' ? `'${bad}'` : String(bad);
      const msg = (op: string) => new RegExp(`^${op}: batchSize must be a positive integer, got ${shown.replace('.', '\\.')}$`);
      // Before the fix, evaluate with batchSize 0 looped forever; this would time out instead of failing fast.
      await expect(m.evaluate(x, y, { batchSize: bad as number })).rejects.toThrow(msg('evaluate'));
      expect(() => m.predict(x, { batchSize: bad as number })).toThrow(msg('predict'));
      await expect(m.fit(x, y, { batchSize: bad as number })).rejects.toThrow(msg('fit'));
    }
    expect((await m.evaluate(x, y, { batchSize: 3 })).loss).toBeGreaterThan(0);
    free();
  });

  it('unknown option keys are refused with the valid ones listed', async () => {
    const { m, x, y, free } = small();
    await expect(m.evaluate(x, y, { batchsize: 2 } as never)).rejects.toThrow(/^evaluate: unknown option 'batchsize'; valid: batchSize, sampleWeight$/);
    expect(() => m.predict(x, { verbose: 1 } as never)).toThrow(/^predict: unknown option 'verbose'; valid: batchSize$/);
    await expect(m.fit(x, y, { epoch: 3 } as never)).rejects.toThrow(/^fit: unknown option 'epoch'; valid: epochs, batchSize, validationSplit/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metric: ['mae'] } as never))
      .toThrow(/^compile: unknown option 'metric'; valid: optimizer, loss, metrics$/);
    free();
  });

  it('every other fit option is checked', async () => {
    const { m, x, y, free } = small();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ epochs: -1 }, /fit: epochs must be a non-negative integer, got -1/],
      [{ epochs: 1.5 }, /fit: epochs must be a non-negative integer, got 1\.5/],
      [{ validationSplit: NaN }, /fit: validationSplit must be a number in \[0, 1\), got NaN/],
      [{ validationSplit: 1 }, /fit: validationSplit must be a number in \[0, 1\), got 1/],
      [{ validationData: [x] }, /fit: validationData must be \[x, y\]/],
      [{ shuffle: 'yes' }, /fit: shuffle must be true or false, got 'yes'/],
      [{ callbacks: {} }, /fit: callbacks must be a list of callback objects, got an object/],
      [{ verbose: 3 }, /fit: verbose must be 0, 1, 2 or 'auto', got 3/],
      [{ seed: NaN }, /fit: seed must be a finite number, got NaN/],
      [{ onProgress: 1 }, /fit: onProgress must be a function, got 1/],
    ];
    const yNaN = core.tensor([[1, 0], [NaN, 1]]);
    cases.push([{ validationData: [core.slice(x, 0, 2), yNaN] }, /fit \(validationData\): y contains 1 NaN or infinite value/]);
    const before = m.getWeights().map(arr);
    for (const [args, msg] of cases) await expect(m.fit(x, y, args as never)).rejects.toThrow(msg);
    core.dispose([yNaN, (cases.at(-1)![0].validationData as Tensor[])[0]]);
    const after = m.getWeights();
    expect(after.map(arr)).toEqual(before);
    core.dispose(after);
    free();
  });
});

describe('optimizer options (Keras ranges, checked at construction)', () => {
  it('refuses non-finite, out-of-range and non-number settings, and unknown keys', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => optimizers.sgd({ learningRate: Infinity }), /SGD: learningRate must be a finite number > 0 or a schedule function, got Infinity/],
      [() => optimizers.sgd({ learningRate: 0 }), /SGD: learningRate must be a finite number > 0 .*got 0/],
      [() => optimizers.sgd({ learningRate: 'a' as never }), /SGD: learningRate must be .*got 'a'/],
      [() => optimizers.sgd({ momentum: 1 }), /SGD: momentum must be a number in \[0, 1\), got 1/],
      [() => optimizers.sgd({ nesterov: 1 as never }), /SGD: nesterov must be true or false, got 1/],
      [() => optimizers.adam({ beta2: NaN }), /Adam: beta2 must be a number in \[0, 1\), got NaN/],
      [() => optimizers.adam({ beta1: -0.1 }), /Adam: beta1 must be a number in \[0, 1\), got -0\.1/],
      [() => optimizers.adam({ epsilon: 0 }), /Adam: epsilon must be a finite number > 0, got 0/],
      [() => optimizers.adamW({ weightDecay: -1 }), /AdamW: weightDecay must be a finite number >= 0, got -1/],
      [() => optimizers.adamW({ beta1: 1 }), /AdamW: beta1 must be a number in \[0, 1\), got 1/],
      [() => optimizers.rmsprop({ rho: 1.5 }), /RMSprop: rho must be a number in \[0, 1\), got 1\.5/],
      [() => optimizers.adagrad({ initialAccumulatorValue: -1 }), /Adagrad: initialAccumulatorValue must be a finite number >= 0/],
      [() => optimizers.sgd({ clipNorm: NaN }), /SGD: clipNorm must be a finite number > 0, got NaN/],
      [() => optimizers.sgd({ clipValue: -1 }), /SGD: clipValue must be a finite number > 0, got -1/],
      [() => optimizers.adam({ globalClipNorm: 0 }), /Adam: globalClipNorm must be a finite number > 0, got 0/],
      [() => optimizers.sgd({ learningrate: 0.1 } as never), /SGD: unknown option 'learningrate'; valid: learningRate, clipValue/],
      [() => optimizers.adam({ weightDecay: 0.1 } as never), /Adam: unknown option 'weightDecay'/],
      [() => exponentialDecay({ initialLearningRate: 1, decaySteps: 10, decayRate: NaN }), /exponentialDecay: decayRate must be a finite number > 0, got NaN/],
      [() => cosineDecay({ initialLearningRate: 1, decaySteps: 10, alpha: 2 }), /cosineDecay: alpha must be a number in \[0, 1\], got 2/],
    ];
    for (const [make, msg] of cases) expect(make).toThrow(msg);
    expect(optimizers.adamW({ weightDecay: 0.1, beta1: 0.8 }).beta1).toBe(0.8);
  });

  it('a schedule that returns NaN fails fit at that step, naming it, with the weights of the step before', async () => {
    const lr = Object.assign((step: number) => (step < 2 ? 0.1 : NaN), { config: {} });
    const { m, x, y, free } = small(optimizers.sgd({ learningRate: lr }));
    let weightsAt2: number[][] = [];
    const cb: Callback = {
      onBatchBegin: (b) => {
        if (b !== 2) return;
        const w = m.getWeights();
        weightsAt2 = w.map(arr);
        core.dispose(w);
      },
    };
    await expect(m.fit(x, y, { epochs: 1, batchSize: 1, shuffle: false, callbacks: [cb] }))
      .rejects.toThrow(/SGD: the learning-rate schedule returned NaN at step 2; valid: a finite number >= 0 \(epoch 1, batch 3\)/);
    const w = m.getWeights();
    expect(w.map(arr)).toEqual(weightsAt2);
    expect(m.optimizer!.iterations).toBe(2);
    core.dispose(w);
    free();
  });

  it('an update that overflows (finite loss) rejects fit and leaves every weight unchanged', async () => {
    setSeed(41);
    const m = sequential([layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'ones' })]);
    // The loss (100) and the gradient (200) are finite; w − 1e37·200 is not.
    m.compile({ optimizer: optimizers.sgd({ learningRate: 1e37 }), loss: 'mse' });
    const x = core.tensor([[10]]);
    const y = core.tensor([[0]]);
    const before = m.getWeights();
    await expect(m.fit(x, y)).rejects.toThrow(
      /fit: the update of weight 'dense\/kernel' became -?Infinity at step 0; the weights were left unchanged .*\(epoch 1, batch 1\)/,
    );
    const after = m.getWeights();
    expect(after.map(arr)).toEqual(before.map(arr));
    expect(after.every((t) => arr(t).every(Number.isFinite))).toBe(true);
    expect(m.optimizer!.iterations).toBe(0);
    // A learning rate set to NaN after construction (it is writable) is caught at the next step.
    m.optimizer!.learningRate = NaN;
    await expect(m.trainOnBatch(x, y)).rejects.toThrow(/SGD: learningRate is NaN at step 0/);
    core.dispose([x, y, before, after]);
    m.dispose();
  });

  it('a normal fit still trains (the check costs no extra read)', async () => {
    const { m, x, y, free } = small(optimizers.adam({ learningRate: 0.05 }));
    const h = await m.fit(x, y, { epochs: 5, batchSize: 2, seed: 1 });
    expect(h.history.loss[4]).toBeLessThan(h.history.loss[0]);
    free();
  });
});

describe('leaks on errors', () => {
  it('a gather that throws inside fit frees the batch indices and the batches already gathered', async () => {
    const { m, x, y, free } = small(optimizers.sgd({ learningRate: 0.01 }));
    const before = memory().numTensors;
    // Disposing y during the epoch makes the second batch's gather of y throw after x's was gathered.
    const cb: Callback = { onBatchEnd: (b) => { if (b === 0) y.dispose(); } };
    await expect(m.fit(x, y, { batchSize: 2, shuffle: false, callbacks: [cb] })).rejects.toThrow(/disposed.*\(epoch 1, batch 2\)/);
    expect(memory().numTensors).toBe(before - 1); // y, disposed by the callback
    free();
  });
});

describe('names resolve from own keys only', () => {
  it("'constructor', 'toString' and friends are unknown names, with the valid ones listed", () => {
    const m = sequential([layers.dense({ units: 1, inputShape: [1] })]);
    expect(() => m.compile({ optimizer: 'constructor', loss: 'mse' })).toThrow(/^optimizer: unknown optimizer 'constructor'; valid: sgd, adam, adamW/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'toString' })).toThrow(/^loss: unknown loss 'toString'; valid: meanSquaredError,/);
    expect(() => m.compile({ optimizer: 'sgd', loss: '__proto__' })).toThrow(/unknown loss '__proto__'/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['constructor'] })).toThrow(/^metric: unknown metric 'constructor'; valid: binaryAccuracy/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: [null as never] })).toThrow(/unknown metric null/);
    expect(() => layers.dense({ units: 1, kernelInitializer: 'constructor' })).toThrow(/unknown initializer 'constructor'; valid: glorotUniform/);
    expect(() => layers.dense({ units: 1, activation: 'constructor' })).toThrow(/^activation: unknown activation 'constructor'; valid: linear, relu/);
    expect(() => layers.activation({ activation: 'hasOwnProperty' })).toThrow(/unknown activation 'hasOwnProperty'/);
    expect(() => layers.conv1d({ filters: 1, kernelSize: 1, biasInitializer: 'valueOf' })).toThrow(/unknown initializer 'valueOf'/);
    m.dispose();
  });

  it('saved configs are looked up the same way', () => {
    const save = (className: string, config: Record<string, unknown>): SavedModel => ({
      format: 'loom-nn-model', version: 1, weightSpecs: [], weightData: new ArrayBuffer(0),
      topology: { className: 'Sequential', config: { name: 's', layers: [{ className, config }] } },
    });
    expect(() => loadModel(save('constructor', {}))).toThrow(/unknown layer class 'constructor'/);
    expect(() => loadModel(save('toString', {}))).toThrow(/unknown layer class 'toString'/);
    expect(() => loadModel(save('Activation', { activation: 'constructor', batchInputShape: [null, 2] }))).toThrow(/unknown activation 'constructor'/);
    expect(() => loadModel(save('Dense', { units: 2, kernelInitializer: 'constructor', batchInputShape: [null, 2] })))
      .toThrow(/unknown initializer 'constructor'/);
    const bad = save('Flatten', { batchInputShape: [null, 2] });
    expect(() => loadModel({ ...bad, topology: { ...bad.topology, className: 'constructor' } })).toThrow(/unknown model class 'constructor'; valid: Sequential, Model/);
  });

  it("callbacks find monitored values in the epoch's own logs", async () => {
    const { m, x, y, free } = small();
    await expect(m.fit(x, y, { callbacks: [earlyStopping({ monitor: 'constructor' })] })).rejects.toThrow(
      /earlyStopping: monitored quantity 'constructor' is not logged; available: loss/,
    );
    await expect(m.fit(x, y, { callbacks: [reduceLROnPlateau({ monitor: 'toString' })] })).rejects.toThrow(/'toString' is not logged/);
    expect(() => earlyStopping({ patience: -1 })).toThrow(/earlyStopping: patience must be a non-negative integer, got -1/);
    expect(() => earlyStopping({ mode: 'up' as never })).toThrow(/earlyStopping: mode must be one of 'min', 'max', 'auto', got 'up'/);
    expect(() => reduceLROnPlateau({ factor: 1 })).toThrow(/reduceLROnPlateau: factor must be a number in \(0, 1\), got 1/);
    expect(() => reduceLROnPlateau({ minLr: 0.1 } as never)).toThrow(/reduceLROnPlateau: unknown option 'minLr'/);
    free();
  });
});

describe('loadModel validates before it builds anything', () => {
  const denseSave = (units: number, inDim: number, specs: SavedModel['weightSpecs'] = []): SavedModel => ({
    format: 'loom-nn-model', version: 1, weightSpecs: specs, weightData: new ArrayBuffer(0),
    topology: {
      className: 'Sequential',
      config: { name: 's', layers: [{ className: 'Dense', config: { name: 'big', units, batchInputShape: [null, inDim] } }] },
    },
  });

  it('a tiny save naming a huge Dense is refused at once, allocating nothing', () => {
    const before = memory();
    const json = JSON.stringify({ ...denseSave(8000, 8000), weightData: undefined });
    expect(json.length).toBeLessThan(700);
    const t0 = performance.now();
    expect(() => loadModel(denseSave(8000, 8000))).toThrow(
      /^loadModel: the topology has more weights than the save lists \(0\): layer 'big' needs 'big\/kernel' of shape \[8000,8000\]$/,
    );
    // 1e6 × 1e6 used to end in a raw RangeError from the typed array.
    expect(() => loadModel(denseSave(1e6, 1e6))).toThrow(/more weights than the save lists \(0\).*\[1000000,1000000\]/);
    // A spec of the right byte length but another shape does not unlock the big weight either.
    const wrong = { ...denseSave(8000, 8000, [{ name: 'big/kernel', shape: [2, 2], dtype: 'float32' }]), weightData: new ArrayBuffer(16) };
    expect(() => loadModel(wrong)).toThrow(/weight 0 \('big\/kernel'\) has shape \[2,2\] but the layer needs \[8000,8000\]/);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(memory()).toEqual(before);
  });

  it('weight specs and batchInputShape entries are checked', () => {
    const spec = (s: unknown) => ({ ...denseSave(1, 1), weightSpecs: [s] as never });
    expect(() => loadModel(spec({ shape: [1] }))).toThrow(/weightSpecs\[0\] must be \{ name: string, shape: non-negative integers, dtype: 'float32' \}/);
    expect(() => loadModel(spec({ name: 'a', shape: [1.5], dtype: 'float32' }))).toThrow(/weightSpecs\[0\] must be/);
    expect(() => loadModel(spec({ name: 'a', shape: [1], dtype: 'int32' }))).toThrow(/weightSpecs\[0\] must be/);
    expect(() => loadModel({ ...denseSave(1, 1), weightSpecs: 'x' as never })).toThrow(/weightSpecs must be a list/);
    expect(() => loadModel(denseSave(2, -5))).toThrow(/batchInputShape must be a list of nulls or positive integers, got \[null,-5\]/);
    expect(() => layers.dense({ units: 2, batchInputShape: [null, -5] })).toThrow(/dense: batchInputShape must be a list of nulls or positive integers, got \[null,-5\]/);
    expect(() => layers.dense({ units: 2, inputShape: [0] })).toThrow(/dense: inputShape must be a list of nulls or positive integers, got \[0\]/);
    expect(() => layers.dense({ units: 2, inputShape: 3 as never })).toThrow(/inputShape must be a list .*got 3/);
  });

  it('functional node references are checked', async () => {
    setSeed(42);
    const a = input({ shape: [2] });
    const f = model({ inputs: a, outputs: layers.dense({ units: 1 }).apply(a) as never });
    const saved = await f.save();
    const topo = saved.topology as { config: Record<string, unknown> & { nodes: { layer: unknown; inputs: unknown }[] } };
    const withNodes = (nodes: unknown) => ({ ...saved, topology: { ...topo, config: { ...topo.config, nodes } } });
    expect(() => loadModel(withNodes([topo.config.nodes[0], { ...topo.config.nodes[1], layer: 'constructor' }]))).toThrow(/node 1 refers to missing layer 'constructor'/);
    expect(() => loadModel(withNodes([topo.config.nodes[0], { ...topo.config.nodes[1], inputs: [[0, 3]] }]))).toThrow(/node 1 has invalid input references/);
    expect(() => loadModel({ ...saved, topology: { ...topo, config: { ...topo.config, outputs: [[1, 'x']] } } })).toThrow(/invalid output references/);
    loadModel(saved).dispose();
    f.dispose();
  });

  it('a weight too large for a typed array names the layer', () => {
    expect(() => sequential([layers.dense({ units: 1e6, inputShape: [1e6] })])).toThrow(
      /dense: weight 'kernel' of shape \[1000000,1000000\] has 1000000000000 elements; the most is 2\^32/,
    );
  });
});

describe('class-index labels and embedding ids', () => {
  it('sparseCategoricalCrossentropy refuses out-of-range and fractional labels', () => {
    const p = core.tensor([[0.2, 0.3, 0.5]]);
    for (const [label, shown] of [[7, '7'], [1.7, '1.7'], [-1, '-1']] as const) {
      expect(() => losses.sparseCategoricalCrossentropy(core.tensor([label]), p)).toThrow(
        new RegExp(`sparseCategoricalCrossentropy: label ${shown.replace('.', '\\.')} \\(element 0\\) is out of range or not an integer; valid: integers in \\[0, 3\\)`),
      );
    }
    expect(arr(losses.sparseCategoricalCrossentropy(core.tensor([2]), p))[0]).toBeCloseTo(-Math.log(0.5), 5);
    core.dispose(p);
  });

  it('fit and evaluate check labels before the first step (on any backend), leaving the weights unchanged', async () => {
    setSeed(43);
    const m = sequential([layers.dense({ units: 3, inputShape: [2], activation: 'softmax' })]);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = core.tensor([[1, 2], [3, 4]]);
    const out = core.tensor([0, 7]);
    const frac = core.tensor([[0], [1.5]]);
    const before = m.getWeights();
    await expect(m.fit(x, out)).rejects.toThrow(/^fit: target 0 \(class indices\) 7 is out of range or not an integer; valid: integers in \[0, 3\)$/);
    await expect(m.fit(x, frac)).rejects.toThrow(/^fit: target 0 \(class indices\) holds 1 non-integer value\(s\); valid: integers in \[0, 3\)$/);
    await expect(m.evaluate(x, out)).rejects.toThrow(/^evaluate: target 0 \(class indices\) 7 is out of range/);
    const after = m.getWeights();
    expect(after.map(arr)).toEqual(before.map(arr));
    core.dispose([x, out, frac, before, after]);
    m.dispose();
  });

  it('embedding refuses fractional and out-of-range ids, eagerly and in fit', async () => {
    setSeed(44);
    const e = layers.embedding({ inputDim: 4, outputDim: 2 });
    const ids = core.tensor([[0, 1.5]]);
    expect(() => e.apply(ids)).toThrow(/embedding: id 1\.5 \(element 1\) is out of range or not an integer; valid: integers in \[0, 4\)/);
    const m = sequential([layers.embedding({ inputDim: 4, outputDim: 2, inputShape: [2] }), layers.flatten(), layers.dense({ units: 1 })]);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const big = core.tensor([[0, 4]]);
    const y = core.tensor([[1]]);
    await expect(m.fit(big, y)).rejects.toThrow(/^fit: input 0 \(ids for embedding\) 4 is out of range or not an integer; valid: integers in \[0, 4\)$/);
    await expect(m.fit(ids, y)).rejects.toThrow(/input 0 \(ids for embedding\) holds 1 non-integer value/);
    core.dispose([ids, big, y]);
    e.dispose();
    m.dispose();
  });
});

describe('fit on a model that is already training', () => {
  it('a second fit is refused while the first runs; the flag resets on completion and on error', async () => {
    const { m, x, y, free } = small();
    const first = m.fit(x, y, { epochs: 3 });
    await expect(m.fit(x, y)).rejects.toThrow(/^fit: the model is already training; await the running fit\(\) before starting another$/);
    await expect(m.trainOnBatch(x, y)).rejects.toThrow(/trainOnBatch: the model is training/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse' })).toThrow(/compile: the model is training/);
    expect((await first).epoch).toEqual([0, 1, 2]);
    await expect(m.fit(x, y, { callbacks: [{ onEpochEnd: () => { throw new Error('boom'); } }] })).rejects.toThrow(/boom/);
    expect((await m.fit(x, y)).epoch).toEqual([0]);
    free();
  });
});

describe('shapes, sizes and layer options', () => {
  it('add and concatenate refuse mismatched shapes with both shapes in the message', () => {
    const a = input({ shape: [4] });
    const b = input({ shape: [3] });
    expect(() => layers.add().apply([a, b])).toThrow(/^add: input shapes \[null,4\] and \[null,3\] \(input 1\) differ; add needs inputs of one shape$/);
    const s1 = input({ shape: [2, 3] });
    const s2 = input({ shape: [4, 3] });
    expect(() => layers.concatenate().apply([s1, s2])).toThrow(/concatenate: input shapes \[null,2,3\] and \[null,4,3\] \(input 1\) differ outside the concatenation axis -1/);
    expect((layers.concatenate({ axis: 1 }).apply([s1, s2]) as { shape: unknown }).shape).toEqual([null, 6, 3]);
    expect(() => layers.concatenate({ axis: 3 }).apply([s1, s2])).toThrow(/axis 3 is out of range for inputs of rank 3/);
    expect(() => layers.add().apply([a])).toThrow(/expects a list of at least 2 inputs/);
    // Eager calls too: no silent broadcasting of [2,3] + [2,1], at build or on a later call.
    const t1 = core.ones([2, 3]);
    const t2 = core.ones([2, 1]);
    expect(() => layers.add().apply([t1, t2])).toThrow(/add: input shapes \[null,3\] and \[null,1\]/);
    const built = layers.add();
    const sum = built.apply([t1, t1]) as Tensor;
    expect(() => built.apply([t1, t2])).toThrow(/add: input shapes \[2,3\] and \[2,1\] \(input 1\) differ/);
    core.dispose([t1, t2, sum]);
  });

  it('reshape checks the size at build once the input shape is known', () => {
    expect(() => sequential([layers.reshape({ targetShape: [4], inputShape: [3] })])).toThrow(
      /reshape: cannot reshape samples of shape \[3\] \(3 values\) to \[4\] \(4 values\)/,
    );
    expect(() => sequential([layers.reshape({ targetShape: [-1, 4], inputShape: [6] })])).toThrow(/\(4 does not divide 6\)/);
    expect(sequential([layers.reshape({ targetShape: [-1, 2], inputShape: [6] })]).outputShapes).toEqual([[null, 3, 2]]);
    expect(() => layers.reshape({ targetShape: [-1, -1] })).toThrow(/targetShape must be a list of positive integers \(at most one -1\), got \[-1,-1\]/);
  });

  it('fit and evaluate refuse 0 samples', async () => {
    const { m, free } = small();
    const x = core.zeros([0, 3]);
    const y = core.zeros([0, 2]);
    await expect(m.fit(x, y)).rejects.toThrow(/^fit: x has 0 samples; fit needs at least one$/);
    await expect(m.evaluate(x, y)).rejects.toThrow(/^evaluate: x has 0 samples/);
    core.dispose([x, y]);
    free();
  });

  it('every layer option is checked by name, and unknown keys are refused', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => (layers.dense as (a?: unknown) => unknown)(), /^dense: units must be a positive integer, got undefined$/],
      [() => layers.dense({ units: 2, activityRegularizer: 'l2' } as never), /^dense: unknown option 'activityRegularizer'; valid: name, inputShape, batchInputShape, trainable, units,/],
      [() => layers.dense({ units: 2, useBias: 'no' as never }), /dense: useBias must be true or false, got 'no'/],
      [() => layers.dense({ units: 2, name: 5 as never }), /dense: name must be a non-empty string, got 5/],
      [() => layers.dense({ units: 2, trainable: 'no' as never }), /trainable must be true or false, got 'no'/],
      [() => layers.dense({ units: 2, kernelInitializer: 5 as never }), /initializer must be a name or an Initializer, got 5/],
      [() => layers.activation({} as never), /activation: needs an activation/],
      [() => layers.dropout({ rate: 1 }), /dropout: rate must be a number in \[0, 1\), got 1/],
      [() => layers.dropout({ rate: 0.5, seed: NaN }), /dropout: seed must be a finite number, got NaN/],
      [() => layers.embedding({ inputDim: 2.5, outputDim: 2 }), /embedding: inputDim must be a positive integer, got 2\.5/],
      [() => layers.batchNormalization({ momentum: 2 }), /batchNormalization: momentum must be a number in \[0, 1\], got 2/],
      [() => layers.batchNormalization({ epsilon: -1 }), /batchNormalization: epsilon must be a finite number > 0, got -1/],
      [() => layers.batchNormalization({ center: 1 as never }), /batchNormalization: center must be true or false/],
      [() => layers.layerNormalization({ epsilon: NaN }), /layerNormalization: epsilon must be a finite number > 0, got NaN/],
      [() => layers.concatenate({ axis: 1.5 }), /concatenate: axis must be an integer, got 1\.5/],
      [() => layers.flatten({ dataFormat: 'x' } as never), /flatten: unknown option 'dataFormat'/],
      [() => layers.conv1d({ filters: 2, kernelSize: 3, padding: 'full' as never }), /conv1d: padding must be one of 'valid', 'same', 'causal', got 'full'/],
      [() => layers.conv1d({ filters: 2, kernelSize: 0 }), /conv1d: kernelSize must be a positive integer, got 0/],
      [() => layers.conv1d({ filters: 2, kernelSize: 3, groups: 2 } as never), /conv1d: unknown option 'groups'/],
      [() => layers.maxPooling1d({ padding: 'causal' as never }), /maxPooling1d: padding must be one of 'valid', 'same', got 'causal'/],
      [() => layers.averagePooling1d({ poolSize: -2 }), /averagePooling1d: poolSize must be a positive integer, got -2/],
      [() => layers.globalMaxPooling1d({ keepDims: true } as never), /globalMaxPooling1d: unknown option 'keepDims'/],
      [() => input({ shape: [2], dtype: 'int32' } as never), /input: unknown option 'dtype'; valid: shape, name/],
      [() => sequential([], { name: '' }), /sequential: name must be a non-empty string, got ''/],
      [() => initializers.randomNormal({ stddev: -1 }), /randomNormal: stddev must be a finite number >= 0, got -1/],
      [() => initializers.glorotUniform({ seeed: 1 } as never), /glorotUniform: unknown option 'seeed'; valid: seed/],
      [() => losses.binaryCrossentropy(core.zeros([1]), core.zeros([1]), { labelSmoothing: 2 }), /labelSmoothing must be a number in \[0, 1\], got 2/],
    ];
    for (const [make, msg] of cases) expect(make).toThrow(msg);
  });

  it('compile checks the types of its arguments and metric names', () => {
    const m = sequential([layers.dense({ units: 1, inputShape: [1] })]);
    expect(() => m.compile({ optimizer: 5 as never, loss: 'mse' })).toThrow(/compile: optimizer must be a name or an Optimizer .*got 5/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 5 as never })).toThrow(/compile: loss must be a name or a function .*got 5/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: 'mae' as never })).toThrow(/compile: metrics must be a list/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae', 'mae'] })).toThrow(/metric name 'mae' is used twice/);
    m.compile({ optimizer: 'adamw', loss: 'mse', metrics: ['mae', 'mse'] });
    expect(m.optimizer!.className).toBe('AdamW');
    m.dispose();
  });
});
