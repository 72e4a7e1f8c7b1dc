// Shared types of the benchmark harness: engines (a library + backend), cases, samples and results.
// Cases talk to engines only through `TensorOps` and `TrainApi`, so one case definition serves all.

/** Engine-neutral tensor operations; `T` is the engine's own tensor type. */
export interface TensorOps<T = unknown> {
  fromArray(values: Float32Array, shape: readonly number[]): T;
  /** Full read-back (used by the correctness gate, never timed). */
  read(t: T): Promise<Float32Array>;
  /** Waits until `t` is computed (a no-op on synchronous CPU backends). */
  sync(t: T): Promise<void>;
  dispose(t: T): void;
  /** Runs `fn`, disposing every intermediate except the returned tensor. */
  tidy(fn: () => T): T;
  matmul(a: T, b: T): T;
  add(a: T, b: T): T;
  mul(a: T, b: T): T;
  relu(x: T): T;
  exp(x: T): T;
  tanh(x: T): T;
  sigmoid(x: T): T;
  gelu(x: T): T;
  sum(x: T, axis: number): T;
  max(x: T, axis: number): T;
  softmax(x: T): T;
  /** x [batch, width, channels], filter [k, cin, cout], stride 1, padding 'same'. */
  conv1d(x: T, filter: T): T;
  /** x NHWC, filter [kh, kw, cin, cout], stride 1, padding 'same'. */
  conv2d(x: T, filter: T): T;
}

/** A layer of a small model description that both Loom nn and TF.js layers can build. */
export type LayerSpec =
  | { type: 'dense'; units: number; activation?: 'relu' | 'softmax' | 'linear' }
  | { type: 'lstm'; units: number; stateful?: boolean }
  | { type: 'gru'; units: number };

/** A model to train or run: input shape without the batch axis, layers, loss, Adam learning rate. */
export interface ModelSpec {
  inputShape: number[];
  /** A fixed batch size (needed by stateful layers: batchInputShape = [batchSize, ...inputShape]). */
  batchSize?: number;
  layers: LayerSpec[];
  loss: 'meanSquaredError' | 'categoricalCrossentropy';
  learningRate: number;
}

/** A built model on one engine. */
export interface ModelHandle {
  /** Shapes of the trainable weights in the engine's order (Keras order on both sides). */
  weightShapes(): number[][];
  setWeights(values: Float32Array[]): void;
  /**
   * Uploads (x, y) once; each `step()` is one optimizer step resolving to the loss. `counters()`, where
   * the engine can count, runs one more step and says what it took (e.g. GPU dispatches).
   */
  trainer(x: Float32Array, xShape: number[], y: Float32Array, yShape: number[]): {
    step(): Promise<number>; counters?(): Promise<Record<string, number>>; dispose(): void;
  };
  /** Uploads x once; each `run()` is a forward pass resolving to the output values. */
  predictor(x: Float32Array, xShape: number[]): { run(): Promise<Float32Array>; dispose(): void };
  dispose(): void;
}

/** Model building for training-step and inference cases. */
export interface TrainApi {
  build(spec: ModelSpec): Promise<ModelHandle>;
}

/** One library + backend under test. */
export interface Engine {
  /** Unique id, e.g. 'loom-wasm', 'tfjs-cpu'. */
  id: string;
  /** Loom engines are compared against peers. */
  family: 'loom' | 'peer';
  /** Human label, e.g. 'Loom wasm (relaxed-simd)'. */
  label: string;
  /** Library version, backend details. */
  version: string;
  /** Where it computes: the roofline column applies to 'cpu' engines only (the peak is a CPU figure). */
  device: 'cpu' | 'gpu';
  /** CPU threads it computes on (default 1): its roofline is against that many times the single-thread peak. */
  threads?: number;
  /** Makes this engine's backend current (engines share global library state). */
  activate(): Promise<void>;
  ops: TensorOps<any>;
  /** Model building, or why it is missing. */
  train?: TrainApi;
  trainUnavailable?: string;
}

/** Engines that were asked for but could not be created. */
export interface UnavailableEngine {
  id: string;
  label: string;
  reason: string;
}

/** How a case's throughput is expressed. */
export type Unit = 'GFLOP/s' | 'GB/s' | 'Gelem/s' | 'ms/step' | 'ms';

/** What one run of a case does, for throughput and the roofline. */
export interface Work {
  /** Floating-point operations per run. */
  flops?: number;
  /** Bytes that must move to/from memory per run (inputs read once, outputs written once). */
  bytes?: number;
  /** Elements processed per run. */
  elems?: number;
}

/** One instance of a case on one engine. */
export interface CaseInstance {
  /** One timed run (includes waiting for the result, excludes reading it back). */
  step(): Promise<void> | void;
  /** The values checked by the correctness gate (computed once, before timing). */
  result(): Promise<Float32Array>;
  /** Counts of one run (not timed), where the engine can count: e.g. 'GPU dispatches per step'. */
  counters?(): Promise<Record<string, number>>;
  dispose(): void;
}

/** Absolute + relative tolerance: |a - b| <= abs + rel * |ref|. */
export interface Tolerance {
  abs: number;
  rel: number;
}

/** A benchmark case. */
export interface BenchCase {
  id: string;
  group: string;
  title: string;
  unit: Unit;
  work: Work;
  tolerance: Tolerance;
  /** Left out of --quick runs (large sizes). */
  full?: boolean;
  /** Whether `engine` can run it, or the reason it cannot. */
  supports?(engine: Engine): true | string;
  create(engine: Engine): Promise<CaseInstance>;
}

/** Statistics over one engine's samples (seconds per run). */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** One engine's outcome on one case. */
export type EngineOutcome =
  | {
    status: 'ok'; samples: number[]; repsPerSample: number; summary: Summary; throughput: number; roofline?: number; maxError: number;
    counters?: Record<string, number>;
  }
  | { status: 'wrong'; error: string; maxError: number }
  | { status: 'error'; error: string }
  | { status: 'unsupported'; error: string };

/** Loom/peer ratio on one case: > 1 means Loom is faster. */
export interface PairRatio {
  loom: string;
  peer: string;
  /** Median over rounds of peerTime / loomTime, paired round by round. */
  ratio: number;
  min: number;
  max: number;
}

/** One case's outcome across engines. */
export interface CaseResult {
  id: string;
  group: string;
  title: string;
  unit: Unit;
  work: Work;
  reference: string | null;
  engines: Record<string, EngineOutcome>;
  ratios: PairRatio[];
}

/** Peak figures from the microbenchmark (single thread). */
export interface PeakFigures {
  simdGflops: number;
  relaxedGflops: number | null;
  copyGBs: number;
}

/** The machine and software that produced a report. */
export interface MachineInfo {
  host: string;
  platform: string;
  cpu: string;
  cores: number;
  runtime: string;
  date: string;
  notes: string[];
}

/** Everything a run produced. */
export interface BenchReport {
  machine: MachineInfo;
  options: { quick: boolean; filter: string | null; rounds: number; warmup: number; minSampleMs: number };
  engines: { id: string; label: string; family: 'loom' | 'peer'; version: string; device: 'cpu' | 'gpu' }[];
  unavailable: UnavailableEngine[];
  peak: PeakFigures | null;
  cases: CaseResult[];
  /** Cases that were not run at all, with the reason (e.g. @loom/nn missing). */
  skipped: { id: string; reason: string }[];
}
