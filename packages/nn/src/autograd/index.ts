// Autodiff's public surface: the tape API (grad, grads, valueAndGrad, valueAndGrads, variableGrads)
// and variables. The gradient table (rules/) is internal; @loom/nn/testing checks it.
export { grad, grads, valueAndGrad, valueAndGrads, variableGrads } from './tape.js';
export { Variable, variable } from './variable.js';
