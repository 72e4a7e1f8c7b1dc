// Weight regularizers (Keras semantics): a penalty added to the training loss, computed from a
// weight's current value inside the gradient tape so its gradient reaches the weight.
// l1: l1 · Σ|w|; l2: l2 · Σw² (no ½, as Keras); l1l2: both.

import * as core from '@loom/core';
import type { Tensor } from '@loom/core';
import { checkOptions, given, lookup, nonNegative } from './validate.js';

/** A penalty of one weight, serializable as `{ className, config }`. */
export interface Regularizer {
  readonly className: 'L1' | 'L2' | 'L1L2';
  readonly config: { l1?: number; l2?: number };
  /** The scalar penalty of `w`. */
  apply(w: Tensor): Tensor;
}

function make(className: Regularizer['className'], l1: number, l2: number): Regularizer {
  const config = className === 'L1' ? { l1 } : className === 'L2' ? { l2 } : { l1, l2 };
  return {
    className,
    config,
    apply(w: Tensor): Tensor {
      return core.tidy(() => {
        let p = core.scalar(0);
        if (l1 !== 0) p = core.add(p, core.mul(l1, core.sum(core.abs(w))));
        if (l2 !== 0) p = core.add(p, core.mul(l2, core.sum(core.square(w))));
        return p;
      });
    },
  };
}

/** l1 · Σ|w| (default l1 0.01, as Keras). */
export function l1(l1 = 0.01): Regularizer {
  return make('L1', nonNegative('regularizers.l1', 'l1', l1), 0);
}

/** l2 · Σw² (default l2 0.01, as Keras; no ½ factor). */
export function l2(l2 = 0.01): Regularizer {
  return make('L2', 0, nonNegative('regularizers.l2', 'l2', l2));
}

/** l1 · Σ|w| + l2 · Σw² (both default 0, as Keras' L1L2). */
export function l1l2(o: { l1?: number; l2?: number } = {}): Regularizer {
  const op = 'regularizers.l1l2';
  checkOptions(op, o, ['l1', 'l2']);
  return make('L1L2', nonNegative(op, 'l1', o.l1, 0), nonNegative(op, 'l2', o.l2, 0));
}

const BY_NAME: Readonly<Record<string, () => Regularizer>> = {
  l1: () => l1(), l2: () => l2(), l1_l2: () => l1l2(), l1l2: () => l1l2(),
};

/**
 * A regularizer from a name ('l1', 'l2', 'l1_l2'), a Regularizer, or its JSON `{ className, config }`
 * (as saved with a layer's config); undefined and null give none.
 */
export function getRegularizer(op: string, option: string, v: unknown): Regularizer | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return lookup(`${op}: ${option}`, 'regularizer', BY_NAME, v)();
  if (typeof v === 'object' && typeof (v as Regularizer).className === 'string') {
    const { className, config } = v as { className: string; config?: Record<string, unknown> };
    const where = `${op}: ${option}`;
    if (config !== undefined && (typeof config !== 'object' || config === null)) {
      throw new Error(`${where}: config must be an object, got ${given(config)}`);
    }
    const c = config ?? {};
    if (className === 'L1') { checkOptions(where, c, ['l1'], 'config'); return l1(c.l1 as number | undefined); }
    if (className === 'L2') { checkOptions(where, c, ['l2'], 'config'); return l2(c.l2 as number | undefined); }
    if (className === 'L1L2') return l1l2(c as { l1?: number; l2?: number });
    throw new Error(`${where}: unknown regularizer class ${given(className)}; valid: L1, L2, L1L2`);
  }
  throw new Error(`${op}: ${option} must be 'l1', 'l2', 'l1_l2', a regularizer (regularizers.l2(0.01)) or its JSON, got ${given(v)}`);
}

/** The saved form of a regularizer (null for none). */
export function serializeRegularizer(r: Regularizer | undefined): { className: string; config: Record<string, unknown> } | null {
  return r ? { className: r.className, config: { ...r.config } } : null;
}
