// Autodiff: the tape (grad, valueAndGrad, variableGrads), variables and the VJP table.
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads } from './tape.js';
export { Variable, variable } from './variable.js';
export { VJP, SAVED, isNonDifferentiable } from './vjp.js';
export type { NonDifferentiable, Saved, VjpContext, VjpFn, VjpRule } from './vjp.js';
