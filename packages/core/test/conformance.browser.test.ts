// The reference backend `js` against the oracle, in Chromium (same cases as the Node run).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { JsBackend, findBackend } from '@loom/core';
import { defineConformanceSuite } from '@loom/core/testing';

await tf.setBackend('cpu');
defineConformanceSuite('js', () => findBackend('js') ?? new JsBackend(), { tf });
