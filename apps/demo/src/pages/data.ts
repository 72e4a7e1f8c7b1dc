// Data: the two public series drawn (with data tables), their credits, and a few windows.
import { chart } from '../chart.js';
import { loadSeries } from '../datasets.js';
import { byId, fmt, table } from '../dom.js';
import { run } from '../shell.js';

run('data', async () => {
  const [seattle, co2] = await Promise.all([loadSeries('seattle', location.href), loadSeries('co2', location.href)]);
  // Two weeks of January, hourly: the daily cycle of temperature and the slow pressure changes.
  const days = 14 * 24;
  const hours = Array.from({ length: days }, (_, i) => i);
  const s = await chart(byId('seattle-chart'), { title: 'Seattle, first two weeks of January (hourly)', xLabel: 'hour', yLabel: 'value',
    series: [{ label: 'temperature °C' }, { label: 'wind m/s' }, { label: 'pressure − 1000 hPa' }] });
  s.setData(hours, [Array.from(seattle.columns.temperature.subarray(0, days)), Array.from(seattle.columns.wind.subarray(0, days)),
    Array.from(seattle.columns.pressure.subarray(0, days), (v) => v - 1000)]);
  const c = await chart(byId('co2-chart'), { title: 'Mauna Loa CO₂ (monthly)', xLabel: 'year', yLabel: 'ppm', series: [{ label: 'CO₂ ppm' }] });
  c.setData(co2.time.map((t) => Number(t.slice(0, 4)) + (Number(t.slice(5, 7)) - 1) / 12), [Array.from(co2.columns.CO2)]);
  const L = 4;
  const h = 2;
  const rows = Array.from({ length: 3 }, (_, k) => [
    `steps ${k}–${k + L - 1}`, Array.from(seattle.columns.temperature.subarray(k, k + L), (v) => fmt(v, 3)).join(', '),
    `step ${k + L - 1 + h}`, fmt(seattle.columns.temperature[k + L - 1 + h], 3)]);
  byId('window-table').replaceChildren(table(`The first windows (L = ${L}, h = ${h}) of the Seattle temperature`, ['window', 'inputs (°C)', 'target', 'target (°C)'], rows));
});
