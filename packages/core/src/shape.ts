// Shape arithmetic: sizes, strides, axis normalization and NumPy broadcasting.

export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar, 0 when any dim is 0). */
export function sizeOf(shape: Shape): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** `[2,3]` as text, for error messages. */
export function fmt(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws unless `shape` is a list of non-negative integers. */
export function assertValidShape(op: string, shape: unknown): asserts shape is number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${op}: invalid shape ${JSON.stringify(shape)}; a shape is a list of non-negative integers`);
  }
}

/** Maps a possibly negative axis into [0, rank); throws naming the op when out of range. */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    const valid = rank === 0 ? 'none (the tensor is a scalar)' : `an integer in [${-rank}, ${rank - 1}]`;
    throw new Error(`${op}: axis ${axis} is out of range for rank ${rank}; valid: ${valid}`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalizes an axis list (undefined = all axes), sorted and checked for duplicates. */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined | null, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(op, a, rank));
  if (new Set(out).size !== out.length) {
    throw new Error(`${op}: axis ${JSON.stringify(axis)} repeats an axis; each axis may appear once`);
  }
  return out.sort((a, b) => a - b);
}

/** The broadcast shape of two shapes, or undefined when they do not broadcast. */
export function tryBroadcastShapes(a: Shape, b: Shape): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else return undefined;
  }
  return out;
}

/** NumPy broadcasting of any number of shapes; throws naming the op and the shapes. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  let out: number[] = [];
  for (const s of shapes) {
    const next = tryBroadcastShapes(out, s);
    if (!next) {
      throw new Error(
        `${op}: shapes ${shapes.map(fmt).join(' and ')} do not broadcast; ` +
          'trailing dims must be equal or 1',
      );
    }
    out = next;
  }
  return out;
}

/** Strides for reading an input of `inShape` while walking `outShape` (0 on broadcast dims). */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const inStrides = stridesOf(inShape);
  const offset = outShape.length - inShape.length;
  return outShape.map((_, i) => {
    const j = i - offset;
    if (j < 0) return 0;
    return inShape[j] === 1 ? 0 : inStrides[j];
  });
}

/** The axes of `outShape` along which `inShape` was broadcast (to sum gradients back). */
export function broadcastedAxes(inShape: Shape, outShape: Shape): number[] {
  const offset = outShape.length - inShape.length;
  const axes: number[] = [];
  for (let i = 0; i < outShape.length; i++) {
    const j = i - offset;
    if (j < 0 || (inShape[j] === 1 && outShape[i] !== 1)) axes.push(i);
  }
  return axes;
}
