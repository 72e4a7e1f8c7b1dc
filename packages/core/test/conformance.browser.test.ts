// The reference backend `js` against the oracle, in Chromium (same cases as the Node run).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// The recurrent backward cases use tf.grads as their oracle.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { JsBackend, findBackend } from '@loom/core';
import { defineConformanceSuite } from '@loom/core/testing';

await tf.setBackend('cpu');
defineConformanceSuite('js', () => findBackend('js') ?? new JsBackend(), { tf });
