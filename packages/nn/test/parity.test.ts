// Parity with TensorFlow.js on the reference backend js (see parity-suite.ts).

import { setBackend } from '@loom/core';
import { defineParitySuite } from './parity-suite.js';

defineParitySuite('js', () => setBackend('js'));
