// loadCsv: typing, header, quoting, missing values per policy, column selection, sources, errors.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dispose, memory } from '@loom/core';
import { chronologicalSplit, loadCsv, normalizer, timeseriesDataset } from '../src/index.js';

const f32 = (xs: number[]): Float32Array => Float32Array.from(xs);

describe('loadCsv', () => {
  it('types columns: numbers when every present cell is numeric, else strings; dtypes override', async () => {
    const t = await loadCsv('time,temp,site,ok\n0,21.5,north,1\n1,-3e2,south,0\n2,0.25,north,1\n');
    expect(t.columns).toEqual(['time', 'temp', 'site', 'ok']);
    expect(t.numRows).toBe(3);
    expect(t.dtypes).toEqual({ time: 'number', temp: 'number', site: 'string', ok: 'number' });
    expect(t.column('temp')).toEqual(f32([21.5, -300, 0.25]));
    expect(t.column('site')).toEqual(['north', 'south', 'north']);
    expect(t.column(0)).toEqual(f32([0, 1, 2]));
    const c = await loadCsv('site,ok\nnorth,1\nsouth,0\nnorth,1\neast,1\n', { dtypes: { site: 'category', ok: 'string' } });
    expect(c.column('site')).toEqual(f32([0, 1, 0, 2]));
    expect(c.categories.site).toEqual(['north', 'south', 'east']);
    expect(c.column('ok')).toEqual(['1', '0', '1', '1']);
  });

  it('reads files without a header, other delimiters and quoted fields (delimiters, quotes, line breaks)', async () => {
    const t = await loadCsv('1;2\n3;4\r\n', { header: false });
    expect(t.columns).toEqual(['0', '1']);
    expect(t.toSeries()).toEqual([f32([1, 2]), f32([3, 4])]);
    const named = await loadCsv('1\t2\n3\t4\n', { header: false, names: ['a', 'b'], delimiter: '\t' });
    expect(named.column('b')).toEqual(f32([2, 4]));
    const q = await loadCsv('id,note\n1,"a, b"\n2,"say ""hi"""\n3,"two\nlines"\n');
    expect(q.column('note')).toEqual(['a, b', 'say "hi"', 'two\nlines']);
    expect(q.column('id')).toEqual(f32([1, 2, 3]));
    // Blank lines are skipped; a byte-order mark does not end up in the first name.
    const b = await loadCsv('\ufeffx,y\n1,2\n\n3,4\n');
    expect(b.columns).toEqual(['x', 'y']);
    expect(b.numRows).toBe(2);
  });

  it('counts missing values per column and applies each policy', async () => {
    const text = 'a,b,c\n1,,x\nNA,2,y\n3,4,\n5,NaN,z\n';
    await expect(loadCsv(text)).rejects.toThrow(/loadCsv: column 'a' has 1 missing values \(first at row 1\); set missing to 'nan', 'drop' or \{ fill: number \}/);
    const nan = await loadCsv(text, { missing: 'nan' });
    expect(nan.missing).toEqual({ a: 1, b: 2, c: 1 });
    expect(Array.from(nan.column('a') as Float32Array)).toEqual([1, NaN, 3, 5]);
    expect(nan.column('c')).toEqual(['x', 'y', '', 'z']);
    const fill = await loadCsv(text, { missing: { fill: -1 } });
    expect(fill.column('b')).toEqual(f32([-1, 2, 4, -1]));
    expect(fill.missing).toEqual({ a: 1, b: 2, c: 1 });
    const drop = await loadCsv(text, { missing: 'drop' });
    expect(drop.numRows).toBe(0);
    expect(drop.droppedRows).toBe(4);
    const dropAB = await loadCsv(text, { missing: 'drop', columns: ['a', 'c'] });
    expect(dropAB.missing).toEqual({ a: 1, c: 1 });
    expect(dropAB.column('a')).toEqual(f32([1, 5]));
    expect(dropAB.column('c')).toEqual(['x', 'z']);
    // A short (truncated) record leaves its absent cells missing; custom naValues.
    const short = await loadCsv('a,b\n1,2\n3\n', { missing: 'nan' });
    expect(short.missing).toEqual({ a: 0, b: 1 });
    const custom = await loadCsv('a\n1\n-999\n', { naValues: ['-999'], missing: { fill: 0 } });
    expect(custom.column('a')).toEqual(f32([1, 0]));
    expect(custom.missing).toEqual({ a: 1 });
    await expect(loadCsv(text, { missing: 'zero' as never })).rejects.toThrow(/loadCsv: missing must be 'error', 'nan', 'drop' or \{ fill: <finite number> \}, got 'zero'/);
  });

  it('selects columns by name or index, in the order given', async () => {
    const t = await loadCsv('a,b,c\n1,x,3\n4,y,6\n', { columns: ['c', 0] });
    expect(t.columns).toEqual(['c', 'a']);
    expect(t.toSeries()).toEqual([f32([3, 1]), f32([6, 4])]);
    // The unloaded text column is neither typed nor in the way of toTensor.
    const before = memory().numTensors;
    const x = t.toTensor(['a']);
    expect(x.shape).toEqual([2, 1]);
    expect(await x.array()).toEqual([[1], [4]]);
    x.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('feeds chronologicalSplit, Normalizer and timeseriesDataset', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => `${i},${2 * i}`).join('\n');
    const t = await loadCsv(`u,v\n${rows}\n`);
    const parts = chronologicalSplit(t.toSeries(), { train: 0.6, validation: 0.2 });
    expect(parts.train.length).toBe(6);
    const n = normalizer().fit(parts.train);
    expect(n.stats.mean).toEqual([2.5, 5]);
    const ds = timeseriesDataset(parts.train, null, { sequenceLength: 3, batchSize: 10 });
    const { x } = ds.toTensors();
    expect(x.shape).toEqual([4, 3, 2]);
    expect((await x.array() as number[][][])[1]).toEqual([[1, 2], [2, 4], [3, 6]]);
    dispose(x);
  });

  it('reads paths, file URLs, Blobs, ReadableStreams of bytes split inside a character, and async iterables', async () => {
    const text = 'k,v\n1,é\n2,ü\n';
    const dir = mkdtempSync(join(tmpdir(), 'loom-csv-'));
    const path = join(dir, 'log.csv');
    writeFileSync(path, text);
    for (const src of [path, pathToFileURL(path), new Blob([text])]) {
      const t = await loadCsv(src, { chunkSize: 3 });
      expect(t.column('v')).toEqual(['é', 'ü']);
    }
    const bytes = new TextEncoder().encode(text);
    // 'é' is two bytes; the cut at 6 falls between them.
    const stream = new ReadableStream<Uint8Array>({
      start(c) { c.enqueue(bytes.slice(0, 6)); c.enqueue(bytes.slice(6)); c.close(); },
    });
    expect((await loadCsv(stream)).column('v')).toEqual(['é', 'ü']);
    await expect(loadCsv(stream)).rejects.toThrow(/locked|read once/);
    async function* parts(): AsyncGenerator<string> { yield 'k,v\n1,'; yield 'a\n2,b'; }
    expect((await loadCsv(parts())).column('v')).toEqual(['a', 'b']);
  });

  it('rejects bad input with the column and row', async () => {
    await expect(loadCsv('a,b\n1,2\n', { columns: ['a', 'z'] })).rejects.toThrow(/loadCsv: columns names an unknown column 'z'; columns: 'a', 'b'/);
    await expect(loadCsv('a,b\n1,2\n', { columns: [2] })).rejects.toThrow(/column index 2, but the file has 2 columns/);
    await expect(loadCsv('a,b\n1,2\n3,oops\n', { dtypes: { b: 'number' } })).rejects.toThrow(/loadCsv: column 'b' is numeric but row 1 holds 'oops'/);
    await expect(loadCsv('a,b\n1,2\n3,4,5\n')).rejects.toThrow(/loadCsv: row 1 has 3 fields but there are 2 columns/);
    await expect(loadCsv('a,a\n1,2\n')).rejects.toThrow(/the column name 'a' appears twice \(columns 0 and 1\)/);
    await expect(loadCsv('/no/such/file.csv')).rejects.toThrow(/loadCsv: cannot read the file '\/no\/such\/file.csv'/);
    await expect(loadCsv('a\n1\n', { header: 'yes' as never })).rejects.toThrow(/header must be true or false, got 'yes'/);
    await expect(loadCsv('a\n1\n', { colums: ['a'] } as never)).rejects.toThrow(/loadCsv: unknown option 'colums'/);
    await expect(loadCsv('a,b\n1,"open\n')).rejects.toThrow(/malformed quotes in record 1/);
    const t = await loadCsv('a,s\n1,x\n');
    expect(() => t.toTensor()).toThrow(/CsvTable.toTensor: column 's' holds text/);
    expect(() => t.column('q')).toThrow(/CsvTable.column: name names an unknown column 'q'/);
  });
});
