// Time-series data utilities: windowing, chronological splits, normalization.
export { timeseriesDataset } from './timeseries.js';
export type { TimeseriesDataset, TimeseriesOptions, WindowBatch } from './timeseries.js';
export { chronologicalSplit } from './split.js';
export type { ChronologicalSplit, SplitFractions } from './split.js';
export { Normalizer, normalizer } from './normalizer.js';
export type { NormalizerState } from './normalizer.js';
export type { SeriesLike } from './host-array.js';
