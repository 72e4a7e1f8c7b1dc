// GPU fault tests in Chromium; see fault-cases.ts.
// Where WebGPU is unavailable, a failing test names the reason (see probe.ts).

import { defineFaultTests } from './fault-cases.js';
import { probeWebGPU, whenWebGPUMissing } from './probe.js';

const probe = await probeWebGPU();

if (probe.backend) {
  probe.backend.dispose(); // each describe creates a backend with its own options
  defineFaultTests();
} else {
  whenWebGPUMissing('webgpu fault tests (Chromium)', probe.reason);
}
