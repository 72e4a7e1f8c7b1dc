// Entry point of the wasm module: every exported kernel plus the heap base for the JS allocator.

export { unaryF32, unaryI32, predicateF32, logicalNot, cast, fill } from './unary';
export { binary, where } from './binary';
export { copyStrided, transpose2d, gatherCheck, gather } from './shape';
export { reduce, argReduce, softmax, cumsum, topk } from './reduce';
export {
  gemm, gemmStrided, gemmPackedBRows, matmul, packASize, packBSize, packBColumns, packedBSize, setGemmRows, setGemmBlocking,
} from './gemm';
export { conv2d, pool2d } from './conv';
export { adamUpdate } from './optimizer';
export { setThreadScratch, threadScratchSize } from './common';
export { recurrent, recurrentScratchSize } from './recurrent';
export { recurrentGrad, recurrentGradScratchSize } from './recurrent-grad';

/** First byte after the module's static data: the JS allocator owns memory from here. */
export function heapBase(): usize {
  return __heap_base;
}
