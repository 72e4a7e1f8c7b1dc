// Shape bookkeeping done in JS before a kernel call: broadcast strides, merging of dims that can be
// walked as one, and the (outer, n, inner) split around an axis.

/** Row-major strides in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Strides of `inShape` read broadcast into `outShape` (0 on broadcast and missing dims). */
export function broadcastStridesOf(inShape: readonly number[], outShape: readonly number[]): number[] {
  const own = contiguousStrides(inShape);
  const lead = outShape.length - inShape.length;
  return outShape.map((d, i) => {
    if (i < lead) return 0;
    const dim = inShape[i - lead];
    return dim === 1 && d !== 1 ? 0 : own[i - lead];
  });
}

/**
 * Drops size-1 dims and merges neighbours every stride list walks contiguously, so kernels loop
 * over as few dims as possible. Always returns rank ≥ 1.
 */
export function collapse(shape: readonly number[], strides: number[][]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const r = outShape.length;
    if (r > 0 && strides.every((s, k) => outStrides[k][r - 1] === s[d] * shape[d])) {
      outShape[r - 1] *= shape[d];
      strides.forEach((s, k) => (outStrides[k][r - 1] = s[d]));
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}

/** (outer, axis size, inner) so element (o, a, i) sits at o·n·inner + a·inner + i. */
export function aroundAxis(shape: readonly number[], axis: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i];
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[axis], inner];
}
