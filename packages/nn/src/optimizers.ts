// Optimizers (sgd with momentum/nesterov, adam, adamW, rmsprop, adagrad) with gradient clipping
// by value, by norm and by global norm, and learning-rate schedules. Keras update rules.

import * as core from '@loom/core';
import { keep, type Tensor } from '@loom/core';
import type { Variable } from './autograd/variable.js';
import { tidyValue } from './util.js';
import { bool, checkOptions, given, inRange, lookup, nonNegative, nonNegativeInt, positive } from './validate.js';

/** A learning rate as a function of the step (0-based count of applied updates). */
export interface LearningRateSchedule {
  (step: number): number;
  readonly config: Record<string, unknown>;
}

/** A constant or a schedule. */
export type LearningRate = number | LearningRateSchedule;

function schedule(config: Record<string, unknown>, f: (step: number) => number): LearningRateSchedule {
  return Object.assign((step: number) => f(step), { config });
}

/** lr₀ · rate^(step / decaySteps) (floored exponent when `staircase`). */
export function exponentialDecay(o: { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }): LearningRateSchedule {
  const op = 'exponentialDecay';
  checkOptions(op, o, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase']);
  if (o === undefined) throw new Error(`${op}: needs { initialLearningRate, decaySteps, decayRate, staircase? }`);
  const lr0 = nonNegative(op, 'initialLearningRate', o.initialLearningRate);
  const decaySteps = positive(op, 'decaySteps', o.decaySteps);
  const decayRate = positive(op, 'decayRate', o.decayRate);
  const staircase = bool(op, 'staircase', o.staircase, false);
  return schedule({ type: 'exponentialDecay', ...o }, (s) => {
    const p = s / decaySteps;
    return lr0 * Math.pow(decayRate, staircase ? Math.floor(p) : p);
  });
}

/** lr₀ · gamma^⌊step / stepSize⌋. */
export function stepDecay(o: { initialLearningRate: number; stepSize: number; gamma?: number }): LearningRateSchedule {
  const op = 'stepDecay';
  checkOptions(op, o, ['initialLearningRate', 'stepSize', 'gamma']);
  if (o === undefined) throw new Error(`${op}: needs { initialLearningRate, stepSize, gamma? }`);
  const lr0 = nonNegative(op, 'initialLearningRate', o.initialLearningRate);
  const stepSize = positive(op, 'stepSize', o.stepSize);
  const gamma = positive(op, 'gamma', o.gamma, 0.1);
  return schedule({ type: 'stepDecay', ...o, gamma }, (s) => lr0 * Math.pow(gamma, Math.floor(s / stepSize)));
}

/**
 * Linear warm-up from `initialLearningRate` to `warmupTarget` (default: the same) over
 * `warmupSteps`, then cosine decay to alpha·peak over `decaySteps`.
 */
export function cosineDecay(o: { initialLearningRate: number; decaySteps: number; alpha?: number; warmupSteps?: number; warmupTarget?: number }): LearningRateSchedule {
  const op = 'cosineDecay';
  checkOptions(op, o, ['initialLearningRate', 'decaySteps', 'alpha', 'warmupSteps', 'warmupTarget']);
  if (o === undefined) throw new Error(`${op}: needs { initialLearningRate, decaySteps, alpha?, warmupSteps?, warmupTarget? }`);
  const lr0 = nonNegative(op, 'initialLearningRate', o.initialLearningRate);
  const decaySteps = positive(op, 'decaySteps', o.decaySteps);
  const alpha = inRange(op, 'alpha', o.alpha, 0, 1, false, 0);
  const warm = nonNegativeInt(op, 'warmupSteps', o.warmupSteps, 0);
  const peak = nonNegative(op, 'warmupTarget', o.warmupTarget, lr0);
  return schedule({ type: 'cosineDecay', ...o }, (s) => {
    if (s < warm) return lr0 + (peak - lr0) * (s / warm);
    const t = Math.min(s - warm, decaySteps) / decaySteps;
    return peak * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * t)) + alpha);
  });
}

/** Options every optimizer accepts. */
export interface OptimizerOptions {
  /** A finite number > 0, or a schedule of the step (its values must be finite and >= 0). */
  learningRate?: LearningRate;
  /** Clip each gradient elementwise to [−clipValue, clipValue]. */
  clipValue?: number;
  /** Rescale each gradient whose L2 norm exceeds clipNorm. */
  clipNorm?: number;
  /** Rescale all gradients together when their joint L2 norm exceeds globalClipNorm. */
  globalClipNorm?: number;
}

const BASE_OPTIONS = ['learningRate', 'clipValue', 'clipNorm', 'globalClipNorm'] as const;

/**
 * @internal An update computed but not applied yet: `magnitudes` holds max |new value| per variable
 * (NaN or Infinity there means the update would break that weight), read before `apply`.
 */
export interface PendingUpdate {
  readonly variables: readonly Variable[];
  readonly magnitudes: Tensor;
  apply(): void;
  /** Frees what `apply` did not take (a no-op after apply). */
  discard(): void;
}

/** Base optimizer: clipping, schedule, per-variable slots; subclasses give one update rule. */
export abstract class Optimizer {
  abstract readonly className: string;
  learningRate: LearningRate;
  /** Number of applied updates. */
  iterations = 0;
  readonly clipValue?: number;
  readonly clipNorm?: number;
  readonly globalClipNorm?: number;
  private readonly slots = new Map<Variable, Tensor[]>();
  private readonly label: string;

  /** `extraOptions`: the subclass's own option names, so a misspelt option is refused, not ignored. */
  constructor(o: OptimizerOptions, defaultLr: number, extraOptions: readonly string[]) {
    this.label = new.target.name;
    checkOptions(this.label, o, [...BASE_OPTIONS, ...extraOptions]);
    const lr = o.learningRate ?? defaultLr;
    if (typeof lr !== 'function' && !(typeof lr === 'number' && Number.isFinite(lr) && lr > 0)) {
      throw new Error(`${this.label}: learningRate must be a finite number > 0 or a schedule function, got ${given(lr)}`);
    }
    this.learningRate = lr;
    this.clipValue = o.clipValue === undefined ? undefined : positive(this.label, 'clipValue', o.clipValue);
    this.clipNorm = o.clipNorm === undefined ? undefined : positive(this.label, 'clipNorm', o.clipNorm);
    this.globalClipNorm = o.globalClipNorm === undefined ? undefined : positive(this.label, 'globalClipNorm', o.globalClipNorm);
  }

  /** The learning rate for the next update; a schedule's value is checked at every step. */
  currentLearningRate(): number {
    const step = this.iterations;
    if (typeof this.learningRate === 'function') {
      const lr = this.learningRate(step);
      if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
        throw new Error(`${this.label}: the learning-rate schedule returned ${given(lr)} at step ${step}; valid: a finite number >= 0`);
      }
      return lr;
    }
    // NOTE: learningRate is writable (reduceLROnPlateau lowers it), so it is checked here too.
    const lr: unknown = this.learningRate;
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new Error(`${this.label}: learningRate is ${given(lr)} at step ${step}; valid: a finite number >= 0 or a schedule function`);
    }
    return lr;
  }

  /** Initial slot tensors for a variable (e.g. zeros for momentum). */
  protected abstract initSlots(v: Variable): Tensor[];

  /** New value and slots from the gradient. `t` is the 1-based step. */
  protected abstract update(w: Tensor, g: Tensor, slots: Tensor[], lr: number, t: number): { value: Tensor; slots: Tensor[] };

  /** Applies one update to every variable in `grads` (gradients are not disposed). */
  applyGradients(grads: Map<Variable, Tensor> | [Variable, Tensor][]): void {
    this.prepareUpdate(grads).apply();
  }

  /** @internal Computes the update of `applyGradients` without applying it, so a caller can check it first. */
  prepareUpdate(grads: Map<Variable, Tensor> | [Variable, Tensor][]): PendingUpdate {
    const entries = [...grads];
    const lr = this.currentLearningRate();
    const t = this.iterations + 1;
    const next = tidyValue(() => {
      let gs = entries.map(([, g]) => g);
      if (this.clipValue !== undefined) gs = gs.map((g) => core.clip(g, -this.clipValue!, this.clipValue!));
      if (this.clipNorm !== undefined) {
        const c = this.clipNorm;
        gs = gs.map((g) => core.mul(g, core.minimum(1, core.div(c, core.maximum(core.sqrt(core.sum(core.square(g))), 1e-12)))));
      }
      if (this.globalClipNorm !== undefined && gs.length > 0) {
        const total = core.sqrt(gs.map((g) => core.sum(core.square(g))).reduce((a, b) => core.add(a, b)));
        const scale = core.minimum(1, core.div(this.globalClipNorm, core.maximum(total, 1e-12)));
        gs = gs.map((g) => core.mul(g, scale));
      }
      const out = entries.map(([v], i) => {
        let slots = this.slots.get(v);
        if (!slots) {
          slots = this.initSlots(v).map((s) => keep(s));
          this.slots.set(v, slots);
        }
        const r = this.update(v.value, gs[i], slots, lr, t);
        // A slot passed through unchanged is copied: the old slots are disposed when this update applies.
        return { value: keep(r.value), slots: r.slots.map((s) => keep(slots.includes(s) ? core.clone(s) : s)) };
      });
      // max |x| is finite exactly when every x is (NaN propagates through max).
      const maxAbs = (x: Tensor): Tensor => (x.size ? core.max(core.abs(x)) : core.scalar(0));
      const mags = out.length ? core.stack(out.map((r) => maxAbs(r.value))) : core.zeros([0]);
      return { out, magnitudes: keep(mags) };
    });
    let open = true;
    const discard = (): void => {
      if (!open) return;
      open = false;
      next.magnitudes.dispose();
      for (const r of next.out) core.dispose([r.value, r.slots]);
    };
    return {
      variables: entries.map(([v]) => v),
      magnitudes: next.magnitudes,
      apply: () => {
        if (!open) throw new Error(`${this.label}: this update was already applied or discarded`);
        entries.forEach(([v], i) => {
          v.assign(next.out[i].value);
          for (const s of this.slots.get(v)!) s.dispose();
          this.slots.set(v, next.out[i].slots);
          next.out[i].slots = [];
        });
        this.iterations++;
        discard();
      },
      discard,
    };
  }
  /** Serializable settings. */
  getConfig(): Record<string, unknown> {
    return {
      learningRate: typeof this.learningRate === 'number' ? this.learningRate : this.learningRate.config,
      clipValue: this.clipValue, clipNorm: this.clipNorm, globalClipNorm: this.globalClipNorm,
    };
  }

  /** Frees the slot tensors. */
  dispose(): void {
    for (const s of this.slots.values()) for (const t of s) t.dispose();
    this.slots.clear();
  }
}

/** SGD: v = μv − lr·g; w += v (nesterov: w += μv − lr·g). Plain w −= lr·g when momentum is 0. */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor(o: OptimizerOptions & { momentum?: number; nesterov?: boolean } = {}) {
    super(o, 0.01, ['momentum', 'nesterov']);
    this.momentum = inRange('SGD', 'momentum', o.momentum, 0, 1, true, 0);
    this.nesterov = bool('SGD', 'nesterov', o.nesterov, false);
  }
  protected initSlots(v: Variable): Tensor[] { return this.momentum ? [core.zerosLike(v.value)] : []; }
  protected update(w: Tensor, g: Tensor, slots: Tensor[], lr: number) {
    if (!this.momentum) return { value: core.sub(w, core.mul(g, lr)), slots: [] };
    const v = core.sub(core.mul(slots[0], this.momentum), core.mul(g, lr));
    const value = this.nesterov ? core.add(w, core.sub(core.mul(v, this.momentum), core.mul(g, lr))) : core.add(w, v);
    return { value, slots: [v] };
  }
  override getConfig() { return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov }; }
}

/** Options of adam (and adamW): beta1, beta2 in [0, 1), epsilon > 0. */
export type AdamOptions = OptimizerOptions & { beta1?: number; beta2?: number; epsilon?: number };

/** Adam (Keras form): lr_t = lr·√(1−β₂ᵗ)/(1−β₁ᵗ), w −= lr_t·m / (√v + ε). */
export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** `extraOptions` is for subclasses (adamW's weightDecay). */
  constructor(o: AdamOptions = {}, extraOptions: readonly string[] = []) {
    super(o, 0.001, ['beta1', 'beta2', 'epsilon', ...extraOptions]);
    const name = new.target.name;
    this.beta1 = inRange(name, 'beta1', o.beta1, 0, 1, true, 0.9);
    this.beta2 = inRange(name, 'beta2', o.beta2, 0, 1, true, 0.999);
    this.epsilon = positive(name, 'epsilon', o.epsilon, 1e-7);
  }
  protected initSlots(v: Variable): Tensor[] { return [core.zerosLike(v.value), core.zerosLike(v.value)]; }
  protected update(w: Tensor, g: Tensor, [m0, v0]: Tensor[], lr: number, t: number) {
    const stepSize = (lr * Math.sqrt(1 - Math.pow(this.beta2, t))) / (1 - Math.pow(this.beta1, t));
    // One kernel per variable (core's adamUpdate) instead of a dozen elementwise passes.
    const { value, m, v } = core.adamUpdate(w, g, m0, v0, { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, stepSize });
    return { value, slots: [m, v] };
  }
  override getConfig() { return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon }; }
}

/** AdamW: Adam plus decoupled weight decay w −= lr·λ·w (λ default 0.004, as Keras; λ >= 0). */
export class AdamW extends Adam {
  override readonly className = 'AdamW';
  readonly weightDecay: number;
  constructor(o: AdamOptions & { weightDecay?: number } = {}) {
    super(o, ['weightDecay']);
    this.weightDecay = nonNegative('AdamW', 'weightDecay', o.weightDecay, 0.004);
  }
  protected override update(w: Tensor, g: Tensor, slots: Tensor[], lr: number, t: number) {
    const decayed = core.sub(w, core.mul(w, lr * this.weightDecay));
    return super.update(decayed, g, slots, lr, t);
  }
  override getConfig() { return { ...super.getConfig(), weightDecay: this.weightDecay }; }
}

/** RMSprop: v = ρv + (1−ρ)g², w −= lr·g / (√v + ε) (with optional momentum); ρ, momentum in [0, 1). */
export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  constructor(o: OptimizerOptions & { rho?: number; momentum?: number; epsilon?: number } = {}) {
    super(o, 0.001, ['rho', 'momentum', 'epsilon']);
    this.rho = inRange('RMSprop', 'rho', o.rho, 0, 1, true, 0.9);
    this.momentum = inRange('RMSprop', 'momentum', o.momentum, 0, 1, true, 0);
    this.epsilon = positive('RMSprop', 'epsilon', o.epsilon, 1e-7);
  }
  protected initSlots(v: Variable): Tensor[] {
    return this.momentum ? [core.zerosLike(v.value), core.zerosLike(v.value)] : [core.zerosLike(v.value)];
  }
  protected update(w: Tensor, g: Tensor, slots: Tensor[], lr: number) {
    const v = core.add(core.mul(slots[0], this.rho), core.mul(core.square(g), 1 - this.rho));
    const step = core.div(core.mul(g, lr), core.add(core.sqrt(v), this.epsilon));
    if (!this.momentum) return { value: core.sub(w, step), slots: [v] };
    const mom = core.add(core.mul(slots[1], this.momentum), step);
    return { value: core.sub(w, mom), slots: [v, mom] };
  }
  override getConfig() { return { ...super.getConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon }; }
}

/** Adagrad: a += g², w −= lr·g / (√a + ε); a starts at 0.1 (any finite value >= 0). */
export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  constructor(o: OptimizerOptions & { initialAccumulatorValue?: number; epsilon?: number } = {}) {
    super(o, 0.001, ['initialAccumulatorValue', 'epsilon']);
    this.initialAccumulatorValue = nonNegative('Adagrad', 'initialAccumulatorValue', o.initialAccumulatorValue, 0.1);
    this.epsilon = positive('Adagrad', 'epsilon', o.epsilon, 1e-7);
  }
  protected initSlots(v: Variable): Tensor[] { return [core.add(core.zerosLike(v.value), this.initialAccumulatorValue)]; }
  protected update(w: Tensor, g: Tensor, [a0]: Tensor[], lr: number) {
    const a = core.add(a0, core.square(g));
    return { value: core.sub(w, core.div(core.mul(g, lr), core.add(core.sqrt(a), this.epsilon))), slots: [a] };
  }
  override getConfig() { return { ...super.getConfig(), initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon }; }
}

/** Adamax (Adam with the infinity norm): u = max(β₂u, |g|), w −= lr/(1−β₁ᵗ) · m / (u + ε), as Keras. */
export class Adamax extends Adam {
  override readonly className = 'Adamax';
  protected override update(w: Tensor, g: Tensor, [m0, u0]: Tensor[], lr: number, t: number) {
    const m = core.add(core.mul(m0, this.beta1), core.mul(g, 1 - this.beta1));
    const u = core.maximum(core.mul(u0, this.beta2), core.abs(g));
    const step = core.div(core.mul(m, lr / (1 - Math.pow(this.beta1, t))), core.add(u, this.epsilon));
    return { value: core.sub(w, step), slots: [m, u] };
  }
}

/**
 * Nadam (Adam with Nesterov momentum), Keras 3's formulation: a momentum schedule
 * μₜ = β₁(1 − ½·0.96ᵗ) and its running product, so the step looks one momentum update ahead.
 */
export class Nadam extends Adam {
  override readonly className = 'Nadam';
  /** Running products Π μₛ for s = 1..t, kept on the host (one number per step, shared by every weight). */
  private readonly muProducts: number[] = [1];
  private mu(t: number): number { return this.beta1 * (1 - 0.5 * Math.pow(0.96, t)); }
  private muProduct(t: number): number {
    for (let s = this.muProducts.length; s <= t; s++) this.muProducts.push(this.muProducts[s - 1] * this.mu(s));
    return this.muProducts[t];
  }
  protected override update(w: Tensor, g: Tensor, [m0, v0]: Tensor[], lr: number, t: number) {
    const m = core.add(core.mul(m0, this.beta1), core.mul(g, 1 - this.beta1));
    const v = core.add(core.mul(v0, this.beta2), core.mul(core.square(g), 1 - this.beta2));
    const muT = this.mu(t);
    const prodT = this.muProduct(t);
    const prodNext = prodT * this.mu(t + 1);
    const mHat = core.add(core.mul(m, this.mu(t + 1) / (1 - prodNext)), core.mul(g, (1 - muT) / (1 - prodT)));
    const vHat = core.div(v, 1 - Math.pow(this.beta2, t));
    const value = core.sub(w, core.div(core.mul(mHat, lr), core.add(core.sqrt(vHat), this.epsilon)));
    return { value, slots: [m, v] };
  }
}

/** Optimizer factories: `optimizers.adam({ learningRate })`. */
export const optimizers = {
  sgd: (o: ConstructorParameters<typeof SGD>[0] = {}) => new SGD(o),
  adam: (o: ConstructorParameters<typeof Adam>[0] = {}) => new Adam(o),
  adamW: (o: ConstructorParameters<typeof AdamW>[0] = {}) => new AdamW(o),
  rmsprop: (o: ConstructorParameters<typeof RMSprop>[0] = {}) => new RMSprop(o),
  adagrad: (o: ConstructorParameters<typeof Adagrad>[0] = {}) => new Adagrad(o),
  adamax: (o: ConstructorParameters<typeof Adamax>[0] = {}) => new Adamax(o),
  nadam: (o: ConstructorParameters<typeof Nadam>[0] = {}) => new Nadam(o),
};

/** Resolves a name ('adam', 'sgd', ...; 'adamw' too) or an Optimizer. */
export function getOptimizer(o: string | Optimizer): Optimizer {
  if (o instanceof Optimizer) return o;
  const f = lookup<() => Optimizer>('optimizer', 'optimizer', optimizers, o === 'adamw' ? 'adamW' : o, ', or an Optimizer');
  return f();
}
