// Pure helpers of the backtest launcher and the PnL panel (no DOM; tested with node --test).

/** Strategy presets of the launcher: the TOML the server's strategy parser reads. */
export const STRATEGY_PRESETS = {
  sma_cross: { label: 'SMA crossover 10/30', toml: '[strategy]\nkind = "sma_cross"\nfast = 10\nslow = 30\n\n[sizing]\nkind = "percent_equity"\nvalue = 95.0\nquantity_scale = 2\n' },
  rsi: { label: 'RSI 14, buy < 30, sell > 70', toml: '[strategy]\nkind = "rsi"\nrsi_period = 14\nrsi_buy_below = 30.0\nrsi_sell_above = 70.0\n\n[sizing]\nkind = "percent_equity"\nvalue = 95.0\nquantity_scale = 2\nstop_loss_pct = 5.0\n' },
  breakout: { label: 'Breakout 20, long and short', toml: '[strategy]\nkind = "breakout"\nbreakout_period = 20\nallow_short = true\n\n[sizing]\nkind = "percent_equity"\nvalue = 95.0\nquantity_scale = 2\n' },
};

/** The job states after which polling stops. */
export function isFinished(state) {
  return state === 'done' || state === 'failed';
}

/** The order a backtest's figures read best in (the CLI's); others follow in the server's order. */
export const STATISTICS_ORDER = [
  'start', 'end', 'start_equity', 'final_equity', 'total_return_pct', 'buy_and_hold_pct',
  'annual_return_pct', 'annual_volatility_pct', 'sharpe', 'sortino', 'calmar', 'max_drawdown_pct',
  'max_drawdown_days', 'exposure_pct', 'trades', 'win_rate_pct', 'profit_factor', 'expectancy', 'sqn',
  'orders_denied',
];

/** Rows [label, value] of statistics, keys of `order` first, numbers rounded, null as a dash. */
export function statisticsRows(statistics, order = []) {
  if (!statistics || typeof statistics !== 'object') return [];
  const rank = (key) => { const i = order.indexOf(key); return i < 0 ? order.length : i; };
  const entries = Object.entries(statistics).map((e, i) => [...e, i])
    .sort((a, b) => rank(a[0]) - rank(b[0]) || a[2] - b[2]);
  return entries.map(([key, value]) => {
    let shown = value;
    if (value === null) shown = '–';
    else if (typeof value === 'number') shown = Number.isInteger(value) ? String(value) : value.toFixed(4);
    return [key.replace(/_/g, ' '), shown];
  });
}

/** The request body of POST /api/v1/backtests from the launcher's fields (strings). */
export function backtestRequest({ data, strategy, from, to, cash }) {
  const body = { data, strategy };
  if (from) body.from = from.includes('T') ? from : `${from}T00:00:00Z`;
  if (to) body.to = to.includes('T') ? to : `${to}T00:00:00Z`;
  const money = Number(cash);
  if (cash !== '' && cash !== undefined && Number.isFinite(money)) body.cash = money;
  return body;
}

/**
 * The tenant's daily PnL from GET /api/v1/statistics ({"statistics": [report...]}): the account
 * reports (a report with a strategy is a share of its account's) summed per day, oldest first, as
 * histogram points {time (s), value, color}.
 */
export function dailyPnl(answer) {
  const reports = (answer && Array.isArray(answer.statistics)) ? answer.statistics : [];
  const byDay = new Map();
  for (const report of reports) {
    if (report.strategy) continue;
    for (const bucket of report.daily_pnl || []) {
      const time = Math.floor(Date.parse(bucket.start) / 1000);
      const pnl = Number(bucket.pnl);
      if (!Number.isFinite(time) || !Number.isFinite(pnl)) continue;
      byDay.set(time, (byDay.get(time) || 0) + pnl);
    }
  }
  return [...byDay.entries()].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({
    time, value, color: value >= 0 ? '#26a69a' : '#ef5350',
  }));
}

/** The account reports of GET /api/v1/statistics (strategy reports left out). */
export function accountReports(answer) {
  const reports = (answer && Array.isArray(answer.statistics)) ? answer.statistics : [];
  return reports.filter((r) => !r.strategy);
}
