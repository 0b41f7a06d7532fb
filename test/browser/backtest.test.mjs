// The dashboard's backtest and PnL helpers: the daily PnL of the statistics API's answer, the
// launcher's request body and the statistics rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  STRATEGY_PRESETS, STATISTICS_ORDER, isFinished, statisticsRows, backtestRequest, dailyPnl, accountReports,
} from '../../web/js/backtest.js';

// The shape of src/analytics/performance.cc toJson: account reports and strategy reports.
const ANSWER = {
  statistics: [
    { account: 'ACC1', period: 'all', statistics: { total_return_pct: 1.5, trades: 2 },
      daily_pnl: [{ start: '2026-12-02T00:00:00Z', pnl: -20 }, { start: '2026-12-01T00:00:00Z', pnl: 50 }] },
    { account: 'ACC2', period: 'all', statistics: { total_return_pct: -1, trades: 1 },
      daily_pnl: [{ start: '2026-12-02T00:00:00Z', pnl: 5 }, { start: 'not a date', pnl: 1 }] },
    { account: 'ACC1', strategy: 'trend', period: 'all', statistics: { trades: 1 },
      daily_pnl: [{ start: '2026-12-01T00:00:00Z', pnl: 50 }] },
  ],
};

test('daily PnL sums the account reports per day, oldest first, strategy shares left out', () => {
  const points = dailyPnl(ANSWER);
  assert.deepEqual(points.map((p) => [p.time, p.value]),
                   [[Date.parse('2026-12-01T00:00:00Z') / 1000, 50], [Date.parse('2026-12-02T00:00:00Z') / 1000, -15]]);
  assert.notEqual(points[0].color, points[1].color, 'gains and losses differ in colour');
  assert.deepEqual(dailyPnl({}), []);
  assert.deepEqual(dailyPnl({ statistics: [] }), []);
  assert.deepEqual(accountReports(ANSWER).map((r) => r.account), ['ACC1', 'ACC2']);
});

test('the launcher sends what the service reads', () => {
  assert.deepEqual(backtestRequest({ data: 'fx/EURUSD.csv', strategy: 'x', from: '', to: '', cash: '' }),
                   { data: 'fx/EURUSD.csv', strategy: 'x' });
  assert.deepEqual(backtestRequest({ data: 'a.csv', strategy: 'x', from: '2017-05-01', to: '2017-06-01T12:00:00Z', cash: '5000' }),
                   { data: 'a.csv', strategy: 'x', from: '2017-05-01T00:00:00Z', to: '2017-06-01T12:00:00Z', cash: 5000 });
  for (const preset of Object.values(STRATEGY_PRESETS)) assert.match(preset.toml, /^\[strategy\]\nkind = "/);
  assert.equal(isFinished('running'), false);
  assert.equal(isFinished('failed'), true);
});

test('statistics rows keep the order, round decimals and show null as a dash', () => {
  assert.deepEqual(statisticsRows({ total_return_pct: 5.956712, trades: 83, profit_factor: null }),
                   [['total return pct', '5.9567'], ['trades', '83'], ['profit factor', '–']]);
  assert.deepEqual(statisticsRows(null), []);
  // The server's JSON comes sorted by name; the table reads in the CLI's order.
  const rows = statisticsRows({ sharpe: 1.25, end: 'b', start: 'a', zeta: 1 }, STATISTICS_ORDER);
  assert.deepEqual(rows.map(([label]) => label), ['start', 'end', 'sharpe', 'zeta']);
});
