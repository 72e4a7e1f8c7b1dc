// The int32 parameter blocks of the TypeScript ↔ AssemblyScript ABI: named slots both sides index
// by (src/kernels.ts writes them, assembly/ reads them). Read by both compilers: only `export const enum`.
// src/kernels.ts fills the conv2d and pool2d blocks through a mapped type over the enum, so a slot
// added here is a compile error until TypeScript writes it.

/**
 * A strided walk (`binary`, `where`, `copyStrided`): `rank` at slot 0, the dims from slot `shape`,
 * then one stride list (in elements) per operand: list k starts at `shape + (k + 1)·rank`.
 */
export const enum StridedParam {
  rank = 0,
  shape = 1,
  /** Most dims a walk may have after collapsing (the kernels' odometer holds this many). */
  maxRank = 16,
  /** Bytes of the kernels' odometer: maxRank int32s. */
  odometerBytes = 64,
}

/** `conv2d` (assembly/conv.ts): NHWC input, [kh, kw, c, f] filter, NHWC output. */
export const enum Conv2dParam {
  batch = 0,
  inH = 1,
  inW = 2,
  inC = 3,
  kernelH = 4,
  kernelW = 5,
  filters = 6,
  strideH = 7,
  strideW = 8,
  dilationH = 9,
  dilationW = 10,
  padTop = 11,
  padLeft = 12,
  outH = 13,
  outW = 14,
}

/** `pool2d` (assembly/conv.ts): NHWC input and output, same channels. */
export const enum Pool2dParam {
  batch = 0,
  inH = 1,
  inW = 2,
  channels = 3,
  windowH = 4,
  windowW = 5,
  strideH = 6,
  strideW = 7,
  padTop = 8,
  padLeft = 9,
  outH = 10,
  outW = 11,
}

/** `recurrent` / `recurrentGrad` (assembly/recurrent*.ts): the sizes and the cell's options. */
export const enum RecurrentParam {
  /** A RecurrentCellCode. */
  cell = 0,
  /** RecurrentActivationCodes: the candidate / output activation and the gate activation. */
  activation = 1,
  recurrentActivation = 2,
  /** gru: 1 when the reset gate multiplies h·U_h + b_rh (then rb is an input), 0 otherwise. */
  resetAfter = 3,
  /** 1 when a [batch, units] mask multiplies h before every recurrent matmul. */
  hasMask = 4,
  batch = 5,
  steps = 6,
  units = 7,
}
