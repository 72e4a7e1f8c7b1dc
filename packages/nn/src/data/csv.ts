// CSV loading on the host: text, files, URLs, Blobs and streams are read in chunks and parsed with
// papaparse (imported lazily so the core bundle does not carry it), then typed per column.

import { tensor, type Tensor } from '@loom/core';
import { checkOptions, given, positiveInt } from '../validate.js';

/** Where CSV comes from. A string holding a line break is CSV text; any other string is a path (Node) or URL. */
export type CsvSource =
  | string | URL | Blob | ReadableStream<Uint8Array | string> | AsyncIterable<Uint8Array | string>
  | (() => ReadableStream<Uint8Array | string> | AsyncIterable<Uint8Array | string>);

/** How a column is read: numbers (Float32Array), text (string[]) or categories (codes into `categories`). */
export type CsvDtype = 'number' | 'string' | 'category';

/** What to do with a missing value (an empty cell or one of `naValues`). */
export type MissingPolicy = 'error' | 'nan' | 'drop' | { fill: number };

/** Options of `loadCsv`. */
export interface CsvOptions {
  /** The first record names the columns (default true); without it columns are named '0', '1', ... */
  header?: boolean;
  /** Column names to use instead of the header (or when there is none). */
  names?: string[];
  /** Columns to load, by name or index (default all); the others are neither typed nor checked. */
  columns?: (string | number)[];
  /** Types per column name; a column not listed is 'number' when every present cell is a number, else 'string'. */
  dtypes?: Record<string, CsvDtype>;
  /** Field delimiter (default: detected from the first lines). */
  delimiter?: string;
  /** Default 'error': missing values in a loaded column throw, naming the column and its first missing row. */
  missing?: MissingPolicy;
  /** Cells read as missing, after trimming (default '', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL'). */
  naValues?: string[];
  /** Characters read per chunk from text and files (default 1 MiB). */
  chunkSize?: number;
}

const DEFAULT_NA = ['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL'];
const isNode = (): boolean => typeof process !== 'undefined' && !!process.versions?.node;

async function* decode(op: string, chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  for await (const c of chunks) {
    if (typeof c === 'string') yield c;
    else if (c instanceof Uint8Array) yield decoder.decode(c, { stream: true });
    else throw new Error(`${op}: the stream yielded ${given(c)}; expected Uint8Array or string chunks`);
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

// Streams already read: a second read would silently see an empty or partial file.
const consumed = new WeakSet<ReadableStream<unknown>>();

async function* streamChunks(op: string, stream: ReadableStream<Uint8Array | string>): AsyncGenerator<Uint8Array | string> {
  if (stream.locked || consumed.has(stream)) throw new Error(`${op}: the ReadableStream is locked (already read or being read); a stream can be read once — pass a function returning a new stream to read it every epoch`);
  const reader = stream.getReader();
  // Marked at the start: a pass stopped early leaves the stream part-read, and a later pass would start mid-file.
  consumed.add(stream);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

async function* fetchChunks(op: string, url: string): AsyncGenerator<string> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new Error(`${op}: fetching '${url}' failed (${(e as Error).message})`);
  }
  if (!res.ok || !res.body) throw new Error(`${op}: fetching '${url}' failed: HTTP ${res.status}`);
  yield* decode(op, streamChunks(op, res.body));
}

async function* fileChunks(op: string, path: string | URL, chunkSize: number): AsyncGenerator<string> {
  // A variable specifier keeps browser bundlers from resolving node:fs.
  const fsName = 'node:fs';
  const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs');
  try {
    yield* fs.createReadStream(path, { encoding: 'utf8', highWaterMark: chunkSize }) as AsyncIterable<string>;
  } catch (e) {
    throw new Error(`${op}: cannot read the file '${String(path)}' (${(e as Error).message}); a string without a line break is read as a path — CSV text needs a line break`);
  }
}

/** The source as text chunks; called once per pass, so paths, URLs, text and Blobs can be read every epoch. */
export async function* textChunks(op: string, source: CsvSource, chunkSize: number): AsyncGenerator<string> {
  const src = typeof source === 'function' ? source() : source;
  if (typeof src === 'string') {
    if (/[\r\n]/.test(src)) {
      for (let i = 0; i < src.length; i += chunkSize) yield src.slice(i, i + chunkSize);
    } else if (/^(https?|blob|data):/i.test(src) || !isNode()) {
      yield* fetchChunks(op, src);
    } else {
      yield* fileChunks(op, src.startsWith('file:') ? new URL(src) : src, chunkSize);
    }
  } else if (src instanceof URL) {
    if (src.protocol === 'file:' && isNode()) yield* fileChunks(op, src, chunkSize);
    else yield* fetchChunks(op, src.href);
  } else if (typeof Blob !== 'undefined' && src instanceof Blob) {
    yield* decode(op, streamChunks(op, src.stream() as ReadableStream<Uint8Array>));
  } else if (typeof ReadableStream !== 'undefined' && src instanceof ReadableStream) {
    yield* decode(op, streamChunks(op, src));
  } else if (src !== null && typeof src === 'object' && Symbol.asyncIterator in src) {
    yield* decode(op, src);
  } else {
    throw new Error(`${op}: source must be CSV text, a path or URL, a Blob, a ReadableStream or an async iterable of chunks, got ${given(src)}`);
  }
}

/**
 * The source's records, a chunk's worth at a time. Each chunk is parsed together with the record the
 * previous chunk ended inside, and the last record of a chunk is held back until the next one, since
 * it may continue there (a quoted field can even hold line breaks).
 */
export async function* csvRecords(op: string, source: CsvSource, delimiter: string | undefined, chunkSize: number): AsyncGenerator<string[][]> {
  const Papa = ((await import('papaparse')) as { default: typeof import('papaparse') }).default;
  let carry = '';
  let delim = delimiter;
  let newline: string | undefined;
  let first = true;
  let record = 0;
  const parse = (text: string, final: boolean): string[][] => {
    const rows: string[][] = [];
    const cursors: number[] = [];
    const errors: { row: number; message: string }[] = [];
    Papa.parse<string[]>(text, {
      delimiter: delim, newline: newline as '\n' | undefined, skipEmptyLines: true,
      step: (r) => {
        rows.push(r.data);
        cursors.push(r.meta.cursor);
        for (const e of r.errors) if (e.type === 'Quotes') errors.push({ row: rows.length - 1, message: e.message });
      },
    });
    if (!final) {
      carry = rows.length ? text.slice(rows.length > 1 ? cursors[rows.length - 2] : 0) : '';
      rows.pop();
    }
    const bad = errors.find((e) => e.row < rows.length);
    if (bad) throw new Error(`${op}: malformed quotes in record ${record + bad.row} (${bad.message})`);
    record += rows.length;
    return rows;
  };
  let pending = '';
  for await (let chunk of textChunks(op, source, chunkSize)) {
    if (first) {
      // Guess the delimiter and line break once, from a buffer holding a whole first line, so every
      // chunk is parsed the same way.
      pending += chunk;
      const nl = pending.search(/[\r\n][^\r\n]/);
      if (nl < 0) continue;
      chunk = pending.replace(/^\ufeff/, '');
      const guess = Papa.parse<string[]>(chunk.slice(0, Math.min(chunk.length, 64 * 1024)), { delimiter: delim, preview: 10, skipEmptyLines: true });
      delim ??= guess.meta.delimiter;
      newline = guess.meta.linebreak;
      first = false;
      pending = '';
    }
    const rows = parse(carry + chunk, false);
    if (rows.length) yield rows;
  }
  if (first) {
    carry = pending.replace(/^\ufeff/, '');
    newline = undefined;
  }
  const rows = parse(carry, true);
  if (rows.length) yield rows;
}

/** Column indices for `wanted` (names or indices) among `names`; errors list what exists. */
export function resolveColumns(op: string, option: string, names: readonly string[], wanted: readonly (string | number)[]): number[] {
  if (!Array.isArray(wanted) || wanted.length === 0) throw new Error(`${op}: ${option} must be a non-empty list of column names or indices, got ${given(wanted)}`);
  return wanted.map((w) => {
    if (typeof w === 'number') {
      if (Number.isInteger(w) && w >= 0 && w < names.length) return w;
      throw new Error(`${op}: ${option} has the column index ${w}, but the file has ${names.length} columns (0 to ${names.length - 1})`);
    }
    const i = names.indexOf(w);
    if (typeof w !== 'string' || i < 0) {
      throw new Error(`${op}: ${option} names an unknown column ${given(w)}; columns: ${names.map((n) => `'${n}'`).join(', ')}`);
    }
    return i;
  });
}

/** Column names from the header record (or '0', '1', ... without one), checked for duplicates. */
export function columnNames(op: string, first: string[], header: boolean, names: string[] | undefined): string[] {
  const out = names ? [...names] : header ? first.map((n, i) => n.trim() || String(i)) : first.map((_, i) => String(i));
  if (names && names.length !== first.length) {
    throw new Error(`${op}: names has ${names.length} entries but the records have ${first.length} fields`);
  }
  const seen = new Map<string, number>();
  out.forEach((n, i) => {
    if (seen.has(n)) throw new Error(`${op}: the column name '${n}' appears twice (columns ${seen.get(n)} and ${i}); pass names to rename`);
    seen.set(n, i);
  });
  return out;
}

/** Checks a `missing` option. */
export function missingPolicy(op: string, v: unknown, allowed: readonly string[]): MissingPolicy {
  if (v === undefined) return 'error';
  if (typeof v === 'string' && allowed.includes(v)) return v as MissingPolicy;
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && 'fill' in v &&
      typeof (v as { fill: unknown }).fill === 'number' && Number.isFinite((v as { fill: number }).fill)) {
    return v as { fill: number };
  }
  throw new Error(`${op}: missing must be ${allowed.map((a) => `'${a}'`).join(', ')} or { fill: <finite number> }, got ${given(v)}`);
}

const missingHint = (allowed: readonly string[]): string =>
  `set missing to ${allowed.filter((a) => a !== 'error').map((a) => `'${a}'`).join(', ')} or { fill: number }`;

/** Reads a number cell: NaN for missing (the caller applies the policy), throws for text. */
export function numberCell(op: string, cell: string | undefined, na: ReadonlySet<string>, column: string, row: number): number {
  const s = (cell ?? '').trim();
  if (na.has(s)) return NaN;
  const v = Number(s);
  if (Number.isNaN(v)) throw new Error(`${op}: column '${column}' is numeric but row ${row} holds ${given(cell)}; type it as 'string' or 'category' in dtypes, or list the value in naValues`);
  return v;
}

/** A loaded CSV: typed columns, their missing-value counts, and conversions for training. */
export class CsvTable {
  /** Loaded column names, in order. */
  readonly columns: string[];
  /** The type each column was read as. */
  readonly dtypes: Record<string, CsvDtype>;
  /** Rows kept (after `missing: 'drop'`). */
  readonly numRows: number;
  /** Missing values per column, as found in the file (before any policy). */
  readonly missing: Record<string, number>;
  /** Rows dropped by `missing: 'drop'`. */
  readonly droppedRows: number;
  /** Labels of each category column; a code is an index into its list (in order of first appearance). */
  readonly categories: Record<string, string[]>;
  private readonly data: Map<string, Float32Array | string[]>;

  constructor(args: {
    columns: string[]; dtypes: Record<string, CsvDtype>; numRows: number; missing: Record<string, number>;
    droppedRows: number; categories: Record<string, string[]>; data: Map<string, Float32Array | string[]>;
  }) {
    this.columns = args.columns;
    this.dtypes = args.dtypes;
    this.numRows = args.numRows;
    this.missing = args.missing;
    this.droppedRows = args.droppedRows;
    this.categories = args.categories;
    this.data = args.data;
  }

  /** One column by name or index among `columns`: a Float32Array (numbers, category codes) or string[]. */
  column(name: string | number): Float32Array | string[] {
    const [i] = resolveColumns('CsvTable.column', 'name', this.columns, [name]);
    return this.data.get(this.columns[i])!;
  }

  /** Numeric columns (default: all loaded ones) as rows `[numRows][features]`, for timeseriesDataset, chronologicalSplit or Normalizer. */
  toSeries(columns?: (string | number)[]): Float32Array[] {
    const { cols, values } = this.matrix('CsvTable.toSeries', columns);
    return Array.from({ length: this.numRows }, (_, r) => values.subarray(r * cols.length, (r + 1) * cols.length));
  }

  /** Numeric columns (default: all loaded ones) as a float32 tensor [numRows, features] the caller disposes. */
  toTensor(columns?: (string | number)[]): Tensor {
    const { cols, values } = this.matrix('CsvTable.toTensor', columns);
    return tensor(values, [this.numRows, cols.length]);
  }

  private matrix(op: string, columns: (string | number)[] | undefined): { cols: Float32Array[]; values: Float32Array } {
    const idx = columns === undefined ? this.columns.map((_, i) => i) : resolveColumns(op, 'columns', this.columns, columns);
    const cols = idx.map((i) => {
      const c = this.data.get(this.columns[i])!;
      if (!(c instanceof Float32Array)) throw new Error(`${op}: column '${this.columns[i]}' holds text; type it as 'category' in dtypes to use its codes, or leave it out`);
      return c;
    });
    const values = new Float32Array(this.numRows * cols.length);
    for (let r = 0; r < this.numRows; r++) for (let c = 0; c < cols.length; c++) values[r * cols.length + c] = cols[c][r];
    return { cols, values };
  }
}

const LOAD_OPTIONS = ['header', 'names', 'columns', 'dtypes', 'delimiter', 'missing', 'naValues', 'chunkSize'];

/**
 * Loads a CSV into typed columns. Missing values are counted per column and handled by `missing`
 * ('error' by default). Blank lines are skipped.
 */
export async function loadCsv(source: CsvSource, options: CsvOptions = {}): Promise<CsvTable> {
  const op = 'loadCsv';
  checkOptions(op, options, LOAD_OPTIONS);
  const header = options.header ?? true;
  if (typeof header !== 'boolean') throw new Error(`${op}: header must be true or false, got ${given(header)}`);
  const policy = missingPolicy(op, options.missing, ['error', 'nan', 'drop']);
  const na = new Set(options.naValues ?? DEFAULT_NA);
  const chunkSize = positiveInt(op, 'chunkSize', options.chunkSize, 1 << 20);
  let names: string[] | undefined;
  let selected: number[] = [];
  let cells: string[][] = [];
  let rows = 0;
  for await (const batch of csvRecords(op, source, options.delimiter, chunkSize)) {
    let start = 0;
    if (!names) {
      names = columnNames(op, batch[0], header, options.names);
      selected = options.columns === undefined ? names.map((_, i) => i) : resolveColumns(op, 'columns', names, options.columns);
      cells = selected.map(() => []);
      if (header) start = 1;
    }
    for (let r = start; r < batch.length; r++, rows++) {
      const rec = batch[r];
      if (rec.length > names.length) throw new Error(`${op}: row ${rows} has ${rec.length} fields but there are ${names.length} columns`);
      // A short record (a truncated last line) leaves its absent cells missing.
      for (let c = 0; c < selected.length; c++) cells[c].push(rec[selected[c]] ?? '');
    }
  }
  if (!names) throw new Error(`${op}: the source holds no records`);
  const colNames = selected.map((i) => names![i]);
  const dtypesOpt = options.dtypes ?? {};
  for (const k of Object.keys(dtypesOpt)) {
    if (!colNames.includes(k)) throw new Error(`${op}: dtypes names an unknown or unloaded column '${k}'; loaded: ${colNames.map((n) => `'${n}'`).join(', ')}`);
    if (!['number', 'string', 'category'].includes(dtypesOpt[k])) throw new Error(`${op}: dtypes['${k}'] must be 'number', 'string' or 'category', got ${given(dtypesOpt[k])}`);
  }
  const isMissing = cells.map((col) => col.map((s) => na.has(s.trim())));
  const missing: Record<string, number> = {};
  colNames.forEach((n, c) => { missing[n] = isMissing[c].reduce((a, m) => a + (m ? 1 : 0), 0); });
  if (policy === 'error') {
    const c = colNames.findIndex((n) => missing[n] > 0);
    if (c >= 0) {
      throw new Error(`${op}: column '${colNames[c]}' has ${missing[colNames[c]]} missing values (first at row ${isMissing[c].indexOf(true)}); ${missingHint(['error', 'nan', 'drop'])}`);
    }
  }
  const keep: number[] = [];
  for (let r = 0; r < rows; r++) if (policy !== 'drop' || !isMissing.some((m) => m[r])) keep.push(r);
  const dtypes: Record<string, CsvDtype> = {};
  const categories: Record<string, string[]> = {};
  const data = new Map<string, Float32Array | string[]>();
  const fill = typeof policy === 'object' ? policy.fill : NaN;
  colNames.forEach((name, c) => {
    const col = cells[c];
    const dtype = dtypesOpt[name] ?? (col.every((s, r) => isMissing[c][r] || !Number.isNaN(Number(s.trim()))) ? 'number' : 'string');
    dtypes[name] = dtype;
    if (dtype === 'string') {
      data.set(name, keep.map((r) => (isMissing[c][r] ? '' : col[r])));
    } else if (dtype === 'category') {
      const labels = new Map<string, number>();
      const codes = new Float32Array(keep.length);
      keep.forEach((r, i) => {
        if (isMissing[c][r]) { codes[i] = fill; return; }
        if (!labels.has(col[r])) labels.set(col[r], labels.size);
        codes[i] = labels.get(col[r])!;
      });
      categories[name] = [...labels.keys()];
      data.set(name, codes);
    } else {
      const v = new Float32Array(keep.length);
      keep.forEach((r, i) => { v[i] = isMissing[c][r] ? fill : numberCell(op, col[r], na, name, r); });
      data.set(name, v);
    }
  });
  return new CsvTable({ columns: colNames, dtypes, numRows: keep.length, missing, droppedRows: rows - keep.length, categories, data });
}

export { DEFAULT_NA };
