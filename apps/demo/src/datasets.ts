// The real public series the lab trains on, from the vega-datasets package, parsed by @loom/nn's
// loadCsv (papaparse) on the host — in the page or the worker — so every backend gets the same numbers.
import { loadCsv } from '@loom/nn';
import co2Url from 'vega-datasets-data/co2-concentration.csv?url';
import seattleUrl from 'vega-datasets-data/seattle-weather-hourly-normals.csv?url';

export interface DatasetInfo {
  id: 'seattle' | 'co2';
  title: string;
  url: string;
  timeColumn: string;
  /** Numeric columns, the first being the default forecast target. */
  columns: string[];
  units: Record<string, string>;
  step: string;
  credit: string;
}

export const DATASETS: Record<DatasetInfo['id'], DatasetInfo> = {
  seattle: {
    id: 'seattle', title: 'Seattle hourly weather normals', url: seattleUrl, timeColumn: 'date',
    columns: ['temperature', 'pressure', 'wind'], units: { temperature: '°C', pressure: 'hPa', wind: 'm/s' }, step: 'hour',
    credit: 'NOAA hourly climate normals for Seattle (a US-government work, public domain), via the vega-datasets package (BSD-3-Clause).',
  },
  co2: {
    id: 'co2', title: 'Mauna Loa CO₂ concentration, monthly', url: co2Url, timeColumn: 'Date',
    columns: ['CO2'], units: { CO2: 'ppm' }, step: 'month',
    credit: 'Mauna Loa CO₂ record, Scripps CO₂ Program / NOAA GML, CC-BY 4.0, via the vega-datasets package (BSD-3-Clause).',
  },
};

export function isDatasetId(v: unknown): v is DatasetInfo['id'] {
  return v === 'seattle' || v === 'co2';
}

/** A parsed series: time labels and one Float32Array per numeric column. */
export interface LoadedSeries {
  info: DatasetInfo;
  time: string[];
  columns: Record<string, Float32Array>;
}

/** Fetches and parses a dataset (URL relative to the page or worker). */
export async function loadSeries(id: DatasetInfo['id'], base: string): Promise<LoadedSeries> {
  const info = DATASETS[id];
  const table = await loadCsv(new URL(info.url, base).href, { columns: [info.timeColumn, ...info.columns], dtypes: { [info.timeColumn]: 'string' } });
  const columns: Record<string, Float32Array> = {};
  for (const c of info.columns) columns[c] = table.column(c) as Float32Array;
  return { info, time: table.column(info.timeColumn) as string[], columns };
}
