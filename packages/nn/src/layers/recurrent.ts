// Recurrent layers (simpleRNN, lstm, gru) with Keras / TF.js weight layouts, and the wrappers
// bidirectional and timeDistributed. Inputs are [batch, steps, features].

import * as core from '@loom/core';
import { RECURRENT_ACTIVATIONS, SeededRandom, type RecurrentActivation, type RecurrentCell, type Tensor } from '@loom/core';
import { activationName, getActivation, type ActivationFn } from '../activations.js';
import type { Variable } from '../autograd/variable.js';
import { getConstraint, serializeConstraint, type Constraint } from '../constraints.js';
import { getInitializer, type Initializer } from '../initializers.js';
import { getRegularizer, serializeRegularizer, type Regularizer } from '../regularizers.js';
import { shapeText } from '../util.js';
import { bool, inRange, integer, oneOf, positiveInt } from '../validate.js';
import { dropoutMask, type ActivationSpec } from './core-layers.js';
import {
  isShapeList, Layer, layerArgs, one, serializeLayer, single, type LayerArgs, type LayerScope, type LayerShape,
} from './layer.js';

/** Arguments shared by the recurrent layers (Keras names and defaults). */
export interface RecurrentArgs extends LayerArgs {
  units: number;
  activation?: ActivationSpec;
  /** Gate activation of lstm/gru; default 'sigmoid' (Keras 2+; TF.js defaults to 'hardSigmoid'). */
  recurrentActivation?: ActivationSpec;
  useBias?: boolean;
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  dropout?: number;
  recurrentDropout?: number;
  kernelInitializer?: string | Initializer;
  recurrentInitializer?: string | Initializer;
  biasInitializer?: string | Initializer;
  kernelRegularizer?: string | Regularizer;
  recurrentRegularizer?: string | Regularizer;
  biasRegularizer?: string | Regularizer;
  kernelConstraint?: string | Constraint;
  recurrentConstraint?: string | Constraint;
  biasConstraint?: string | Constraint;
  /** lstm: forget-gate bias starts at 1 (Keras default true). */
  unitForgetBias?: boolean;
  /** gru: apply the reset gate after the recurrent matmul (Keras 2+ default true; bias [2, 3·units]). */
  resetAfter?: boolean;
  seed?: number;
  /**
   * Run the whole sequence in one backend kernel (forward and backward) where the activations allow
   * it (tanh, sigmoid, hardSigmoid, relu, linear) — default true. false keeps the step-by-step
   * composition of core ops, which is also the fused kernels' oracle.
   */
  fused?: boolean;
  /**
   * Carry the last states of one call into the next (streaming: one new sample per call). Needs a
   * fixed batch size (`batchInputShape: [batch, steps, features]`); `resetStates()` starts over.
   */
  stateful?: boolean;
}

function nameOf(layer: string, a: ActivationSpec | undefined, dflt: string): string {
  const n = activationName(a ?? dflt);
  if (n === undefined) throw new Error(`${layer}: a custom activation function cannot be saved`);
  return n;
}

/** The options every recurrent layer takes (beyond LayerArgs); lstm adds unitForgetBias, gru resetAfter. */
const RECURRENT_OPTIONS = [
  'units', 'activation', 'recurrentActivation', 'useBias', 'returnSequences', 'returnState', 'goBackwards', 'dropout',
  'recurrentDropout', 'kernelInitializer', 'recurrentInitializer', 'biasInitializer', 'seed', 'fused', 'stateful',
  'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer', 'kernelConstraint', 'recurrentConstraint', 'biasConstraint',
] as const;

/** The weights that take a regularizer and a constraint, and the option prefix of each. */
const PENALIZED = ['kernel', 'recurrent', 'bias'] as const;

/**
 * Base of simpleRNN, lstm and gru: input projection for all steps at once, then a step loop.
 * Apply to x, or to [x, ...initialStates] (lstm: [x, h, c]) as in an encoder–decoder.
 */
export abstract class Recurrent extends Layer {
  readonly args: RecurrentArgs;
  readonly units: number;
  readonly returnSequences: boolean;
  readonly returnState: boolean;
  readonly goBackwards: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly useBias: boolean;
  readonly stateful: boolean;
  protected readonly act: ActivationFn;
  protected readonly recAct: ActivationFn;
  kernel!: Variable;
  recurrentKernel!: Variable;
  bias?: Variable;
  protected abstract readonly gates: number;
  protected abstract readonly numStates: number;
  /** The cell as the fused kernel names it. */
  protected abstract readonly cell: RecurrentCell;
  private dropoutRng?: SeededRandom;
  /** stateful: the states the next call starts from (kept alive between calls; undefined = zeros). */
  private carried?: Tensor[];
  /** stateful: the batch size fixed at build. */
  private fixedBatch?: number;

  /** The initializers, resolved at construction so a bad name fails there. */
  protected readonly kernelInit: Initializer;
  protected readonly recurrentInit: Initializer;

  /** `op` is the factory's name (simpleRNN, lstm, gru); `own` the cell's options beyond the shared ones. */
  constructor(args: RecurrentArgs, op: string, own: readonly string[] = []) {
    const a = layerArgs(op, args, [...RECURRENT_OPTIONS, ...own]);
    super(a);
    this.args = a;
    this.units = positiveInt(op, 'units', a.units);
    this.returnSequences = bool(op, 'returnSequences', a.returnSequences, false);
    this.returnState = bool(op, 'returnState', a.returnState, false);
    this.goBackwards = bool(op, 'goBackwards', a.goBackwards, false);
    this.dropout = inRange(op, 'dropout', a.dropout, 0, 1, true, 0);
    this.recurrentDropout = inRange(op, 'recurrentDropout', a.recurrentDropout, 0, 1, true, 0);
    this.useBias = bool(op, 'useBias', a.useBias, true);
    this.stateful = bool(op, 'stateful', a.stateful, false);
    bool(op, 'fused', a.fused, true);
    if (a.seed !== undefined) integer(op, 'seed', a.seed);
    this.act = getActivation(a.activation ?? 'tanh');
    this.recAct = getActivation(a.recurrentActivation ?? 'sigmoid');
    this.kernelInit = getInitializer(a.kernelInitializer, 'glorotUniform', `${op} (kernelInitializer)`);
    this.recurrentInit = getInitializer(a.recurrentInitializer, 'orthogonal', `${op} (recurrentInitializer)`);
    getInitializer(a.biasInitializer, 'zeros', `${op} (biasInitializer)`);
    for (const w of PENALIZED) {
      this.extras[w] = {
        regularizer: getRegularizer(op, `${w}Regularizer`, a[`${w}Regularizer`]),
        constraint: getConstraint(op, `${w}Constraint`, a[`${w}Constraint`]),
      };
    }
  }

  /** Per weight: its regularizer and constraint (resolved at construction). */
  private readonly extras: Record<(typeof PENALIZED)[number], { regularizer?: Regularizer; constraint?: Constraint }> =
    { kernel: {}, recurrent: {}, bias: {} };

  protected override joined(scope: LayerScope): void {
    this.dropoutRng = new SeededRandom(this.args.seed ?? scope.nextSeed());
  }

  private get rng(): SeededRandom {
    this.joinedScope();
    return this.dropoutRng!;
  }

  protected abstract biasShape(): number[];
  protected biasInit(): Initializer {
    return getInitializer(this.args.biasInitializer, 'zeros');
  }

  /** The sequence input's shape; a list means [x, ...initialStates]. */
  protected seqShape(s: LayerShape | LayerShape[]): [number | null, number | null, number] {
    if (isShapeList(s) && s.length !== 1 + this.numStates) throw new Error(`${this.name}: ${this.statesHint()}, got ${s.length} inputs`);
    const sh = isShapeList(s) ? s[0] : s;
    if (sh.length !== 3 || sh[2] === null) throw new Error(`${this.name}: expected input [batch, steps, features], got ${shapeText(sh)}`);
    return sh as [number | null, number | null, number];
  }

  private statesHint(): string {
    return `expects x or [x, ${this.numStates === 2 ? 'h, c' : 'h'}] (initial states)`;
  }

  build(s: LayerShape | LayerShape[]): void {
    const sh = this.seqShape(s);
    if (this.stateful) {
      if (sh[0] === null) {
        throw new Error(`${this.name}: a stateful layer needs a fixed batch size; pass batchInputShape: [batch, steps, features]`);
      }
      this.fixedBatch = sh[0];
    }
    const g = this.gates * this.units;
    this.kernel = this.addWeight('kernel', [sh[2], g], this.kernelInit, true, this.extras.kernel);
    this.recurrentKernel = this.addWeight('recurrentKernel', [this.units, g], this.recurrentInit, true, this.extras.recurrent);
    if (this.useBias) this.bias = this.addWeight('bias', this.biasShape(), this.biasInit(), true, this.extras.bias);
  }

  /** The bias added to the input projection (all of it, except gru resetAfter's second row). */
  protected inputBias(): Tensor | undefined {
    return this.bias?.value;
  }

  /** One step: projected input zx [batch, gates·units], previous states (h first) → new states. */
  protected abstract step(zx: Tensor, states: Tensor[], hIn: Tensor): Tensor[];

  /**
   * `mask` ([batch, steps] bool) marks the real steps: at a masked step the states are carried over
   * unchanged and the output repeats the previous one (zeros before the first real step), as Keras.
   */
  call(inputs: Tensor | Tensor[], training: boolean, mask?: Tensor): Tensor | Tensor[] {
    return core.tidy(() => {
      let x = Array.isArray(inputs) ? inputs[0] : inputs;
      let initial = Array.isArray(inputs) ? inputs.slice(1) : [];
      if (Array.isArray(inputs) && initial.length !== this.numStates) {
        throw new Error(`${this.name}: ${this.statesHint()}, got ${inputs.length} inputs`);
      }
      const k = this.kernel.value;
      if (x.rank !== 3 || x.shape[2] !== k.shape[0]) {
        throw new Error(`${this.name}: expected input [batch, steps, ${k.shape[0]}], got ${shapeText([...x.shape])}`);
      }
      const [batch, steps] = x.shape;
      if (steps === 0) throw new Error(`${this.name}: input has 0 time steps`);
      if (this.stateful) {
        if (batch !== this.fixedBatch) {
          throw new Error(`${this.name}: this stateful layer's batch size is fixed at ${this.fixedBatch}, got an input of ${batch}`);
        }
        if (!initial.length && this.carried) initial = this.carried;
      }
      if (mask && (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== steps)) {
        throw new Error(`${this.name}: the mask must be [${batch}, ${steps}] (batch, steps), got ${shapeText([...mask.shape])}`);
      }
      if (this.goBackwards) x = core.reverse(x, 1);
      if (training && this.dropout > 0) x = core.mul(x, dropoutMask([batch, 1, x.shape[2]], this.dropout, this.rng));
      // The input projection of every step at once: one matmul with the bias in its epilogue.
      const zx = core.reshape(core.fusedMatmul(core.reshape(x, [batch * steps, x.shape[2]]), k, { bias: this.inputBias() }), [batch, steps, k.shape[1]]);
      const rmask = training && this.recurrentDropout > 0 ? dropoutMask([batch, this.units], this.recurrentDropout, this.rng) : undefined;
      initial.forEach((t, i) => {
        if (t.rank !== 2 || t.shape[0] !== batch || t.shape[1] !== this.units) {
          throw new Error(`${this.name}: initial state ${i} must be [${batch}, ${this.units}], got ${shapeText([...t.shape])}`);
        }
      });
      // NOTE: masked sequences take the composition: the fused kernels have no per-step mask input yet.
      if (!mask && this.fusedActivations && core.activeBackend().supports('recurrent', 'float32')) {
        const { output, finals } = this.callFused(zx, initial, rmask, this.fusedActivations);
        return this.finish(output, finals);
      }
      const perStep = core.unstack(zx, 1);
      let states = initial.length ? [...initial] : Array.from({ length: this.numStates }, () => core.zeros([batch, this.units]));
      const outs: Tensor[] = [];
      const keepSteps = mask ? core.unstack(core.expandDims(this.goBackwards ? core.reverse(mask, 1) : mask, -1), 1) : undefined;
      let previous = keepSteps ? core.zeros([batch, this.units]) : undefined;
      perStep.forEach((z, t) => {
        const hIn = rmask ? core.mul(states[0], rmask) : states[0];
        const next = this.step(z, states, hIn);
        if (keepSteps && previous) {
          const keep = keepSteps[t];
          states = next.map((s, i) => core.where(keep, s, states[i]));
          previous = core.where(keep, next[0], previous);
          outs.push(previous);
        } else {
          states = next;
          outs.push(states[0]);
        }
      });
      return this.finish(this.returnSequences ? core.stack(outs, 1) : outs[outs.length - 1], states);
    });
  }

  /** The layer's result from the output and the final states; a stateful layer keeps the states for its next call. */
  private finish(output: Tensor, finals: Tensor[]): Tensor | Tensor[] {
    if (this.stateful) this.carry(finals);
    return this.returnState ? [output, ...finals] : output;
  }

  private carry(states: readonly Tensor[]): void {
    const next = states.map((t) => core.keep(core.clone(t)));
    if (this.carried) core.dispose(this.carried);
    this.carried = next;
  }

  /**
   * stateful layers: the next call starts from `states` ([h] or lstm's [h, c], each [batch, units]),
   * or from zeros when none are given.
   */
  resetStates(states?: Tensor[]): void {
    if (!this.stateful) throw new Error(`${this.name}: resetStates applies to stateful layers (create it with stateful: true)`);
    if (states === undefined) {
      if (this.carried) core.dispose(this.carried);
      this.carried = undefined;
      return;
    }
    const batch = this.fixedBatch;
    if (!Array.isArray(states) || states.length !== this.numStates) {
      throw new Error(`${this.name}: resetStates takes ${this.numStates === 2 ? '[h, c]' : '[h]'}, got ${Array.isArray(states) ? `${states.length} tensors` : JSON.stringify(states)}`);
    }
    states.forEach((t, i) => {
      if (!(t instanceof core.Tensor) || t.rank !== 2 || (batch !== undefined && t.shape[0] !== batch) || t.shape[1] !== this.units) {
        const got = t instanceof core.Tensor ? shapeText([...t.shape]) : JSON.stringify(t);
        throw new Error(`${this.name}: resetStates: state ${i} must be [${batch ?? 'batch'}, ${this.units}], got ${got}`);
      }
    });
    this.carry(states);
  }

  /** The states a stateful layer's next call starts from (undefined: zeros). */
  get states(): readonly Tensor[] | undefined {
    return this.carried;
  }

  override dispose(): void {
    if (this.carried) core.dispose(this.carried);
    this.carried = undefined;
    super.dispose();
  }

  /** A recurrent layer consumes the mask; with returnSequences its output keeps it. */
  override computeMask(_inputs: Tensor | Tensor[], mask: Tensor | undefined): Tensor | undefined {
    return this.returnSequences && !this.returnState ? mask : undefined;
  }

  /** The activations as the fused kernel names them, or undefined when one of them has no kernel (or fused is off). */
  private get fusedActivations(): [RecurrentActivation, RecurrentActivation] | undefined {
    if (this.args.fused === false) return undefined;
    const names = [activationName(this.args.activation ?? 'tanh'), activationName(this.args.recurrentActivation ?? 'sigmoid')];
    const ok = names.every((n) => (RECURRENT_ACTIVATIONS as readonly (string | undefined)[]).includes(n));
    return ok ? (names as [RecurrentActivation, RecurrentActivation]) : undefined;
  }

  /** The recurrent bias the fused gru kernel adds to h·U (resetAfter's second bias row). */
  protected recurrentBias(): Tensor | undefined {
    return undefined;
  }

  /** The whole sequence in one kernel; the step loop in `call` is the same computation op by op. */
  private callFused(
    zx: Tensor, initial: Tensor[], rmask: Tensor | undefined, [activation, recurrentActivation]: [RecurrentActivation, RecurrentActivation],
  ): { output: Tensor; finals: Tensor[] } {
    const [batch, steps] = zx.shape;
    const seq = core.recurrentSequence(zx, this.recurrentKernel.value, {
      cell: this.cell, activation, recurrentActivation, resetAfter: this instanceof GRU ? this.resetAfter : undefined,
      initialState: initial.length ? initial : undefined, recurrentBias: this.recurrentBias(), recurrentMask: rmask,
    });
    // One step (streaming) needs no slice: the sequence is its last step.
    const last = (t: Tensor): Tensor =>
      core.reshape(steps === 1 ? t : core.slice(t, [0, steps - 1, 0], [batch, 1, this.units]), [batch, this.units]);
    return { output: this.returnSequences ? seq.h : last(seq.h), finals: [last(seq.h), ...(seq.c ? [last(seq.c)] : [])] };
  }

  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape | LayerShape[] {
    const sh = this.seqShape(s);
    const out: LayerShape = this.returnSequences ? [sh[0], sh[1], this.units] : [sh[0], this.units];
    if (!this.returnState) return out;
    return [out, ...Array.from({ length: this.numStates }, () => [sh[0], this.units] as LayerShape)];
  }

  getConfig(): Record<string, unknown> {
    return {
      units: this.units, activation: nameOf(this.name, this.args.activation, 'tanh'),
      recurrentActivation: nameOf(this.name, this.args.recurrentActivation, 'sigmoid'), useBias: this.useBias,
      returnSequences: this.returnSequences, returnState: this.returnState, goBackwards: this.goBackwards,
      dropout: this.dropout, recurrentDropout: this.recurrentDropout,
      ...(this.args.seed !== undefined ? { seed: this.args.seed } : {}),
      ...(this.args.fused === false ? { fused: false } : {}),
      ...(this.stateful ? { stateful: true } : {}),
      ...Object.fromEntries(PENALIZED.flatMap((w) => [
        ...(this.extras[w].regularizer ? [[`${w}Regularizer`, serializeRegularizer(this.extras[w].regularizer)]] : []),
        ...(this.extras[w].constraint ? [[`${w}Constraint`, serializeConstraint(this.extras[w].constraint)]] : []),
      ])),
    };
  }
}

/** h = activation(x·W + h·U + b). Weights: kernel [in, u], recurrentKernel [u, u], bias [u]. */
export class SimpleRNN extends Recurrent {
  readonly className = 'SimpleRNN';
  constructor(args: RecurrentArgs) {
    super(args, 'simpleRNN');
  }
  protected readonly cell = 'simpleRNN';
  protected readonly gates = 1;
  protected readonly numStates = 1;
  protected biasShape(): number[] { return [this.units]; }
  protected step(zx: Tensor, _s: Tensor[], hIn: Tensor): Tensor[] {
    return [this.act(core.add(zx, core.matmul(hIn, this.recurrentKernel.value)))];
  }
}

/**
 * LSTM with gates in Keras order i, f, c, o: kernel [in, 4u], recurrentKernel [u, 4u], bias [4u].
 * c' = f⊙c + i⊙act(z_c), h' = o⊙act(c'), gates through recurrentActivation.
 */
export class LSTM extends Recurrent {
  readonly className = 'LSTM';
  constructor(args: RecurrentArgs) {
    super(args, 'lstm', ['unitForgetBias']);
    bool('lstm', 'unitForgetBias', this.args.unitForgetBias, true);
  }
  protected readonly cell = 'lstm';
  protected readonly gates = 4;
  protected readonly numStates = 2;
  protected biasShape(): number[] { return [4 * this.units]; }
  protected override biasInit(): Initializer {
    if (this.args.unitForgetBias === false || this.args.biasInitializer) return super.biasInit();
    const u = this.units;
    return {
      name: 'lstmUnitForgetBias', config: {},
      create: () => core.tensor(Float32Array.from({ length: 4 * u }, (_, i) => (i >= u && i < 2 * u ? 1 : 0))),
    };
  }
  protected step(zx: Tensor, [, c]: Tensor[], hIn: Tensor): Tensor[] {
    const z = core.add(zx, core.matmul(hIn, this.recurrentKernel.value));
    const [zi, zf, zc, zo] = core.split(z, 4, 1);
    const cNext = core.add(core.mul(this.recAct(zf), c), core.mul(this.recAct(zi), this.act(zc)));
    const h = core.mul(this.recAct(zo), this.act(cNext));
    return [h, cNext];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), unitForgetBias: this.args.unitForgetBias ?? true };
  }
}

/**
 * GRU with gates in Keras order z, r, h. resetAfter true (default, Keras 2+): bias [2, 3u] (input
 * and recurrent rows), h̃ = act(x·W_h + r⊙(h·U_h + b_rh)). resetAfter false (TF.js): bias [3u],
 * h̃ = act(x·W_h + (r⊙h)·U_h + b_h). h' = z⊙h + (1 − z)⊙h̃.
 */
export class GRU extends Recurrent {
  readonly className = 'GRU';
  protected readonly cell = 'gru';
  protected readonly gates = 3;
  protected readonly numStates = 1;
  readonly resetAfter: boolean;
  constructor(args: RecurrentArgs) {
    super(args, 'gru', ['resetAfter']);
    this.resetAfter = bool('gru', 'resetAfter', this.args.resetAfter, true);
  }
  protected biasShape(): number[] { return this.resetAfter ? [2, 3 * this.units] : [3 * this.units]; }
  protected override inputBias(): Tensor | undefined {
    if (!this.bias) return undefined;
    return this.resetAfter ? core.reshape(core.slice(this.bias.value, [0, 0], [1, -1]), [3 * this.units]) : this.bias.value;
  }
  protected override recurrentBias(): Tensor | undefined {
    return this.resetAfter && this.bias ? core.reshape(core.slice(this.bias.value, [1, 0], [1, -1]), [3 * this.units]) : undefined;
  }
  protected step(zx: Tensor, [h]: Tensor[], hIn: Tensor): Tensor[] {
    const u = this.units;
    const U = this.recurrentKernel.value;
    const [xz, xr, xh] = core.split(zx, 3, 1);
    let z: Tensor;
    let hh: Tensor;
    if (this.resetAfter) {
      let inner = core.matmul(hIn, U);
      if (this.bias) inner = core.add(inner, core.reshape(core.slice(this.bias.value, [1, 0], [1, -1]), [3 * u]));
      const [iz, ir, ih] = core.split(inner, 3, 1);
      z = this.recAct(core.add(xz, iz));
      const r = this.recAct(core.add(xr, ir));
      hh = this.act(core.add(xh, core.mul(r, ih)));
    } else {
      const [hz, hr] = core.split(core.matmul(hIn, core.slice(U, [0, 0], [u, 2 * u])), 2, 1);
      z = this.recAct(core.add(xz, hz));
      const r = this.recAct(core.add(xr, hr));
      hh = this.act(core.add(xh, core.matmul(core.mul(r, hIn), core.slice(U, [0, 2 * u], [u, u]))));
    }
    return [core.add(core.mul(z, h), core.mul(core.sub(1, z), hh))];
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), resetAfter: this.resetAfter };
  }
}

/** How bidirectional outputs are combined. */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

/** Runs a recurrent layer forwards and a copy backwards and merges the outputs. */
export class Bidirectional extends Layer {
  readonly className = 'Bidirectional';
  readonly forward: Recurrent;
  readonly backward: Recurrent;
  readonly mergeMode: MergeMode;
  constructor(args: LayerArgs & { layer: Recurrent; mergeMode?: MergeMode }) {
    super(args);
    const fwd = args.layer;
    if (!(fwd instanceof Recurrent)) throw new Error('bidirectional: layer must be a simpleRNN, lstm or gru layer');
    if (fwd.returnState) throw new Error('bidirectional: returnState is not supported on the wrapped layer');
    this.forward = fwd;
    // The copy is made from the saved config, as loading a model would recreate it; it is named
    // `backward_<forward name>` when the wrapper joins a model.
    const { config } = serializeLayer(fwd);
    const Copy = fwd.constructor as new (a: RecurrentArgs) => Recurrent;
    this.backward = new Copy({ ...config, name: undefined, goBackwards: !fwd.goBackwards, batchInputShape: undefined } as RecurrentArgs);
    this.mergeMode = args.mergeMode ?? 'concat';
    oneOf('bidirectional', 'mergeMode', this.mergeMode, ['concat', 'sum', 'mul', 'ave']);
    if (!this.batchInputShape && fwd.batchInputShape) this.batchInputShape = fwd.batchInputShape;
  }
  protected override joined(scope: LayerScope): void {
    this.forward.adopt(scope);
    this.backward.adopt(scope, `backward_${this.forward.name}`);
  }
  override get weights(): Variable[] { return [...this.forward.weights, ...this.backward.weights]; }
  // The wrapped layers hold the weights, so their penalties and projections are the wrapper's.
  override regularizationLoss(): Tensor | null {
    if (!this.trainable) return null;
    const parts = [this.forward.regularizationLoss(), this.backward.regularizationLoss()].filter((p): p is Tensor => p !== null);
    if (parts.length < 2) return parts[0] ?? null;
    const sum = core.add(parts[0], parts[1]);
    core.dispose(parts);
    return sum;
  }
  override applyConstraints(): void {
    if (!this.trainable) return;
    this.forward.applyConstraints();
    this.backward.applyConstraints();
  }
  build(s: LayerShape | LayerShape[]): void {
    this.forward.ensureBuilt(s);
    this.backward.ensureBuilt(s);
  }
  call(inputs: Tensor | Tensor[], training: boolean, mask?: Tensor): Tensor {
    return core.tidy(() => {
      const yf = this.forward.call(inputs, training, mask) as Tensor;
      let yb = this.backward.call(inputs, training, mask) as Tensor;
      if (this.forward.returnSequences) yb = core.reverse(yb, 1);
      switch (this.mergeMode) {
        case 'concat': return core.concat([yf, yb], -1);
        case 'sum': return core.add(yf, yb);
        case 'mul': return core.mul(yf, yb);
        default: return core.mul(core.add(yf, yb), 0.5);
      }
    });
  }
  override computeMask(_inputs: Tensor | Tensor[], mask: Tensor | undefined): Tensor | undefined {
    return this.forward.returnSequences ? mask : undefined;
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    const out = this.forward.computeOutputShape(s) as LayerShape;
    if (this.mergeMode !== 'concat') return out;
    return [...out.slice(0, -1), (out[out.length - 1] as number) * 2];
  }
  getConfig(): Record<string, unknown> { return { layer: serializeLayer(this.forward), mergeMode: this.mergeMode }; }
  override dispose(): void { this.forward.dispose(); this.backward.dispose(); }
}

/** Applies a layer to every time step: [batch, steps, ...] → [batch, steps, ...out]. */
export class TimeDistributed extends Layer {
  readonly className = 'TimeDistributed';
  protected override readonly supportsMasking = true;
  readonly layer: Layer;
  constructor(args: LayerArgs & { layer: Layer }) {
    super(args);
    if (!(args.layer instanceof Layer)) throw new Error('timeDistributed: layer must be a layer');
    this.layer = args.layer;
  }
  protected override joined(scope: LayerScope): void {
    this.layer.adopt(scope);
  }
  override get weights(): Variable[] { return this.layer.weights; }
  private inner(s: LayerShape): LayerShape {
    if (s.length < 3) throw new Error(`${this.name}: expected input [batch, steps, ...], got ${shapeText(s)}`);
    return [null, ...s.slice(2)];
  }
  build(s: LayerShape | LayerShape[]): void { this.layer.ensureBuilt(this.inner(single(this.name, s))); }
  call(inputs: Tensor | Tensor[], training: boolean): Tensor {
    return core.tidy(() => {
      const x = one(this.name, inputs);
      if (x.rank < 3) throw new Error(`${this.name}: expected input [batch, steps, ...], got ${shapeText([...x.shape])}`);
      const [b, t] = x.shape;
      const y = this.layer.call(core.reshape(x, [b * t, ...x.shape.slice(2)]), training);
      if (Array.isArray(y)) throw new Error(`${this.name}: the wrapped layer must return one tensor`);
      return core.reshape(y, [b, t, ...y.shape.slice(1)]);
    });
  }
  computeOutputShape(s: LayerShape | LayerShape[]): LayerShape {
    const sh = single(this.name, s);
    const o = this.layer.computeOutputShape(this.inner(sh));
    if (isShapeList(o)) throw new Error(`${this.name}: the wrapped layer must have one output`);
    return [sh[0], sh[1], ...o.slice(1)];
  }
  getConfig(): Record<string, unknown> { return { layer: serializeLayer(this.layer) }; }
  override dispose(): void { this.layer.dispose(); }
}
