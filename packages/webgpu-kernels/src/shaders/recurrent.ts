// WGSL of the whole-sequence recurrent ops (simpleRNN, LSTM, GRU). The host (kernels.ts) dispatches
// one step shader per time step and passes the step in the uniform; successive dispatches are
// ordered for storage buffers, so step t reads what step t − 1 (or t + 1 backward) wrote.
//   forward:  h·U fused with the gate math: a workgroup computes [rows × cols] outputs for all G gate
//             blocks of its units (reset-before GRU needs r for every unit, so one workgroup covers a
//             whole batch row there and syncs its two phases with a storage barrier).
//   backward: step t computes dh_t = dh[t] + (dz_{t+1}·Uᵀ)⊙mask in its matmul and the gate
//             derivatives of its units right after (one dispatch per step; reset-before GRU adds the
//             (dh̃·U_hᵀ) pass for r). dU = hInᵀ·dz over all B·T rows runs once at the end.
// Buffer names are the shader's bindings in order (`bindings`); layouts are 'auto', so each shader
// declares only what its entry point uses. At most 8 storage buffers per shader (the default limit):
// LSTM's step stages dh in dzx's first block beforehand to stay within it.
// Matmuls read straight from storage, without workgroup tiles: the per-step ones are small, and a
// software adapter (SwiftShader) pays dearly for barriers. With units a multiple of 4 an invocation
// handles 4 units through vec4 loads (backward reads Uᵀ, staged in the dU output until dU is due).

import type { RecurrentActivation, RecurrentAttrs } from '@loom/core/backend';
import { FLOAT_HELPERS, MAIN_1D, uniformLayout, type ShaderSpec, type UniformLayout } from './common.js';
import { MATH_HELPERS } from './math.js';

/** Every recurrent shader's uniform: batch, steps, units and the step this dispatch computes. */
const LAYOUT = uniformLayout([
  { name: 'B', type: 'u32' }, { name: 'T', type: 'u32' }, { name: 'n', type: 'u32' }, { name: 't', type: 'u32' },
]);

/** A recurrent shader with the names of the buffers it binds at 1, 2, ... */
export interface RecurrentShader extends ShaderSpec {
  readonly layout: UniformLayout;
  readonly bindings: readonly string[];
}

/** Workgroup tile of the step shaders: batch rows × units. */
export interface RecurrentTile {
  readonly rows: number;
  readonly cols: number;
}

/** Output tile edge of the dU shader (16 × 16 invocations). */
const DU_TILE = 16;

const ACTIVATE: Record<RecurrentActivation, string> = {
  tanh: 'tanh_(x)',
  sigmoid: 'sigmoid_(x)',
  hardSigmoid: 'clamp(0.2 * x + 0.5, 0.0, 1.0)',
  relu: 'select(0.0, x, x > 0.0)',
  linear: 'x',
};

/** Each activation's derivative as a function of its output y (as the reference). */
const SLOPE: Record<RecurrentActivation, string> = {
  tanh: '1.0 - y * y',
  sigmoid: 'y * (1.0 - y)',
  hardSigmoid: 'select(0.0, 0.2, y > 0.0 && y < 1.0)',
  relu: 'select(0.0, 1.0, y > 0.0)',
  linear: '1.0',
};

const GATES = { simpleRNN: 1, lstm: 4, gru: 3 } as const;

const keyOf = (a: RecurrentAttrs): string =>
  `${a.cell}:${a.activation}:${a.recurrentActivation}${a.cell === 'gru' ? (a.resetAfter ? ':after' : ':before') : ''}${a.hasMask ? ':mask' : ''}`;

/**
 * `var<storage>` declarations at bindings 1.. in list order: 'X' is read, 'X!' written, 'X4' an
 * array of vec4 (read whole rows 4 values at a time).
 */
function declare(list: readonly string[]): { wgsl: string; bindings: string[] } {
  const bindings = list.map((s) => s.replace(/[!4]$/, ''));
  const wgsl = list.map((s, i) => `@group(0) @binding(${i + 1}) var<storage, ${s.endsWith('!') ? 'read_write' : 'read'}> ` +
    `${bindings[i]}: array<${s.endsWith('4') ? 'vec4<f32>' : 'f32'}>;`).join('\n');
  return { wgsl, bindings };
}

/** The activations and the state helpers a shader calls (each only if used: it would add a binding). */
function helpers(a: RecurrentAttrs, use: { hPrev?: boolean; cPrev?: boolean; slopes?: boolean }): string {
  const mask = a.hasMask ? ' * MASK[b * u.n + k]' : '';
  return `${FLOAT_HELPERS}${MATH_HELPERS}
const G: u32 = ${GATES[a.cell]}u;
fn act_(x: f32) -> f32 { return ${ACTIVATE[a.activation]}; }
fn gate_(x: f32) -> f32 { return ${ACTIVATE[a.recurrentActivation]}; }
${use.slopes ? `fn dact_(y: f32) -> f32 { return ${SLOPE[a.activation]}; }
fn dgate_(y: f32) -> f32 { return ${SLOPE[a.recurrentActivation]}; }` : ''}
${use.hPrev ? `// h_{t-1} of batch row b, unit k (h0 at t = 0), and what the recurrent matmul reads: it times the mask.
fn hPrev_(b: u32, t: u32, k: u32) -> f32 {
  if (t == 0u) { return H0[b * u.n + k]; }
  return H[(b * u.T + t - 1u) * u.n + k];
}
fn hIn_(b: u32, t: u32, k: u32) -> f32 { return hPrev_(b, t, k)${mask}; }` : ''}
${use.cPrev ? `fn cPrev_(b: u32, t: u32, k: u32) -> f32 {
  if (t == 0u) { return C0[b * u.n + k]; }
  return C[(b * u.T + t - 1u) * u.n + k];
}` : ''}`;
}

/**
 * Forward matmul of one step: acc<q> = Σ_k left(k)·U[k, (col0 + q)·n + j0 ..] for q < blocks, for this
 * invocation's batch row b and its V units from j0 (V = 4: vec4 loads of U, units a multiple of 4).
 * Read straight from storage: the per-step matmul is small (k < units), and software adapters pay
 * dearly for workgroup barriers. `left` is a WGSL expression of `k`.
 */
function gateMatmul(V: number, blocks: number, col0: number, left: string): string {
  const q = Array.from({ length: blocks }, (_, i) => i);
  const at = V === 4 ? `(k * G * u.n + ${col0}u * u.n + j0) / 4u` : `k * G * u.n + ${col0}u * u.n + j0`;
  const stride = V === 4 ? 'u.n / 4u' : 'u.n';
  return `${q.map((i) => `var acc${i} = ${V === 4 ? 'vec4<f32>(0.0)' : '0.0'};`).join(' ')}
      for (var k = 0u; k < u.n; k++) {
        let hv = ${left};
        let at = ${at};
        ${q.map((i) => `acc${i} += hv * Uk[at${i === 0 ? '' : ` + ${i}u * ${stride}`}];`).join('\n        ')}
      }`;
}

/** Runs `body` for each of the V units from j0 with a<q> its accumulators (j the unit). */
function perUnit(V: number, blocks: number, body: string): string {
  const picks = Array.from({ length: blocks }, (_, i) => `let a${i} = acc${i}${V === 4 ? '[c]' : ''};`).join(' ');
  if (V === 1) return `let j = j0; ${picks}
      ${body}`;
  return `for (var c = 0u; c < 4u; c++) {
      let j = j0 + c; ${picks}
      ${body}
      }`;
}

/** The gate math of one step for (b, j), after gateMatmul; `row` is b·T + t. */
function forwardGates(a: RecurrentAttrs): string {
  const head = `let row = b * u.T + t;
      let zr = row * G * u.n + j;
      let o = row * u.n + j;`;
  if (a.cell === 'simpleRNN') return `${head}
      H[o] = act_(ZX[zr] + a0);`;
  if (a.cell === 'lstm') return `${head}
      let ig = gate_(ZX[zr] + a0);
      let fg = gate_(ZX[zr + u.n] + a1);
      let gg = act_(ZX[zr + 2u * u.n] + a2);
      let og = gate_(ZX[zr + 3u * u.n] + a3);
      let c = fg * cPrev_(b, t, j) + ig * gg;
      C[o] = c;
      H[o] = og * act_(c);
      let w = row * 4u * u.n + j;
      WORK[w] = ig; WORK[w + u.n] = fg; WORK[w + 2u * u.n] = gg; WORK[w + 3u * u.n] = og;`;
  // gru, reset after: r multiplies h·U_h + b_rh, which `work` keeps for the backward pass.
  return `${head}
      let recH = a2 + RB[2u * u.n + j];
      let z = gate_(ZX[zr] + a0 + RB[j]);
      let r = gate_(ZX[zr + u.n] + a1 + RB[u.n + j]);
      let hh = act_(ZX[zr + 2u * u.n] + r * recH);
      H[o] = z * hPrev_(b, t, j) + (1.0 - z) * hh;
      let w = row * 4u * u.n + j;
      WORK[w] = z; WORK[w + u.n] = r; WORK[w + 2u * u.n] = hh; WORK[w + 3u * u.n] = recH;`;
}

/** Loops this workgroup over its unit tiles (one for tiled cells; all of them when the grid is 1 wide). */
function overUnitTiles(body: string): string {
  return `for (var n0 = wid.x * TN * V; n0 < u.n; n0 += nwg.x * TN * V) {
    let j0 = n0 + tx * V;
    ${body}
  }`;
}

/** Units per invocation of the forward step and the dU shader: 4 (vec4 loads) when units allow it. */
export const unitLanes = (units: number): number => (units % 4 === 0 ? 4 : 1);

/** Whether the forward shader needs one workgroup per batch row tile across all units. */
export const rowWide = (a: RecurrentAttrs): boolean => a.cell === 'gru' && !a.resetAfter;

/** One forward step of `recurrent` (dispatch with uniform t = the step). */
export function recurrentStepShader(a: RecurrentAttrs, tile: RecurrentTile, V: number): RecurrentShader {
  const lstm = a.cell === 'lstm';
  const gruAfter = a.cell === 'gru' && a.resetAfter;
  const { wgsl, bindings } = declare([
    'ZX', V === 4 ? 'Uk4' : 'Uk', 'H0', ...(lstm ? ['C0'] : []), ...(gruAfter ? ['RB'] : []), ...(a.hasMask ? ['MASK'] : []),
    'H!', ...(lstm ? ['C!'] : []), ...(a.cell !== 'simpleRNN' ? ['WORK!'] : []),
  ]);
  const G = GATES[a.cell];
  const hIn = 'hIn_(b, t, k)';
  let body: string;
  if (!rowWide(a)) {
    body = overUnitTiles(`if (b < u.B && j0 < u.n) {
      ${gateMatmul(V, G, 0, hIn)}
      ${perUnit(V, G, forwardGates(a))}
    }`);
  } else {
    // gru, reset before: the candidate reads (r⊙h)·U_h, so r of every unit comes first (phase 1, into
    // work), and after a storage barrier the candidate and h (phase 2). The grid is 1 unit tile wide.
    body = `${overUnitTiles(`if (b < u.B && j0 < u.n) {
      ${gateMatmul(V, 2, 0, hIn)}
      ${perUnit(V, 2, `let row = b * u.T + t;
      let zr = row * G * u.n + j;
      let w = row * 3u * u.n + j;
      WORK[w] = gate_(ZX[zr] + a0);
      WORK[w + u.n] = gate_(ZX[zr + u.n] + a1);`)}
    }`)}
  storageBarrier();
  ${overUnitTiles(`if (b < u.B && j0 < u.n) {
      ${gateMatmul(V, 1, 2, `WORK[(b * u.T + t) * 3u * u.n + u.n + k] * ${hIn}`)}
      ${perUnit(V, 1, `let row = b * u.T + t;
      let w = row * 3u * u.n + j;
      let z = WORK[w];
      let hh = act_(ZX[row * G * u.n + 2u * u.n + j] + a0);
      H[row * u.n + j] = z * hPrev_(b, t, j) + (1.0 - z) * hh;
      WORK[w + 2u * u.n] = hh;`)}
    }`)}`;
  }
  return {
    key: `recurrent:${keyOf(a)}:${tile.rows}x${tile.cols}x${V}`,
    layout: LAYOUT,
    bindings,
    code: /* wgsl */ `${LAYOUT.wgsl}${wgsl}
${helpers(a, { hPrev: true, cPrev: lstm })}
const TB: u32 = ${tile.rows}u;
const TN: u32 = ${tile.cols}u;
const V: u32 = ${V}u;
@compute @workgroup_size(${tile.rows * tile.cols})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let tx = lid % TN;
  let b = wid.y * TB + lid / TN;
  let t = u.t;
  ${body}
}`,
  };
}

/**
 * Backward matmul: acc += Σ_q D(q)·U[k, q] for q in [from, to) (row b of D·Uᵀ) for this
 * invocation's batch row b and its V units from k0, read straight from storage. V = 4 reads Uᵀ
 * (staged in the dU output, see kernels.ts) 4 units at a time. `left` is a WGSL expression of `q`.
 */
function transposedMatmul(V: number, from: string, to: string, left: string): string {
  const right = V === 4 ? 'UT[(q * u.n + k0) / 4u]' : 'Uk[k0 * G * u.n + q]';
  return `if (b < u.B && k0 < u.n) {
      for (var q = ${from}; q < ${to}; q++) { acc += ${left} * ${right}; }
    }`;
}

/** Runs `body` for each of the V units from k0 (as k) with `dr` its part of D·Uᵀ. */
function perGradUnit(V: number, body: string): string {
  if (V === 1) return `if (b < u.B && k0 < u.n) {
      let k = k0; let dr = acc;
      ${body}
    }`;
  return `if (b < u.B && k0 < u.n) {
      for (var c = 0u; c < 4u; c++) {
      let k = k0 + c; let dr = acc[c];
      ${body}
      }
    }`;
}

/** Which backward pass: a step's gate derivatives, the reset-before GRU's r pass, or dh0 after step 0. */
export type GradPhase = 'step' | 'reset' | 'initial';

/**
 * Backward shaders over (b, k) tiles; uniform t is the step ('initial': unused, reads step 0).
 * 'step' at t: dh_t = dh[t] + mask⊙(D_{t+1}·Uᵀ) (+ the carry), then dz_t of its units into dzx.
 * D is what multiplied U: dz, except that reset-after GRU's candidate block is dh̃·r (`dInner_`).
 * Carries between steps stay in outputs: lstm's dc·f in dc0, gru's dh·z (plus the r pass) in dh0.
 * V units per invocation (4: Uᵀ is read from the dU output as vec4s).
 */
export function recurrentGradShader(a: RecurrentAttrs, tile: RecurrentTile, phase: GradPhase, V: number): RecurrentShader {
  const lstm = a.cell === 'lstm';
  const gruAfter = a.cell === 'gru' && a.resetAfter;
  const gruBefore = a.cell === 'gru' && !a.resetAfter;
  const maskIn = a.hasMask ? ['MASK'] : [];
  const Ub = V === 4 ? 'UT4' : 'Uk';
  const mask = a.hasMask ? ' * MASK[b * u.n + k]' : '';
  const G = GATES[a.cell];
  const W = lstm || gruAfter ? 4 : 3;
  // Columns of U in the recurrence of dh: reset-before GRU's candidate block goes through the r pass.
  const cols = gruBefore ? '2u * u.n' : 'G * u.n';
  const D = (s: string): string => (gruAfter ? `dInner_(b * u.T + ${s}, q)` : `DZX[(b * u.T + ${s}) * G * u.n + q]`);
  let list: string[];
  let body: string;
  let use = { hPrev: false, cPrev: false, slopes: true };
  const head = `let row = b * u.T + t;
      let o = row * u.n + k;
      let zr = row * G * u.n + k;
      let w = row * ${W}u * u.n + k;
      let s = b * u.n + k;`;
  const acc = `var acc = ${V === 4 ? 'vec4<f32>(0.0)' : '0.0'};`;
  const next = `${acc}
    if (t + 1u < u.T) {
      ${transposedMatmul(V, '0u', cols, D('t + 1u'))}
    }`;
  if (phase === 'initial') {
    list = [Ub, ...maskIn, 'DZX', ...(gruAfter ? ['WORK'] : []), 'DH0!'];
    const carry = a.cell === 'gru' ? ' + DH0[b * u.n + k]' : '';
    body = `${acc}
    ${transposedMatmul(V, '0u', cols, D('0u'))}
    ${perGradUnit(V, `DH0[b * u.n + k] = dr${mask}${carry};`)}`;
    use = { hPrev: false, cPrev: false, slopes: false };
  } else if (phase === 'reset') {
    // gru, reset before, after 'step' at t: dRh = dh̃·U_hᵀ gives dz_r, and r⊙dRh joins the carry.
    list = [Ub, ...maskIn, 'DZX!', 'WORK', 'H', 'H0', 'DH0!'];
    use.hPrev = true;
    body = `${acc}
    ${transposedMatmul(V, '2u * u.n', '3u * u.n', 'DZX[(b * u.T + t) * G * u.n + q]')}
    ${perGradUnit(V, `${head}
      let r = WORK[w + u.n];
      DZX[zr + u.n] = dr * hIn_(b, t, k) * dgate_(r);
      DH0[s] += dr * r${mask};`)}`;
  } else if (a.cell === 'simpleRNN') {
    list = ['DH', Ub, ...maskIn, 'H', 'DZX!'];
    body = `${next}
    ${perGradUnit(V, `${head}
      DZX[zr] = (DH[o] + dr${mask}) * dact_(H[o]);`)}`;
  } else if (lstm) {
    // dh_t was staged in dzx's first block; dc0 carries dc·f to the step before.
    list = ['DC', Ub, ...maskIn, 'C', 'C0', 'WORK', 'DZX!', 'DC0!'];
    use.cPrev = true;
    body = `${next}
    ${perGradUnit(V, `${head}
      let dht = DZX[zr] + dr${mask};
      let ig = WORK[w]; let fg = WORK[w + u.n]; let gg = WORK[w + 2u * u.n]; let og = WORK[w + 3u * u.n];
      let ac = act_(C[o]);
      var dc = dht * og * dact_(ac) + DC[o];
      if (t + 1u < u.T) { dc += DC0[s]; }
      DZX[zr] = dc * gg * dgate_(ig);
      DZX[zr + u.n] = dc * cPrev_(b, t, k) * dgate_(fg);
      DZX[zr + 2u * u.n] = dc * ig * dact_(gg);
      DZX[zr + 3u * u.n] = dht * ac * dgate_(og);
      DC0[s] = dc * fg;`)}`;
  } else {
    // gru: dh_t = dh[t] + mask⊙(D·Uᵀ) + dh_{t+1}·z_{t+1}, the last carried in dh0.
    list = ['DH', Ub, ...maskIn, 'DZX!', 'WORK', 'H', 'H0', 'DH0!'];
    use.hPrev = true;
    body = `${next}
    ${perGradUnit(V, `${head}
      var dht = DH[o];
      if (t + 1u < u.T) { dht += dr${mask} + DH0[s]; }
      let z = WORK[w];
      let hh = WORK[w + 2u * u.n];
      let dCand = dht * (1.0 - z) * dact_(hh);
      DZX[zr] = dht * (hPrev_(b, t, k) - hh) * dgate_(z);
      DZX[zr + 2u * u.n] = dCand;
      ${gruAfter ? 'DZX[zr + u.n] = dCand * WORK[w + 3u * u.n] * dgate_(WORK[w + u.n]);' : ''}
      DH0[s] = dht * z;`)}`;
  }
  const { wgsl, bindings } = declare(list);
  return {
    key: `recurrentGrad:${phase}:${keyOf(a)}:${tile.rows}x${tile.cols}x${V}`,
    layout: LAYOUT,
    bindings,
    code: /* wgsl */ `${LAYOUT.wgsl}${wgsl}
${helpers(a, use)}
${gruAfter ? DINNER : ''}
const TB: u32 = ${tile.rows}u;
const TN: u32 = ${tile.cols}u;
@compute @workgroup_size(${tile.rows * tile.cols})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.y * TB + lid / TN;
  let k0 = (wid.x * TN + lid % TN) * ${V}u;
  let t = u.t;
  ${body}
}`,
  };
}

/** Writes Uᵀ [G·n, n] into the dU output (free until dU is computed), for the backward steps' vec4 loads. */
export function transposeShader(G: number): RecurrentShader {
  const { wgsl, bindings } = declare(['Uk', 'UT!']);
  return {
    key: `recurrentGrad:transpose:${G}`,
    layout: LAYOUT,
    bindings,
    code: /* wgsl */ `${LAYOUT.wgsl}${wgsl}
${MAIN_1D}
  let cols = ${G}u * u.n;
  if (idx >= cols * u.n) { return; }
  // idx walks Uᵀ row by row: column q of U, unit k.
  UT[idx] = Uk[(idx % u.n) * cols + idx / u.n];
}`,
  };
}

/** Reset-after GRU: what multiplied U in row `row` (b·T + t): dz, with the candidate block times r. */
const DINNER = /* wgsl */ `
fn dInner_(row: u32, q: u32) -> f32 {
  let d = DZX[row * G * u.n + q];
  if (q < 2u * u.n) { return d; }
  return d * WORK[row * 4u * u.n + q - u.n];
}`;

/** LSTM: copies dh into the first gate block of dzx, where the step shader reads it. */
export function stageShader(): RecurrentShader {
  const { wgsl, bindings } = declare(['DH', 'DZX!']);
  return {
    key: 'recurrentGrad:stage',
    layout: LAYOUT,
    bindings,
    code: /* wgsl */ `${LAYOUT.wgsl}${wgsl}
${MAIN_1D}
  if (idx >= u.B * u.T * u.n) { return; }
  DZX[(idx / u.n) * 4u * u.n + idx % u.n] = DH[idx];
}`,
  };
}

/**
 * dU = Σ over the B·T rows of hInᵀ·D (one GEMM for the whole sequence). Reset-before GRU's candidate
 * columns take (r⊙hIn) on the left; with reset-after, row n of the output is drb = Σ D (a row of
 * ones on the left, unmasked). The mask is constant per batch row, so it scales each row's sum over
 * steps. Units a multiple of 4 (V = 4): each invocation computes a 4 × 4 block from vec4 loads;
 * otherwise one unit × 4 columns.
 */
export function recurrentKernelGradShader(a: RecurrentAttrs, V: number): RecurrentShader {
  const gruAfter = a.cell === 'gru' && a.resetAfter;
  const gruBefore = a.cell === 'gru' && !a.resetAfter;
  const vec = V === 4;
  const { wgsl, bindings } = declare([
    vec ? 'DZX4' : 'DZX', ...(a.cell === 'gru' ? [vec ? 'WORK4' : 'WORK'] : []), vec ? 'H4' : 'H', vec ? 'H04' : 'H0',
    ...(a.hasMask ? [vec ? 'MASK4' : 'MASK'] : []), 'DU!', ...(gruAfter ? ['DRB!'] : []),
  ]);
  return {
    key: `recurrentGrad:dU:${keyOf(a)}:${V}`,
    layout: LAYOUT,
    bindings,
    code: `${LAYOUT.wgsl}${wgsl}
${vec ? `const G: u32 = ${GATES[a.cell]}u;${blockGemm4(gruAfter, gruBefore, a.hasMask)}` : columnGemm(a, gruAfter, gruBefore)}`,
  };
}

/** dU with vec4 loads: invocation (m0, q0) accumulates units m0..m0+3 × columns q0..q0+3. */
function blockGemm4(gruAfter: boolean, gruBefore: boolean, hasMask: boolean): string {
  const rows = [0, 1, 2, 3];
  return /* wgsl */ `
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let cols = G * u.n;
  let n4 = u.n / 4u;
  let m0 = (wid.y * 16u + lid / 16u) * 4u;
  let q0 = (wid.x * 16u + lid % 16u) * 4u;
  if (m0 > ${gruAfter ? 'u.n' : 'u.n - 1u'} || q0 >= cols) { return; }
  // 4 columns never straddle a gate block (n is a multiple of 4).
  let cand = q0 >= 2u * u.n;
  ${rows.map((i) => `var acc${i} = vec4<f32>(0.0);`).join(' ')}
  for (var b = 0u; b < u.B; b++) {
    ${rows.map((i) => `var s${i} = vec4<f32>(0.0);`).join(' ')}
    for (var t = 0u; t < u.T; t++) {
      let row = b * u.T + t;
      var h = vec4<f32>(1.0);
      if (m0 < u.n) {
        if (t == 0u) { h = H0[b * n4 + m0 / 4u]; } else { h = H[(row - 1u) * n4 + m0 / 4u]; }
        ${gruBefore ? 'if (cand) { h *= WORK[row * 3u * n4 + n4 + m0 / 4u]; }' : ''}
      }
      var d = DZX[row * G * n4 + q0 / 4u];
      ${gruAfter ? 'if (cand) { d *= WORK[row * 4u * n4 + q0 / 4u - n4]; }' : ''}
      ${rows.map((i) => `s${i} += h[${i}] * d;`).join(' ')}
    }
    ${hasMask ? `if (m0 < u.n) {
      let mk = MASK[b * n4 + m0 / 4u];
      ${rows.map((i) => `s${i} *= mk[${i}];`).join(' ')}
    }` : ''}
    ${rows.map((i) => `acc${i} += s${i};`).join(' ')}
  }
  ${gruAfter ? `if (m0 == u.n) {
    for (var c = 0u; c < 4u; c++) { DRB[q0 + c] = acc0[c]; }
    return;
  }` : ''}
  for (var c = 0u; c < 4u; c++) {
    ${rows.map((i) => `DU[(m0 + ${i}u) * cols + q0 + c] = acc${i}[c];`).join('\n    ')}
  }
}`;
}

/** dU for any unit count: invocation (m, q0) accumulates unit m × columns q0..q0+3. */
function columnGemm(a: RecurrentAttrs, gruAfter: boolean, gruBefore: boolean): string {
  const d = gruAfter ? 'dInner_(row, q)' : 'DZX[row * cols + q]';
  const lanes = [0, 1, 2, 3];
  const left = gruBefore
    ? `let hr = h * WORK[row * 3u * u.n + u.n + m];
        let l = vec4<f32>(${lanes.map((c) => `select(h, hr, q0 + ${c}u >= 2u * u.n)`).join(', ')});`
    : 'let l = h;';
  return /* wgsl */ `${helpers(a, { hPrev: true })}
${gruAfter ? DINNER : ''}
// D of one row at columns q0..q0+3 (zeros past the last column).
fn d4_(row: u32, q0: u32, cols: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  ${lanes.map((c) => `if (q0 + ${c}u < cols) { let q = q0 + ${c}u; v[${c}] = ${d}; }`).join('\n  ')}
  return v;
}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let cols = G * u.n;
  let m = wid.y * 16u + lid / 16u;
  let q0 = (wid.x * 16u + lid % 16u) * 4u;
  if (m > ${gruAfter ? 'u.n' : 'u.n - 1u'} || q0 >= cols) { return; }
  var acc = vec4<f32>(0.0);
  for (var b = 0u; b < u.B; b++) {
    var rowSum = vec4<f32>(0.0);
    for (var t = 0u; t < u.T; t++) {
      let row = b * u.T + t;
      var h = 1.0;
      if (m < u.n) { h = hPrev_(b, t, m); }
      ${left}
      rowSum += l * d4_(row, q0, cols);
    }
    ${a.hasMask ? 'if (m < u.n) { rowSum *= MASK[b * u.n + m]; }' : ''}
    acc += rowSum;
  }
  for (var c = 0u; c < 4u; c++) {
    let q = q0 + c;
    if (q < cols) {
      ${gruAfter ? 'if (m == u.n) { DRB[q] = acc[c]; } else { DU[m * cols + q] = acc[c]; }' : 'DU[m * cols + q] = acc[c];'}
    }
  }
}`;
}
