// Elementwise WGSL templates: unary ops, broadcasting binary ops and where, cast, clip, leakyRelu
// and fill. Sizes and broadcast strides arrive as uniforms; keys cover op, dtypes and access modes.

import type { BinaryOp, DType, UnaryOp } from '@loom/core/backend';
import { dim, FLOAT_HELPERS, MAIN_1D, uniformLayout, wgslType, type ShaderSpec, type UniformLayout } from './common.js';
import { MATH_HELPERS } from './math.js';

const SELU_SCALE = '1.0507009873554805';
const SELU_ALPHA_SCALE = '1.7580993408473766'; // λ·α

/** Unary expressions on f32 `x` (also the fused matmul epilogue's activations). */
export const UNARY_F32: Record<UnaryOp, string> = {
  neg: '-x', abs: 'abs(x)', square: 'x * x',
  sign: 'select(select(select(nan_(), 0.0, x == 0.0), -1.0, x < 0.0), 1.0, x > 0.0)',
  relu: 'select(x, 0.0, x < 0.0)', relu6: 'select(select(x, 6.0, x > 6.0), 0.0, x < 0.0)',
  floor: 'floor(x)', ceil: 'ceil(x)', round: 'round(x)',
  exp: 'exp_(x)', expm1: 'expm1_(x)', log: 'log_(x)', log1p: 'log1p_(x)',
  sqrt: 'select(sqrt(x), nan_(), x < 0.0 || isnan_(x))',
  rsqrt: 'select(select(1.0 / sqrt(x), 1.0 / x, x == 0.0), nan_(), x < 0.0 || isnan_(x))',
  reciprocal: '1.0 / x',
  sin: 'sincos_(x).x', cos: 'sincos_(x).y',
  tan: 'tan2_(sincos_(x))', atan: 'atan_(x)', tanh: 'tanh_(x)', sigmoid: 'sigmoid_(x)',
  elu: 'select(expm1_(x), x, x > 0.0)',
  selu: `select(${SELU_ALPHA_SCALE} * expm1_(x), ${SELU_SCALE} * x, x > 0.0)`,
  gelu: '0.5 * x * erfc_(-x * 0.70710678118654752)',
  softplus: 'select(log1p_(exp_(x)), x + log1p_(exp_(-x)), x > 0.0)',
  silu: 'x * sigmoid_(x)',
  isNaN: 'select(0u, 1u, isnan_(x))', isFinite: 'select(0u, 1u, isfinite_(x))',
  logicalNot: 'select(1u, 0u, x != 0u)',
};

/** Unary expressions on i32 `x` (ops that keep int32, and the predicates). */
const UNARY_I32: Partial<Record<UnaryOp, string>> = {
  neg: '-x', abs: 'abs(x)', square: 'x * x', sign: 'sign(x)', relu: 'max(x, 0)', relu6: 'clamp(x, 0, 6)',
  floor: 'x', ceil: 'x', round: 'x', isNaN: '0u', isFinite: '1u',
};

/** How a shader reads one input: same index as the output, a single element, or strided. */
export type Access = 'same' | 'scalar' | 'strided';

function readExpr(name: string, access: Access, k: number): string {
  if (access === 'same') return `${name}[idx]`;
  if (access === 'scalar') return `${name}[0]`;
  return `${name}[off${k}]`;
}

/** Uniform fields shared by the elementwise shaders: size, rank, output dims, per-input strides. */
function elementwiseLayout(inputs: number, extra: UniformLayout['fields'] = []): UniformLayout {
  const fields: UniformLayout['fields'][number][] = [{ name: 'n', type: 'u32' }, { name: 'rank', type: 'u32' }, ...extra,
    { name: 'shape', type: 'dims' }];
  for (let k = 0; k < inputs; k++) fields.push({ name: `s${k}`, type: 'dims' });
  return uniformLayout(fields);
}

/** WGSL that computes `off<k>` for each strided input from the flat output index. */
function stridedOffsets(access: readonly Access[]): string {
  const strided = access.map((a, k) => (a === 'strided' ? k : -1)).filter((k) => k >= 0);
  if (strided.length === 0) return '';
  return `
  ${strided.map((k) => `var off${k} = 0u;`).join(' ')}
  var rem = idx;
  for (var d = i32(u.rank) - 1; d >= 0; d--) {
    let ext = ${dim('shape', 'u32(d)')};
    let c = rem % ext;
    rem = rem / ext;
    ${strided.map((k) => `off${k} += c * ${dim(`s${k}`, 'u32(d)')};`).join(' ')}
  }`;
}

/** Uniform layouts of the elementwise shaders with 1, 2 and 3 inputs. */
export const ELEMENTWISE_LAYOUT = [elementwiseLayout(1), elementwiseLayout(2), elementwiseLayout(3)] as const;

/**
 * A unary op on one input of `dtype` (float32/int32/bool storage). `vec4`: each invocation handles
 * 4 consecutive elements through vec4 loads and stores (the size is a multiple of 4).
 */
export function unaryShader(op: UnaryOp, dtype: DType, outDtype: DType, vec4 = false): ShaderSpec & { layout: UniformLayout } {
  const t = wgslType(dtype);
  const ot = wgslType(outDtype);
  const expr = t === 'i32' ? UNARY_I32[op] : UNARY_F32[op];
  if (!expr) throw new Error(`webgpu: no ${dtype} kernel for ${op}`);
  const layout = ELEMENTWISE_LAYOUT[0];
  const body = vec4
    ? `  if (idx * 4u >= u.n) { return; }
  let v = X[idx];
  Y[idx] = vec4<${ot}>(op_(v.x), op_(v.y), op_(v.z), op_(v.w));`
    : `  if (idx >= u.n) { return; }
  Y[idx] = op_(X[idx]);`;
  return {
    key: `unary:${op}:${dtype}${vec4 ? ':v4' : ''}`,
    layout,
    code: /* wgsl */ `${layout.wgsl}${FLOAT_HELPERS}${MATH_HELPERS}
fn tan2_(sc: vec2<f32>) -> f32 { return sc.x / sc.y; }
fn op_(x: ${t}) -> ${ot} { return ${expr}; }
@group(0) @binding(1) var<storage, read> X: array<${vec4 ? `vec4<${t}>` : t}>;
@group(0) @binding(2) var<storage, read_write> Y: array<${vec4 ? `vec4<${ot}>` : ot}>;
${MAIN_1D}
${body}
}`,
  };
}

/** Binary expressions on f32 `a`, `b`. */
const BINARY_F32: Record<BinaryOp, string> = {
  add: 'a + b', sub: 'a - b', mul: 'a * b', div: 'a / b', pow: 'pow_(a, b)',
  maximum: 'fmax_(a, b)', minimum: 'fmin_(a, b)', mod: 'fmod_(a, b)', floorDiv: 'floor(a / b)',
  equal: 'select(0u, 1u, !nan2 && a == b)', notEqual: 'select(1u, 0u, !nan2 && a == b)',
  less: 'select(0u, 1u, !nan2 && a < b)', lessEqual: 'select(0u, 1u, !nan2 && a <= b)',
  greater: 'select(0u, 1u, !nan2 && a > b)', greaterEqual: 'select(0u, 1u, !nan2 && a >= b)',
  logicalAnd: '', logicalOr: '',
};

/** Binary expressions on i32 (int32) or u32 (bool) `a`, `b`. */
const BINARY_INT: Record<BinaryOp, string> = {
  add: 'a + b', sub: 'a - b', mul: 'a * b', div: '', pow: 'ipow_(a, b)',
  maximum: 'max(a, b)', minimum: 'min(a, b)', mod: 'imod_(a, b)', floorDiv: 'idiv_(a, b)',
  equal: 'select(0u, 1u, a == b)', notEqual: 'select(0u, 1u, a != b)', less: 'select(0u, 1u, a < b)',
  lessEqual: 'select(0u, 1u, a <= b)', greater: 'select(0u, 1u, a > b)', greaterEqual: 'select(0u, 1u, a >= b)',
  logicalAnd: 'select(0u, 1u, a != 0u && b != 0u)', logicalOr: 'select(0u, 1u, a != 0u || b != 0u)',
};

const INT_HELPERS = /* wgsl */ `
// Integer division and modulo by zero give 0 (as TensorFlow.js); otherwise floor semantics.
fn idiv_(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let q = a / b;
  if ((a % b) != 0 && ((a < 0) != (b < 0))) { return q - 1; }
  return q;
}
fn imod_(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) { return r + b; }
  return r;
}
// Wrapping integer power; negative exponents give 1/a^|b| truncated (0 unless a is ±1).
fn ipow_(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(1, -1, (b & 1) != 0); }
    return 0;
  }
  var r = 1;
  var base = a;
  var e = u32(b);
  while (e > 0u) {
    if ((e & 1u) != 0u) { r = r * base; }
    base = base * base;
    e = e >> 1u;
  }
  return r;
}
`;

/**
 * A broadcasting binary op on inputs of `dtype` with per-input access modes. `vec4` (only with
 * 'same'/'scalar' access and a size that is a multiple of 4): 4 elements per invocation.
 */
export function binaryShader(
  op: BinaryOp, dtype: DType, outDtype: DType, access: readonly [Access, Access], vec4 = false,
): ShaderSpec & { layout: UniformLayout } {
  const t = wgslType(dtype);
  const ot = wgslType(outDtype);
  const expr = t === 'f32' ? BINARY_F32[op] : BINARY_INT[op];
  if (!expr) throw new Error(`webgpu: no ${dtype} kernel for ${op}`);
  if (vec4 && access.includes('strided')) throw new Error('webgpu: vec4 binary kernels need same or scalar access');
  const layout = ELEMENTWISE_LAYOUT[1];
  const arr = (k: number): string => (vec4 && access[k] === 'same' ? `vec4<${t}>` : t);
  // In vec4 mode a 'same' input is read as a vec4 and a 'scalar' one is splatted.
  const read4 = (name: string, k: number): string => (access[k] === 'same' ? `${name}[idx]` : `vec4<${t}>(${name}[0])`);
  const body = vec4
    ? `  if (idx * 4u >= u.n) { return; }
  let a = ${read4('A', 0)};
  let b = ${read4('B', 1)};
  Y[idx] = vec4<${ot}>(op_(a.x, b.x), op_(a.y, b.y), op_(a.z, b.z), op_(a.w, b.w));`
    : `  if (idx >= u.n) { return; }${stridedOffsets(access)}
  Y[idx] = op_(${readExpr('A', access[0], 0)}, ${readExpr('B', access[1], 1)});`;
  return {
    key: `binary:${op}:${dtype}:${access.join(',')}${vec4 ? ':v4' : ''}`,
    layout,
    code: /* wgsl */ `${layout.wgsl}${FLOAT_HELPERS}${t === 'f32' ? MATH_HELPERS : INT_HELPERS}
fn op_(a: ${t}, b: ${t}) -> ${ot} {
  ${t === 'f32' ? 'let nan2 = isnan_(a) || isnan_(b);' : ''}
  return ${expr};
}
@group(0) @binding(1) var<storage, read> A: array<${arr(0)}>;
@group(0) @binding(2) var<storage, read> B: array<${arr(1)}>;
@group(0) @binding(3) var<storage, read_write> Y: array<${vec4 ? `vec4<${ot}>` : ot}>;
${MAIN_1D}
${body}
}`,
  };
}

/** where(cond, a, b) on 32-bit words (any dtype). */
export function whereShader(access: readonly [Access, Access, Access]): ShaderSpec & { layout: UniformLayout } {
  const layout = ELEMENTWISE_LAYOUT[2];
  return {
    key: `where:${access.join(',')}`,
    layout,
    code: /* wgsl */ `${layout.wgsl}
@group(0) @binding(1) var<storage, read> C: array<u32>;
@group(0) @binding(2) var<storage, read> A: array<u32>;
@group(0) @binding(3) var<storage, read> B: array<u32>;
@group(0) @binding(4) var<storage, read_write> Y: array<u32>;
${MAIN_1D}
  if (idx >= u.n) { return; }${stridedOffsets(access)}
  let c = ${readExpr('C', access[0], 0)};
  Y[idx] = select(${readExpr('B', access[2], 2)}, ${readExpr('A', access[1], 1)}, c != 0u);
}`,
  };
}

const CAST: Record<string, string> = {
  'float32>int32': 'f2i_(x)',
  'float32>bool': 'select(0u, 1u, x != 0.0 || isnan_(x))',
  'int32>float32': 'f32(x)',
  'int32>bool': 'select(0u, 1u, x != 0)',
  'bool>float32': 'f32(x)',
  'bool>int32': 'i32(x)',
  'float32>float32': 'x', 'int32>int32': 'x', 'bool>bool': 'x',
};

/** cast between dtypes. */
export function castShader(from: DType, to: DType): ShaderSpec & { layout: UniformLayout } {
  const layout = ELEMENTWISE_LAYOUT[0];
  return {
    key: `cast:${from}:${to}`,
    layout,
    code: /* wgsl */ `${layout.wgsl}${FLOAT_HELPERS}${MATH_HELPERS}
@group(0) @binding(1) var<storage, read> X: array<${wgslType(from)}>;
@group(0) @binding(2) var<storage, read_write> Y: array<${wgslType(to)}>;
${MAIN_1D}
  if (idx >= u.n) { return; }
  let x = X[idx];
  Y[idx] = ${CAST[`${from}>${to}`]};
}`,
  };
}

const PARAM_LAYOUT = uniformLayout([{ name: 'n', type: 'u32' }, { name: 'p0', type: 'f32' }, { name: 'p1', type: 'f32' },
  { name: 'i0', type: 'i32' }, { name: 'i1', type: 'i32' }, { name: 'w', type: 'u32' }]);

/** clip (float32 or int32) and leakyRelu (float32): parameters in the uniform. */
export function paramUnaryShader(op: 'clip' | 'leakyRelu', dtype: DType): ShaderSpec & { layout: UniformLayout } {
  const t = wgslType(dtype);
  const expr = op === 'leakyRelu'
    ? 'select(x, u.p0 * x, x < 0.0)'
    : t === 'f32' ? 'select(select(x, u.p1, x > u.p1), u.p0, x < u.p0)' : 'clamp(x, u.i0, u.i1)';
  return {
    key: `${op}:${dtype}`,
    layout: PARAM_LAYOUT,
    code: /* wgsl */ `${PARAM_LAYOUT.wgsl}
@group(0) @binding(1) var<storage, read> X: array<${t}>;
@group(0) @binding(2) var<storage, read_write> Y: array<${t}>;
${MAIN_1D}
  if (idx >= u.n) { return; }
  let x = X[idx];
  Y[idx] = ${expr};
}`,
  };
}

const ADAM_LAYOUT = uniformLayout([{ name: 'n', type: 'u32' }, { name: 'beta1', type: 'f32' }, { name: 'c1', type: 'f32' },
  { name: 'beta2', type: 'f32' }, { name: 'c2', type: 'f32' }, { name: 'epsilon', type: 'f32' }, { name: 'step', type: 'f32' }]);

/**
 * One Adam step (core's adamUpdate) in one dispatch: W, G, M, V in, W1, M1, V1 out; c1 = 1 − β₁,
 * c2 = 1 − β₂ from the host. `vec4`: four elements per invocation (the size is a multiple of 4).
 */
export function adamUpdateShader(vec4: boolean): ShaderSpec & { layout: UniformLayout } {
  const t = vec4 ? 'vec4<f32>' : 'f32';
  const names = ['W', 'G', 'M', 'V', 'W1', 'M1', 'V1'];
  const bindings = names.map((name, i) => `@group(0) @binding(${i + 1}) var<storage, ${i < 4 ? 'read' : 'read_write'}> ${name}: array<${t}>;`);
  return {
    key: `adamUpdate${vec4 ? ':v4' : ''}`,
    layout: ADAM_LAYOUT,
    code: /* wgsl */ `${ADAM_LAYOUT.wgsl}
${bindings.join('\n')}
${MAIN_1D}
  if (idx${vec4 ? ' * 4u' : ''} >= u.n) { return; }
  let g = G[idx];
  let m = u.beta1 * M[idx] + u.c1 * g;
  let v = u.beta2 * V[idx] + u.c2 * (g * g);
  M1[idx] = m;
  V1[idx] = v;
  W1[idx] = W[idx] - (u.step * m) / (sqrt(v) + u.epsilon);
}`,
  };
}

/** fill: writes one 32-bit word (the value's bits in the output dtype) everywhere. */
export function fillShader(): ShaderSpec & { layout: UniformLayout } {
  return {
    key: 'fill',
    layout: PARAM_LAYOUT,
    code: /* wgsl */ `${PARAM_LAYOUT.wgsl}
@group(0) @binding(1) var<storage, read_write> Y: array<u32>;
${MAIN_1D}
  if (idx >= u.n) { return; }
  Y[idx] = u.w;
}`,
  };
}
