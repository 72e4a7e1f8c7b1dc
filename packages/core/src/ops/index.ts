// Every public op, grouped by family.
export * from './creation.js';
export * from './elementwise.js';
export * from './reduction.js';
export * from './linalg.js';
export * from './shape.js';
export * from './conv.js';
export * from './recurrent.js';
export * from './optimizer.js';
export type { TensorLike } from './convert.js';
