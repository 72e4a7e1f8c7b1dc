// Multi-head attention (Keras 3 layout and semantics) over [batch, steps, features] sequences:
// scaled dot-product softmax over the key steps, optional causal and explicit masks, dropout on the
// attention probabilities in training.

import * as core from '@loom/core';
import { SeededRandom, Tensor } from '@loom/core';
import type { Variable } from '../autograd/variable.js';
import { getInitializer, type Initializer } from '../initializers.js';
import { shapeText } from '../util.js';
import { bool, checkOptions, given, inRange, positiveInt } from '../validate.js';
import { dropoutMask } from './core-layers.js';
import { isShapeList, Layer, layerArgs, type LayerArgs, type LayerScope, type LayerShape } from './layer.js';

/** Arguments of multiHeadAttention (Keras names). */
export interface MultiHeadAttentionArgs extends LayerArgs {
  numHeads: number;
  /** Size of each head's query and key projection. */
  keyDim: number;
  /** Size of each head's value projection (default keyDim). */
  valueDim?: number;
  /** Dropout rate on the attention probabilities (training only). */
  dropout?: number;
  useBias?: boolean;
  /** Last dimension of the output (default: the query's). */
  outputShape?: number;
  kernelInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  /**
   * Applies the causal mask (step i attends to key steps ≤ i) on every call; Keras takes it per call,
   * which a functional graph cannot carry, so it is also a saved option here.
   */
  useCausalMask?: boolean;
  seed?: number;
}

/** Per-call options of `attend`. */
export interface AttentionCallOptions {
  /** Keys (default: the values). */
  key?: Tensor;
  /** [batch, querySteps, keySteps]: true/1 where a query step may attend to a key step. */
  attentionMask?: Tensor;
  useCausalMask?: boolean;
  training?: boolean;
}

type Seq = [number | null, number | null, number];

function seq(layer: string, what: string, s: LayerShape): Seq {
  if (s.length !== 3 || s[2] === null) {
    throw new Error(`${layer}: expected ${what} [batch, steps, features] with known features, got ${shapeText(s)}`);
  }
  return s as Seq;
}

/**
 * Attention with numHeads heads. Weights (Keras 3 order and shapes): query kernel [queryDim, numHeads,
 * keyDim] and bias [numHeads, keyDim]; key likewise from keyDim inputs; value kernel [valueInDim,
 * numHeads, valueDim], bias [numHeads, valueDim]; attention_output kernel [numHeads, valueDim, outDim],
 * bias [outDim]. Applied to [query, value] or [query, value, key].
 */
export class MultiHeadAttention extends Layer {
  readonly className = 'MultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly outputShape?: number;
  readonly useCausalMask: boolean;
  readonly seed?: number;
  private readonly kernelInit: Initializer;
  private readonly biasInit: Initializer;
  private rng?: SeededRandom;
  private w: Record<'query' | 'key' | 'value' | 'out', { kernel: Variable; bias?: Variable }> | undefined;

  constructor(args: MultiHeadAttentionArgs) {
    const op = 'multiHeadAttention';
    const a = layerArgs(op, args, [
      'numHeads', 'keyDim', 'valueDim', 'dropout', 'useBias', 'outputShape', 'kernelInitializer', 'biasInitializer', 'useCausalMask',
      'seed',
    ]);
    super(a);
    this.numHeads = positiveInt(op, 'numHeads', a.numHeads);
    this.keyDim = positiveInt(op, 'keyDim', a.keyDim);
    this.valueDim = positiveInt(op, 'valueDim', a.valueDim ?? undefined, this.keyDim);
    this.dropout = inRange(op, 'dropout', a.dropout, 0, 1, true, 0);
    this.useBias = bool(op, 'useBias', a.useBias, true);
    // NOTE: Keras also writes a one-element list for outputShape.
    const os: unknown = a.outputShape;
    if (os !== undefined && os !== null) this.outputShape = positiveInt(op, 'outputShape', Array.isArray(os) && os.length === 1 ? os[0] : os);
    this.useCausalMask = bool(op, 'useCausalMask', a.useCausalMask, false);
    if (a.seed !== undefined && !Number.isFinite(a.seed)) throw new Error(`${op}: seed must be a finite number, got ${given(a.seed)}`);
    this.seed = a.seed;
    this.kernelInit = getInitializer(a.kernelInitializer, 'glorotUniform', `${op} (kernelInitializer)`);
    this.biasInit = getInitializer(a.biasInitializer, 'zeros', `${op} (biasInitializer)`);
  }

  protected override joined(scope: LayerScope): void {
    this.rng = new SeededRandom(this.seed ?? scope.nextSeed());
  }

  private shapes(s: LayerShape | LayerShape[]): { q: Seq; v: Seq; k: Seq } {
    if (!isShapeList(s) || s.length < 2 || s.length > 3) {
      throw new Error(`${this.name}: expects a list [query, value] or [query, value, key], got ` +
        `${isShapeList(s) ? `${s.length} inputs` : `one input ${shapeText(s)}`}`);
    }
    const q = seq(this.name, 'query', s[0]);
    const v = seq(this.name, 'value', s[1]);
    const k = s.length === 3 ? seq(this.name, 'key', s[2]) : v;
    if (k[1] !== null && v[1] !== null && k[1] !== v[1]) {
      throw new Error(`${this.name}: key and value need the same number of steps, got key ${shapeText(k)} and value ${shapeText(v)}`);
    }
    return { q, v, k };
  }

  build(s: LayerShape | LayerShape[]): void {
    const { q, v, k } = this.shapes(s);
    const h = this.numHeads;
    const dense = (name: string, kernel: number[], bias: number[]) => ({
      kernel: this.addWeight(`${name}/kernel`, kernel, this.kernelInit),
      ...(this.useBias ? { bias: this.addWeight(`${name}/bias`, bias, this.biasInit) } : {}),
    });
    const query = dense('query', [q[2], h, this.keyDim], [h, this.keyDim]);
    const key = dense('key', [k[2], h, this.keyDim], [h, this.keyDim]);
    const value = dense('value', [v[2], h, this.valueDim], [h, this.valueDim]);
    const out = dense('attention_output', [h, this.valueDim, this.outputShape ?? q[2]], [this.outputShape ?? q[2]]);
    this.w = { query, key, value, out };
  }

  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    const { q } = this.shapes(s);
    return [q[0], q[1], this.outputShape ?? q[2]];
  }

  call(inputs: Tensor | Tensor[], training: boolean): Tensor {
    if (!Array.isArray(inputs) || inputs.length < 2 || inputs.length > 3) {
      throw new Error(`${this.name}: expects a list [query, value] or [query, value, key], got ` +
        `${Array.isArray(inputs) ? `${inputs.length} inputs` : given(inputs)}`);
    }
    return this.attend(inputs[0], inputs[1], { key: inputs[2], training });
  }

  /** Direct use: attention of `query` over `value` (and `key`), with per-call masks. Builds on first use. */
  attend(query: Tensor, value: Tensor, options: AttentionCallOptions = {}): Tensor {
    checkOptions(this.name, options, ['key', 'attentionMask', 'useCausalMask', 'training']);
    const { key = value, attentionMask, training = false } = options;
    const useCausal = bool(this.name, 'useCausalMask', options.useCausalMask, this.useCausalMask);
    for (const [what, t] of [['query', query], ['value', value], ['key', key]] as const) {
      if (!(t instanceof Tensor)) throw new Error(`${this.name}: ${what} must be a Tensor, got ${given(t)}`);
    }
    const shapes = [query, value, key].map((t) => [null, ...t.shape.slice(1)] as LayerShape);
    this.ensureBuilt(shapes);
    const w = this.w!;
    const [b, tq] = query.shape;
    const tv = value.shape[1];
    for (const [what, t, want] of [['query', query, w.query], ['value', value, w.value], ['key', key, w.key]] as const) {
      if (t.rank !== 3 || t.shape[0] !== b || t.shape[2] !== want.kernel.shape[0] || (what !== 'query' && t.shape[1] !== tv)) {
        throw new Error(`${this.name}: expected ${what} [${b}, ${what === 'query' ? 'steps' : tv}, ${want.kernel.shape[0]}], ` +
          `got ${shapeText([...t.shape])}`);
      }
    }
    if (attentionMask !== undefined) {
      const ok = attentionMask instanceof Tensor && attentionMask.rank === 3 && attentionMask.shape[0] === b &&
        attentionMask.shape[1] === tq && attentionMask.shape[2] === tv;
      if (!ok) throw new Error(`${this.name}: attentionMask must be a Tensor [${b}, ${tq}, ${tv}], got ${given(attentionMask)}`);
    }
    return core.tidy(() => {
      const h = this.numHeads;
      // [b, t, d] → [b, heads, t, size] through the kernel [d, heads, size] (flattened for one matmul).
      const project = (x: Tensor, p: { kernel: Variable; bias?: Variable }): Tensor => {
        const [d, , size] = p.kernel.shape;
        const t = x.shape[1];
        let y = core.matmul(core.reshape(x, [-1, d]), core.reshape(p.kernel.value, [d, h * size]));
        if (p.bias) y = core.add(y, core.reshape(p.bias.value, [h * size]));
        return core.transpose(core.reshape(y, [b, t, h, size]), [0, 2, 1, 3]);
      };
      const q = core.mul(project(query, w.query), 1 / Math.sqrt(this.keyDim));
      const k = project(key, w.key);
      const v = project(value, w.value);
      let scores = core.matmul(q, k, { transposeB: true }); // [b, heads, tq, tv]
      let mask: Tensor | undefined = attentionMask ? core.expandDims(core.cast(attentionMask, 'float32'), 1) : undefined;
      if (useCausal) {
        const tri = new Float32Array(tq * tv);
        // Keras aligns the causal mask at the start: query step i sees key steps 0..i.
        for (let i = 0; i < tq; i++) for (let j = 0; j <= Math.min(i, tv - 1); j++) tri[i * tv + j] = 1;
        const causal = core.tensor(tri, [tq, tv]);
        mask = mask ? core.mul(mask, causal) : causal;
      }
      // Masked scores get −1e9 added, as Keras's masked softmax does, so they weigh nothing.
      if (mask) scores = core.add(scores, core.mul(core.sub(1, mask), -1e9));
      let probs = core.softmax(scores, -1);
      if (training && this.dropout > 0) {
        this.joinedScope();
        probs = core.mul(probs, dropoutMask(probs.shape, this.dropout, this.rng!));
      }
      const o = core.transpose(core.matmul(probs, v), [0, 2, 1, 3]); // [b, tq, heads, valueDim]
      const outDim = w.out.kernel.shape[2];
      let y = core.matmul(core.reshape(o, [-1, h * this.valueDim]), core.reshape(w.out.kernel.value, [h * this.valueDim, outDim]));
      if (w.out.bias) y = core.add(y, w.out.bias.value);
      return core.reshape(y, [b, tq, outDim]);
    });
  }

  getConfig(): Record<string, unknown> {
    return {
      numHeads: this.numHeads, keyDim: this.keyDim, valueDim: this.valueDim, dropout: this.dropout, useBias: this.useBias,
      ...(this.outputShape !== undefined ? { outputShape: this.outputShape } : {}), useCausalMask: this.useCausalMask,
      ...(this.seed !== undefined ? { seed: this.seed } : {}),
    };
  }
}
