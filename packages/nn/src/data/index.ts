// Data utilities: CSV loading, streamed and in-memory batches, windowing, chronological splits, normalization.
export { timeseriesDataset, timeseriesDatasetAsync } from './timeseries.js';
export type { TimeseriesDataset, TimeseriesOptions, WindowBatch } from './timeseries.js';
export { chronologicalSplit } from './split.js';
export type { ChronologicalSplit, SplitFractions } from './split.js';
export { Normalizer, normalizer } from './normalizer.js';
export type { NormalizerState } from './normalizer.js';
export type { SeriesLike } from './host-array.js';
export { CsvTable, loadCsv } from './csv.js';
export type { CsvDtype, CsvOptions, CsvSource, MissingPolicy } from './csv.js';
export { batchDataset, csvBatches } from './batches.js';
export type { Batch, BatchDataset, BatchDatasetOptions, BatchSource, CsvBatchOptions, CsvBatchSource } from './batches.js';
