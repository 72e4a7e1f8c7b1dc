// Half-precision decoding, shared by the formats that store float16 weights (TF.js quantization, safetensors).

/** IEEE 754 binary16 bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** bfloat16 bits → number (the high half of a float32). */
export function bfloat16ToFloat(h: number): number {
  return new Float32Array(new Uint32Array([h << 16]).buffer)[0];
}
