// The conformance suite on the threaded build with 2 threads, splitting every op the scheduler can
// split whatever its size, so each sliced kernel (GEMM panels, batches, conv bands, elementwise and
// strided ranges, rows) is checked against the reference on the suite's small cases.

import { defineConformanceSuite } from '@loom/core/testing';
import { wasm } from '@loom/wasm-kernels';

defineConformanceSuite('wasm-threads', () => wasm({ threads: 2, splitSmallOps: true, name: 'wasm-threads' }));
