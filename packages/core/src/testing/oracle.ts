// Running a case's TensorFlow.js oracle.

import type { OpCase, ResultData, TfLike } from './types.js';

/** Runs `c.tf` with TensorFlow.js and returns its outputs as plain data. */
export async function oracleResults(tf: TfLike, c: OpCase): Promise<ResultData[]> {
  if (!c.tf) throw new Error(`${c.name} has no TensorFlow.js oracle`);
  const inputs = c.inputs.map((i) => tf.tensor(i.dtype === 'bool' ? i.values.map((v) => !!v) : i.values, i.shape, i.dtype));
  try {
    const out = c.tf(tf, inputs);
    const list = Array.isArray(out) ? out : [out];
    const results: ResultData[] = [];
    for (const t of list) {
      const values = await t.data();
      results.push({ shape: [...t.shape], dtype: t.dtype, values });
      t.dispose();
    }
    return results;
  } finally {
    for (const t of inputs) t.dispose();
  }
}
