// What the examples share: the wasm backend (the fast CPU path) and a synthetic pump log with daily
// cycles, slow drift, noise and rare faults, written as CSV the way a plant historian exports it.
import * as loom from '@loom/core';
import { wasm } from '@loom/wasm-kernels';

/** LOOM_EXAMPLE_TINY=1 (the test) runs every example on small settings. */
export const tiny = process.env.LOOM_EXAMPLE_TINY === '1';

export async function useWasm() {
  loom.registerBackend({ name: 'wasm', create: () => wasm() }, 2);
  await loom.init();
  console.log(`backend: ${loom.info().backend}`);
}

/** A pump's hourly temperature, pressure and vibration; `fault` marks hours with a bearing fault. */
export function pumpCsv(hours, seed = 1) {
  const rng = new loom.SeededRandom(seed);
  const rows = ['time,temperature,pressure,vibration,fault'];
  let faultLeft = 0;
  for (let h = 0; h < hours; h++) {
    if (faultLeft === 0 && rng.uniform() < 0.02) faultLeft = 6;
    const fault = faultLeft > 0 ? 1 : 0;
    if (faultLeft > 0) faultLeft--;
    const day = Math.sin((2 * Math.PI * h) / 24);
    const temperature = 60 + 5 * day + 0.002 * h + 0.3 * rng.normal() + 4 * fault;
    const pressure = 3 + 0.2 * Math.cos((2 * Math.PI * h) / 24) + 0.05 * rng.normal();
    const vibration = 0.5 + 0.05 * rng.normal() + 0.6 * fault;
    rows.push([h, temperature.toFixed(3), pressure.toFixed(3), vibration.toFixed(3), fault].join(','));
  }
  return rows.join('\n');
}
