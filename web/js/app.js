// The dashboard: login, then panels fed by the gateway's REST API and WebSocket streams.
// Every panel says where its data comes from; a route the gateway does not have (404, no
// route) shows the panel as not available instead of inventing data.

import { Api, ApiError } from './api.js';
import { Stream } from './stream.js';
import { PriceChart, SeriesChart, timeframeSeconds } from './charts.js';
import { parsePrometheus, histograms, quantile, drawdown, formatSeconds } from './metrics.js';
import {
  STRATEGY_PRESETS, STATISTICS_ORDER, isFinished, statisticsRows, backtestRequest, dailyPnl, accountReports,
} from './backtest.js';

const $ = (id) => document.getElementById(id);
const api = new Api();

// Symbols of the synthetic feed in config/default.toml, used when the gateway cannot list
// instruments (GET /api/v1/instruments).
const FALLBACK_SYMBOLS = ['EURUSD', 'GBPUSD', 'USDJPY'];
const WORKING = new Set(['initialized', 'submitted', 'accepted', 'partially_filled',
                         'pending_cancel', 'pending_modify']);

let session = null;  // everything of one login; dropped on logout
let charts = null;   // made once, on the first login

// ---------------------------------------------------------------- small helpers

function text(value) {
  return value === undefined || value === null || value === '' ? '–' : String(value);
}

function money(value) {
  if (value === undefined || value === null || value === '') return '–';
  const n = Number(value);
  return Number.isFinite(n) ? n.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : String(value);
}

function signClass(value) {
  const n = Number(value);
  return n > 0 ? 'pos' : n < 0 ? 'neg' : '';
}

function timeOf(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').slice(0, 19);
}

function symbolOf(instrument) {
  if (!instrument) return '';
  if (typeof instrument === 'string') return instrument.split('@')[0];
  return instrument.symbol || '';
}

function decimals(value) {
  const s = String(value ?? '');
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** Fills a table body with rows of cells: each cell a string or {text, cls}. */
function fillTable(table, rows, emptyText = 'none') {
  const body = table.tBodies[0];
  body.replaceChildren();
  if (!rows.length) {
    const tr = body.insertRow();
    const td = tr.insertCell();
    td.colSpan = table.tHead.rows[0].cells.length;
    td.className = 'muted';
    td.textContent = emptyText;
    return [];
  }
  return rows.map((row) => {
    const tr = body.insertRow();
    for (const cell of row.cells) {
      const td = tr.insertCell();
      if (cell instanceof Node) {
        td.append(cell);
      } else if (cell && typeof cell === 'object') {
        td.textContent = text(cell.text);
        if (cell.cls) td.className = cell.cls;
      } else {
        td.textContent = text(cell);
      }
    }
    for (const [k, v] of Object.entries(row.data || {})) tr.dataset[k] = v;
    return tr;
  });
}

function fillSummary(element, pairs) {
  element.replaceChildren();
  for (const [label, value, cls] of pairs) {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = text(value);
    if (cls) dd.className = cls;
    element.append(dt, dd);
  }
}

function unavailable(element, message) {
  const p = document.createElement('p');
  p.className = 'unavailable';
  p.textContent = message;
  element.replaceChildren(p);
}

function describe(error) {
  if (error instanceof ApiError) {
    if (error.missingRoute) return `not available on this gateway (${error.path}: no route)`;
    return `${error.code ? `${error.code}: ` : ''}${error.message} (HTTP ${error.status})`;
  }
  return error && error.message ? error.message : String(error);
}

/**
 * GET every page of a list route (oldest first, `limit` + `next_cursor`) and return the newest
 * `keep` items of `field`. Stops after `maxPages` pages, so a huge history costs bounded time.
 */
async function getNewest(path, field, keep, maxPages = 20) {
  let items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page += 1) {
    const separator = path.includes('?') ? '&' : '?';
    const answer = await api.get(`${path}${separator}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items = items.concat(answer[field] || []).slice(-keep);
    cursor = answer.next_cursor;
    if (!cursor) break;
  }
  return items;
}

/** GET the first of several paths the gateway answers (newer names first). */
async function getFirst(paths) {
  let last;
  for (const path of paths) {
    try {
      return await api.get(path);
    } catch (error) {
      last = error;
      if (!(error instanceof ApiError && error.missingRoute)) throw error;
    }
  }
  throw last;
}

function every(ms, fn) {
  const run = () => fn().catch((error) => console.warn(error));
  run();
  session.timers.push(setInterval(run, ms));
}

// ---------------------------------------------------------------- login

function showLogin(message = '') {
  $('dashboard-view').hidden = true;
  $('login-view').hidden = false;
  $('login-error').textContent = message;
  $('login-username').focus();
}

async function onLogin(event) {
  event.preventDefault();
  $('login-error').textContent = '';
  $('login-submit').disabled = true;
  try {
    await api.login($('login-username').value.trim(), $('login-password').value,
                    $('login-totp').value.trim());
    $('login-password').value = '';
    $('login-totp').value = '';
    await startDashboard();
  } catch (error) {
    $('login-error').textContent = error instanceof ApiError && error.status === 401
      ? error.message || 'wrong username or password'
      : describe(error);
  } finally {
    $('login-submit').disabled = false;
  }
}

async function onLogout() {
  stopDashboard();
  await api.logout();
  showLogin('Logged out.');
}

function stopDashboard() {
  if (!session) return;
  for (const t of session.timers) clearInterval(t);
  session.stream.stop();
  session = null;
}

// ---------------------------------------------------------------- dashboard start

async function startDashboard() {
  const me = await api.get('/api/v1/auth/me');
  stopDashboard();
  session = {
    me,
    timers: [],
    orders: [],
    fills: [],
    fillsFromOrders: false,
    accounts: [],
    equity: [],          // [{time (s), value}] sampled from the account
    precision: new Map(),
    instrumentIds: new Map(),  // symbol -> "SYMBOL@VENUE" when the venue is not empty
    symbol: null,
    timeframe: '1m',
    lastTickNs: 0,
    ticks: 0,
    tickSub: null,
    barSub: null,
    privateTimer: null,
  };
  $('who').textContent = `user #${me.user_id} · tenant #${me.tenant_id} · ${me.role}` +
    (me.can_trade ? '' : ' · read only');
  $('login-view').hidden = true;
  $('dashboard-view').hidden = false;

  session.stream = new Stream(api, (state, reason) => {
    const badge = $('stream-status');
    badge.textContent = state === 'polling' ? 'REST polling' : state;
    badge.className = `badge ${state}`;
    badge.title = reason || '';
  });

  if (!charts) {
    charts = {
      price: new PriceChart($('price-chart')),
      equity: new SeriesChart($('equity-chart'), 'line', '#4f8cff'),
      drawdown: new SeriesChart($('drawdown-chart'), 'line', '#ef5350'),
      pnl: new SeriesChart($('pnl-chart'), 'histogram', '#26a69a'),
    };
  }
  $('ticket-account').value = '';
  setupTicket(me);
  await loadSymbols();
  await selectSymbol($('chart-symbol').value);

  for (const channel of ['orders', 'fills', 'positions', 'account']) {
    session.stream.subscribe(channel, {}, (item) => onPrivateEvent(channel, item));
  }
  session.stream.connect();

  // REST keeps every panel right when the stream is down (and catches anything missed).
  every(1000, async () => { if (!session.stream.live) await pollTicks(); });
  let rounds = 0;
  every(2000, async () => {
    // With the stream live, a full refresh every 10 s still catches anything it missed.
    if (!session.stream.live || rounds++ % 5 === 0) await refreshPrivate();
  });
  every(5000, refreshHealth);
  every(5000, refreshErrors);
  every(10000, refreshStatistics);
  loadBacktests();
}

// ---------------------------------------------------------------- market data

async function loadSymbols() {
  let symbols = FALLBACK_SYMBOLS;
  let source = 'symbols: the synthetic feed of config/default.toml (GET /api/v1/instruments is not on this gateway)';
  try {
    const answer = await api.get('/api/v1/instruments');
    const list = (answer.instruments || answer).map((i) => {
      const symbol = symbolOf(i.symbol ? i.symbol : i.instrument || i);
      if (i.price_scale !== undefined) session.precision.set(symbol, i.price_scale);
      if (i.instrument) session.instrumentIds.set(symbol, i.instrument);
      else if (i.venue) session.instrumentIds.set(symbol, `${symbol}@${i.venue}`);
      return symbol;
    }).filter(Boolean);
    if (list.length) {
      symbols = list;
      source = 'symbols: GET /api/v1/instruments';
    }
  } catch (error) {
    if (!(error instanceof ApiError && error.missingRoute)) source = `symbols: ${describe(error)}`;
  }
  session.symbolSource = source;
  for (const id of ['chart-symbol', 'ticket-symbol']) {
    const select = $(id);
    select.replaceChildren(...symbols.map((s) => new Option(s, s)));
  }
}

async function selectSymbol(symbol) {
  const s = session;
  s.symbol = symbol;
  s.timeframe = $('chart-timeframe').value;
  s.lastTickNs = 0;
  if (s.tickSub) s.stream.unsubscribe(s.tickSub);
  if (s.barSub) s.stream.unsubscribe(s.barSub);
  charts.price.reset(s.timeframe, s.precision.get(symbol) ?? 5);
  $('ticket-symbol').value = symbol;

  const period = timeframeSeconds(s.timeframe);
  const fromNs = BigInt(Date.now() - period * 300 * 1000) * 1000000n;
  let barsNote;
  try {
    const answer = await api.get(`/api/v1/bars?symbol=${encodeURIComponent(symbol)}` +
      `&timeframe=${s.timeframe}&from=${fromNs}&limit=1000`);
    charts.price.setBars((answer.bars || []).map((b) => ({
      startNs: b.start_ns, open: +b.open, high: +b.high, low: +b.low, close: +b.close,
    })));
    barsNote = `bars: GET /api/v1/bars (${(answer.bars || []).length} ${s.timeframe} bars)`;
  } catch (error) {
    barsNote = `bars: ${describe(error)}`;
  }
  $('chart-source').textContent = `${barsNote}; live candle from bid ticks (ticks stream, else ` +
    `GET /api/v1/ticks every second); markers: your orders (circles) and fills (arrows); ${s.symbolSource}`;
  updateMarks();

  s.tickSub = s.stream.subscribe('ticks', { symbols: [symbol] }, (tick) => onTick(tick));
  s.barSub = s.stream.subscribe('bars', { symbols: [symbol] }, (bar) => {
    // The channel carries every timeframe of the symbol: keep the one shown.
    if (symbolOf(bar.instrument) !== s.symbol || String(bar.timeframe) !== s.timeframe) return;
    charts.price.setBar({ startNs: Number(bar.start_ns), open: +bar.open, high: +bar.high,
                          low: +bar.low, close: +bar.close });
  });
  if (!s.stream.live) await pollTicks().catch(() => {});
}

function onTick(tick) {
  const s = session;
  if (!s || symbolOf(tick.instrument) !== s.symbol) return;
  const ns = Number(tick.ts_event_ns);
  if (ns <= s.lastTickNs) return;
  s.lastTickNs = ns;
  s.ticks += 1;
  if (!s.precision.has(s.symbol) && tick.bid) {
    s.precision.set(s.symbol, decimals(tick.bid));
    charts.price.candles.applyOptions({
      priceFormat: { type: 'price', precision: decimals(tick.bid), minMove: 1 / 10 ** decimals(tick.bid) },
    });
  }
  if (tick.bid) $('last-bid').textContent = tick.bid;
  if (tick.ask) $('last-ask').textContent = tick.ask;
  const count = $('tick-count');
  count.textContent = String(s.ticks);
  count.dataset.count = String(s.ticks);
  const price = tick.bid ? +tick.bid : tick.last ? +tick.last : +tick.ask;
  if (Number.isFinite(price)) charts.price.addPrice(ns, price);
}

async function pollTicks() {
  const s = session;
  if (!s || !s.symbol) return;
  // Integer ns lose precision in JavaScript numbers: step 1 µs past the last tick.
  const from = s.lastTickNs
    ? BigInt(Math.round(s.lastTickNs)) + 1000n
    : BigInt(Date.now() - 60000) * 1000000n;
  try {
    const answer = await api.get(`/api/v1/ticks?symbol=${encodeURIComponent(s.symbol)}&from=${from}&limit=1000`);
    $('chart-status').textContent = '';
    for (const tick of answer.ticks || []) onTick(tick);
  } catch (error) {
    $('chart-status').textContent = `ticks: ${describe(error)}`;
    throw error;
  }
}

// ---------------------------------------------------------------- trading

function setupTicket(me) {
  const form = $('ticket-form');
  for (const el of form.elements) el.disabled = !me.can_trade;
  $('ticket-price').disabled = !me.can_trade || $('ticket-type').value !== 'limit';
  $('ticket-result').textContent = me.can_trade ? '' : 'This login cannot trade (viewer role or read-only key).';
}

async function onSubmitOrder(event) {
  event.preventDefault();
  const s = session;
  const order = {
    client_order_id: `web-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
    account: $('ticket-account').value.trim(),
    instrument: s.instrumentIds.get($('ticket-symbol').value) || $('ticket-symbol').value,
    side: $('ticket-side').value,
    order_type: $('ticket-type').value,
    time_in_force: $('ticket-tif').value,
    quantity: $('ticket-quantity').value.trim(),
  };
  if (order.order_type === 'limit') order.price = $('ticket-price').value.trim();
  if ($('ticket-sl').value.trim()) order.stop_loss = $('ticket-sl').value.trim();
  if ($('ticket-tp').value.trim()) order.take_profit = $('ticket-tp').value.trim();
  const result = $('ticket-result');
  result.className = '';
  result.textContent = `sending ${order.client_order_id}…`;
  $('ticket-submit').disabled = true;
  try {
    const answer = await api.post('/api/v1/orders', order);
    const placed = answer.order || answer;
    result.textContent = `${placed.client_order_id || order.client_order_id}: ${placed.status || 'accepted'}` +
      (answer.duplicate ? ' (repeated id)' : '');
    result.dataset.orderId = order.client_order_id;
  } catch (error) {
    result.className = 'error';
    result.textContent = error instanceof ApiError && error.status === 422
      ? `denied: ${error.message}` : describe(error);
  } finally {
    $('ticket-submit').disabled = !s.me.can_trade;
    await refreshPrivate();
  }
}

async function cancelOrder(order) {
  try {
    await api.del(`/api/v1/orders/${encodeURIComponent(order.client_order_id)}?account=${encodeURIComponent(order.account)}`);
  } catch (error) {
    $('ticket-result').className = 'error';
    $('ticket-result').textContent = `cancel ${order.client_order_id}: ${describe(error)}`;
  }
  await refreshPrivate();
}

function onPrivateEvent(channel, item) {
  const s = session;
  if (!s) return;
  if (channel === 'fills' && item && item.trade_id && !s.fills.some((f) => f.trade_id === item.trade_id)) {
    s.fills.unshift(item);
    renderFills();
  }
  // Orders, positions and account come back whole from REST, a few ms after the event.
  clearTimeout(s.privateTimer);
  s.privateTimer = setTimeout(() => refreshPrivate().catch(() => {}), 150);
}

async function refreshPrivate() {
  if (!session) return;
  await Promise.all([refreshOrders(), refreshFills(), refreshPositions(), refreshAccount()]);
  updateMarks();
}

async function refreshOrders() {
  try {
    const orders = (await getNewest('/api/v1/orders?status=all', 'orders', 500))
      .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    session.orders = orders;
    const open = orders.filter((o) => WORKING.has(o.status));
    fillTable($('open-orders-table'), open.map((o) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Cancel';
      button.className = 'cancel';
      button.disabled = !session.me.can_trade || o.status === 'pending_cancel';
      button.addEventListener('click', () => { button.disabled = true; cancelOrder(o); });
      return {
        // The button first: the panel is narrow and scrolls sideways, a cancel must not hide.
        cells: [button, o.client_order_id, symbolOf(o.instrument), { text: o.side, cls: o.side },
                o.order_type, o.quantity, o.price || o.stop_price, o.status],
        data: { id: o.client_order_id, status: o.status },
      };
    }), 'no open orders');
    fillTable($('orders-table'), orders.slice(0, 50).map((o) => ({
      cells: [timeOf(o.created_at), o.client_order_id, symbolOf(o.instrument),
              { text: o.side, cls: o.side }, o.order_type, o.quantity, o.filled_quantity,
              o.average_fill_price, { text: o.status, cls: `status-${o.status}` }, o.reason_code],
      data: { id: o.client_order_id, status: o.status },
    })), 'no orders yet');
  } catch (error) {
    fillTable($('orders-table'), [], describe(error));
    fillTable($('open-orders-table'), [], describe(error));
  }
}

async function refreshFills() {
  const s = session;
  if (s.fillsFromOrders) {
    renderFills();
    return;
  }
  try {
    const fills = await getNewest('/api/v1/fills', 'fills', 200);
    // Oldest first from the gateway; merged with what the stream delivered, newest first.
    const byTrade = new Map();
    for (const f of [...fills, ...s.fills]) byTrade.set(f.trade_id || `${f.client_order_id}/${f.seq}`, f);
    s.fills = [...byTrade.values()].sort((a, b) => String(b.ts_event).localeCompare(String(a.ts_event)));
    $('fills-source').textContent = 'GET /api/v1/fills and the fills stream';
  } catch (error) {
    if (error instanceof ApiError && error.missingRoute) {
      // Without a fills route, each order's filled quantity at its average price stands in.
      s.fillsFromOrders = true;
      $('fills-source').textContent = 'GET /api/v1/fills is not on this gateway: filled quantity ' +
        'and average price per order (from GET /api/v1/orders), plus fills from the stream';
    } else {
      $('fills-source').textContent = describe(error);
    }
  }
  renderFills();
}

function fillsToShow() {
  const s = session;
  if (!s.fillsFromOrders) return s.fills;
  const streamed = new Set(s.fills.map((f) => f.client_order_id));
  const fromOrders = s.orders
    .filter((o) => Number(o.filled_quantity) > 0 && !streamed.has(o.client_order_id))
    .map((o) => ({
      ts_event: o.created_at, client_order_id: o.client_order_id, instrument: o.instrument,
      side: o.side, fill_quantity: o.filled_quantity, fill_price: o.average_fill_price,
    }));
  return [...s.fills, ...fromOrders];
}

// A fill from REST has quantity/price, one from the stream (an order_filled event)
// fill_quantity/fill_price.
const fillQuantity = (f) => f.fill_quantity ?? f.quantity;
const fillPrice = (f) => f.fill_price ?? f.price;

function renderFills() {
  fillTable($('fills-table'), fillsToShow().slice(0, 100).map((f) => ({
    cells: [timeOf(f.ts_event), f.client_order_id, symbolOf(f.instrument),
            { text: f.side, cls: f.side }, fillQuantity(f), fillPrice(f), f.commission],
    data: { id: f.client_order_id },
  })), 'no fills yet');
}

async function refreshPositions() {
  try {
    const answer = await api.get('/api/v1/positions');
    fillTable($('positions-table'), (answer.positions || []).map((p) => ({
      cells: [p.account, symbolOf(p.instrument), p.quantity, p.average_price,
              { text: money(p.unrealized_pnl), cls: signClass(p.unrealized_pnl) },
              { text: money(p.realized_pnl), cls: signClass(p.realized_pnl) }],
      data: { instrument: symbolOf(p.instrument) },
    })), 'no open positions');
  } catch (error) {
    fillTable($('positions-table'), [], describe(error));
  }
}

async function refreshAccount() {
  const s = session;
  try {
    const answer = await getFirst(['/api/v1/accounts', '/api/v1/account']);
    s.accounts = answer.accounts || [];
    const account = s.accounts[0];
    if (!account) {
      fillSummary($('account-summary'), [['account', 'none for this tenant']]);
      return;
    }
    if (!$('ticket-account').value) $('ticket-account').value = account.account;
    let risk = null;
    try {
      risk = ((await api.get('/api/v1/risk')).accounts || []).find((r) => r.account === account.account);
    } catch {
      // Risk state is optional here: without it today's PnL and the peak are not shown.
    }
    const equity = Number(account.equity);
    const pairs = [
      ['account', `${account.account} (${account.currency})`],
      ['balance', money(account.balance)],
      ['equity', money(account.equity)],
      ['margin / free', `${money(account.margin)} / ${money(account.free_margin)}`],
      ['realized PnL', money(account.realized_pnl), signClass(account.realized_pnl)],
    ];
    if (risk) {
      const today = equity - Number(risk.day_start_equity);
      const fromPeak = Number(risk.peak_equity) > 0 ? (equity / Number(risk.peak_equity) - 1) * 100 : 0;
      pairs.push(['PnL today', money(today), signClass(today)]);
      pairs.push(['from peak', `${fromPeak.toFixed(3)} %`, signClass(fromPeak)]);
      pairs.push(['trading', risk.state]);
      s.today = { pnl: today, start: Number(risk.day_start_equity) };
    }
    fillSummary($('account-summary'), pairs);
    if (Number.isFinite(equity)) {
      s.equity.push({ time: Math.floor(Date.now() / 1000), value: equity });
      if (s.equity.length > 5000) s.equity.shift();
      charts.equity.setData(s.equity);
      charts.drawdown.setData(drawdown(s.equity).map((p) => ({ time: p.time, value: p.value * 100 })));
      $('equity-source').textContent = 'equity sampled from GET /api/v1/accounts every 2 s since ' +
        'this page opened (no equity history route on this gateway); drawdown in % below its peak';
    }
  } catch (error) {
    unavailable($('account-summary'), describe(error));
  }
}

function updateMarks() {
  const s = session;
  if (!s || !charts) return;
  const marks = [];
  for (const o of s.orders) {
    if (symbolOf(o.instrument) !== s.symbol || !o.created_at) continue;
    marks.push({ tsNs: Date.parse(o.created_at) * 1e6, kind: 'order', side: o.side,
                 price: o.price ? Number(o.price) : null, label: `${o.side === 'buy' ? 'B' : 'S'} ${o.quantity}` });
  }
  for (const f of fillsToShow()) {
    if (symbolOf(f.instrument) !== s.symbol) continue;
    const ns = f.ts_event_ns ? Number(f.ts_event_ns) : Date.parse(f.ts_event) * 1e6;
    if (!Number.isFinite(ns)) continue;
    marks.push({ tsNs: ns, kind: 'fill', side: f.side, price: fillPrice(f) ? Number(fillPrice(f)) : null,
                 label: `${fillQuantity(f)}@${fillPrice(f)}` });
  }
  charts.price.setMarks(marks);
}

// ---------------------------------------------------------------- statistics

// The figures shown beside the daily PnL chart, of the statistics API's names.
const SUMMARY_KEYS = ['total_return_pct', 'sharpe', 'max_drawdown_pct', 'trades', 'win_rate_pct',
                      'profit_factor', 'final_equity'];

async function refreshStatistics() {
  const s = session;
  try {
    const answer = await api.get('/api/v1/statistics');
    const points = dailyPnl(answer);
    charts.pnl.setData(points);
    $('pnl-chart').dataset.days = String(points.length);
    const reports = accountReports(answer);
    const pairs = [];
    for (const report of reports.slice(0, 3)) {
      const rows = new Map(statisticsRows(report.statistics));
      pairs.push(['account', report.account]);
      for (const key of SUMMARY_KEYS) {
        const label = key.replace(/_/g, ' ');
        if (rows.has(label)) pairs.push([label, rows.get(label), key.endsWith('pct') ? signClass(rows.get(label)) : '']);
      }
    }
    fillSummary($('statistics'), pairs.length ? pairs : [['statistics', 'no account activity yet']]);
    $('pnl-source').textContent = `GET /api/v1/statistics: realized and unrealized PnL per UTC day, ` +
      `the tenant's accounts summed (${points.length ? `${points.length} days` : 'no PnL yet'})`;
  } catch (error) {
    // No statistics service: today's PnL from the risk state is the one daily figure we have.
    const today = s.today;
    if (today) {
      charts.pnl.setData([{ time: Math.floor(Date.now() / 86400000) * 86400, value: today.pnl,
                            color: today.pnl >= 0 ? '#26a69a' : '#ef5350' }]);
    }
    fillSummary($('statistics'), today ? [['today', money(today.pnl), signClass(today.pnl)]] : []);
    $('pnl-source').textContent = `statistics ${describe(error)}; today's bar is equity minus ` +
      'the day-start equity of GET /api/v1/risk';
  }
}

// ---------------------------------------------------------------- operations

async function refreshHealth() {
  try {
    const health = await api.get('/api/v1/health');
    let restarts = new Map();
    if (session.me.role === 'admin') {
      const registry = await api.get('/api/v1/services').catch(() => ({ services: [] }));
      restarts = new Map((registry.services || []).map((x) => [x.name, x.restarts]));
    }
    const rows = (health.services || []).map((svc) => ({
      cells: [svc.name, svc.state,
              { text: svc.status, cls: svc.status === 'healthy' ? 'pos' : 'neg' }, svc.location,
              [svc.reason, restarts.has(svc.name) ? `${restarts.get(svc.name)} restarts` : '']
                .filter(Boolean).join('; ')],
      data: { service: svc.name, status: svc.status },
    }));
    fillTable($('health-table'), rows, `platform ${health.status || 'unknown'}`);
  } catch (error) {
    fillTable($('health-table'), [], describe(error));
  }
  try {
    const metricsText = await api.request('GET', '/metrics', undefined, { auth: false, text: true });
    const rows = histograms(parsePrometheus(metricsText))
      .filter((h) => h.count > 0 && h.name.endsWith('_seconds'))
      .sort((a, b) => a.key.localeCompare(b.key))
      .map((h) => ({
        cells: [`${h.name.replace(/^ait_/, '').replace(/_seconds$/, '')} ${Object.entries(h.labels).map(([k, v]) => `${k}=${v}`).join(' ')}`,
                h.count, formatSeconds(quantile(h, 0.5)), formatSeconds(quantile(h, 0.9)),
                formatSeconds(quantile(h, 0.99))],
      }));
    fillTable($('latency-table'), rows, 'no latency observed yet');
  } catch (error) {
    fillTable($('latency-table'), [], describe(error));
  }
}

async function refreshErrors() {
  // The registry is admin-only on the gateway: other roles get a note, not a refused call.
  if (session.me.role !== 'admin') {
    fillTable($('errors-table'), [], 'admins only: the ErrorDNA registry is shown to the admin role');
    $('errors-table').dataset.adminsOnly = 'true';
    return;
  }
  try {
    const answer = await api.get('/api/v1/errors');
    fillTable($('errors-table'), (answer.errors || []).slice(0, 20).map((e) => {
      const sample = document.createElement('span');
      sample.textContent = e.sample;
      return {
        cells: [e.last_seen_ns ? timeOf(new Date(Number(e.last_seen_ns) / 1e6).toISOString()) : '–',
                { text: e.code, cls: e.severity === 'high' || e.severity === 'critical' ? 'neg' : '' },
                e.count, sample],
      };
    }), 'no errors recorded');
    for (const td of $('errors-table').querySelectorAll('td:last-child')) td.className = 'sample';
  } catch (error) {
    fillTable($('errors-table'), [], error instanceof ApiError && error.status === 403
      ? 'the error registry needs the admin role' : describe(error));
  }
}

// ---------------------------------------------------------------- backtests

async function loadBacktests() {
  const status = $('backtest-status');
  const form = $('backtest-form');
  const preset = $('backtest-preset');
  if (!preset.options.length) {
    for (const [value, p] of Object.entries(STRATEGY_PRESETS)) preset.add(new Option(p.label, value));
    preset.add(new Option('custom (edit the TOML)', 'custom'));
    $('backtest-strategy').value = STRATEGY_PRESETS.sma_cross.toml;
  }
  try {
    const { files = [] } = await api.get('/api/v1/backtests/files');
    const select = $('backtest-data');
    select.replaceChildren(...files.map((f) => new Option(f, f)));
    for (const el of form.elements) el.disabled = !files.length;
    $('backtest-submit').disabled = !files.length || !session.me.can_trade;
    status.textContent = !files.length
      ? 'No bar files in the server\'s backtest data directory (CSV: date, open, high, low, close).'
      : session.me.can_trade ? '' : 'Backtests are submitted by traders; this login is read only.';
    await refreshBacktestJobs();
  } catch (error) {
    for (const el of form.elements) el.disabled = true;
    status.textContent = error instanceof ApiError && error.missingRoute
      ? 'Backtests are not available on this gateway (/api/v1/backtests has no route). ' +
        'Run them with `aitrading backtest --data FILE.csv --strategy FILE.toml --report out.html`.'
      : `Backtests: ${describe(error)}`;
  }
}

async function refreshBacktestJobs() {
  const { backtests = [] } = await api.get('/api/v1/backtests');
  fillTable($('backtest-jobs'), backtests.slice(0, 10).map((job) => ({
    cells: [timeOf(job.created), job.id, job.data, job.state,
            job.statistics ? { text: Number(job.statistics.total_return_pct).toFixed(2),
                               cls: signClass(job.statistics.total_return_pct) } : '–',
            job.statistics ? job.statistics.trades : '–'],
    data: { id: job.id, state: job.state },
  })), 'no backtests yet');
}

function showBacktestState(job) {
  const status = $('backtest-status');
  const progress = $('backtest-progress');
  progress.hidden = false;
  progress.value = Number(job.progress || 0);
  status.dataset.jobId = job.id;
  status.dataset.state = job.state;
  status.textContent = job.state === 'failed'
    ? `backtest ${job.id} failed: ${job.error}`
    : `backtest ${job.id}: ${job.state} ${Math.round(progress.value * 100)} %`;
  status.className = job.state === 'failed' ? 'error' : '';
}

async function showBacktestResult(job) {
  const rows = statisticsRows(job.statistics, STATISTICS_ORDER).map(([label, value]) => ({ cells: [label, value], data: { stat: label } }));
  fillTable($('backtest-stats'), rows);
  $('backtest-stats').hidden = false;
  // The report needs the bearer token: fetched here, shown sandboxed, offered as a download.
  const html = await api.request('GET', job.report, undefined, { text: true });
  const frame = $('backtest-report');
  frame.srcdoc = html;
  frame.hidden = false;
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
  link.download = `backtest-${job.id}.html`;
  link.textContent = `Download the report (${job.instrument || job.data})`;
  link.id = 'backtest-report-link';
  $('backtest-links').replaceChildren(link);
}

async function onRunBacktest(event) {
  event.preventDefault();
  const mine = session;
  $('backtest-stats').hidden = true;
  $('backtest-report').hidden = true;
  $('backtest-links').replaceChildren();
  $('backtest-submit').disabled = true;
  try {
    let job = await api.post('/api/v1/backtests', backtestRequest({
      data: $('backtest-data').value, strategy: $('backtest-strategy').value,
      from: $('backtest-from').value, to: $('backtest-to').value, cash: $('backtest-cash').value.trim(),
    }));
    showBacktestState(job);
    while (!isFinished(job.state)) {
      await new Promise((r) => setTimeout(r, 500));
      if (session !== mine) return;  // logged out meanwhile
      job = await api.get(`/api/v1/backtests/${encodeURIComponent(job.id)}`);
      showBacktestState(job);
    }
    if (job.state === 'done') await showBacktestResult(job);
    await refreshBacktestJobs();
  } catch (error) {
    $('backtest-status').textContent = `backtest: ${describe(error)}`;
    $('backtest-status').className = 'error';
  } finally {
    $('backtest-submit').disabled = false;
  }
}

// ---------------------------------------------------------------- boot

function boot() {
  $('login-form').addEventListener('submit', onLogin);
  $('logout').addEventListener('click', onLogout);
  $('ticket-form').addEventListener('submit', onSubmitOrder);
  $('backtest-form').addEventListener('submit', onRunBacktest);
  $('backtest-preset').addEventListener('change', () => {
    const preset = STRATEGY_PRESETS[$('backtest-preset').value];
    if (preset) $('backtest-strategy').value = preset.toml;
  });
  $('backtest-strategy').addEventListener('input', () => { $('backtest-preset').value = 'custom'; });
  $('ticket-type').addEventListener('change', () => {
    $('ticket-price').disabled = $('ticket-type').value !== 'limit';
  });
  const reselect = () => selectSymbol($('chart-symbol').value).catch((error) => console.warn(error));
  $('chart-symbol').addEventListener('change', reselect);
  $('chart-timeframe').addEventListener('change', reselect);
  api.onLoggedOut = () => {
    stopDashboard();
    showLogin('Your session ended; log in again.');
  };
  if (api.hasSession) {
    startDashboard().catch(() => showLogin());
  } else {
    showLogin();
  }
}

boot();
