// Charts drawn with TradingView Lightweight Charts (web/vendor/, copied there by
// scripts/install-web-deps.sh): the candle chart with the tenant's orders and fills marked,
// and small line/histogram charts for equity, drawdown and PnL.

import {
  createChart, CandlestickSeries, LineSeries, HistogramSeries, createSeriesMarkers, ColorType,
} from '/vendor/lightweight-charts.mjs';

const THEME = {
  layout: { background: { type: ColorType.Solid, color: '#171e26' }, textColor: '#8593a3' },
  grid: { vertLines: { color: '#222b35' }, horzLines: { color: '#222b35' } },
  timeScale: { timeVisible: true, secondsVisible: true, borderColor: '#2a3440' },
  rightPriceScale: { borderColor: '#2a3440' },
  autoSize: true,
};

const TIMEFRAME_SECONDS = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600, '4h': 14400, '1d': 86400 };

export function timeframeSeconds(timeframe) {
  return TIMEFRAME_SECONDS[timeframe] || 60;
}

/** Candles of one symbol and timeframe, updated by ticks, with order and fill markers. */
export class PriceChart {
  constructor(element) {
    this.chart = createChart(element, THEME);
    this.candles = this.chart.addSeries(CandlestickSeries, {
      upColor: '#26a69a', downColor: '#ef5350', borderVisible: false,
      wickUpColor: '#26a69a', wickDownColor: '#ef5350',
    });
    this.markers = createSeriesMarkers(this.candles, []);
    this.reset('1m', 5);
  }

  /** Clears the chart for a new symbol or timeframe; precision is the price's decimals. */
  reset(timeframe, precision) {
    this.period = timeframeSeconds(timeframe);
    this.last = null;
    this.candles.setData([]);
    this.markers.setMarkers([]);
    this.candles.applyOptions({
      priceFormat: { type: 'price', precision, minMove: 1 / 10 ** precision },
    });
  }

  /** Loads completed bars ({start_ns, open, high, low, close}), oldest first. */
  setBars(bars) {
    const data = bars.map((b) => ({
      time: Math.floor(b.startNs / 1e9), open: b.open, high: b.high, low: b.low, close: b.close,
    }));
    this.candles.setData(data);
    this.last = data.length ? { ...data[data.length - 1] } : null;
    this.chart.timeScale().scrollToRealTime();
  }

  /** Puts a completed (or amended) bar from the bars stream in place. */
  setBar(bar) {
    const candle = { time: Math.floor(bar.startNs / 1e9), open: bar.open, high: bar.high, low: bar.low, close: bar.close };
    if (this.last && candle.time < this.last.time) return;
    this.last = { ...candle };
    this.candles.update(candle);
  }

  /** Moves the current candle with a price at time tsNs (opening a new one when due). */
  addPrice(tsNs, price) {
    const time = Math.floor(tsNs / 1e9 / this.period) * this.period;
    if (this.last && time < this.last.time) return;  // older than the candle shown
    if (!this.last || time > this.last.time) {
      this.last = { time, open: price, high: price, low: price, close: price };
    } else {
      this.last.high = Math.max(this.last.high, price);
      this.last.low = Math.min(this.last.low, price);
      this.last.close = price;
    }
    this.candles.update({ ...this.last });
  }

  /** Replaces the markers: [{tsNs, kind: 'order'|'fill', side, price, label}]. */
  setMarks(marks) {
    const markers = marks
      .map((m) => ({
        time: Math.floor(m.tsNs / 1e9 / this.period) * this.period,
        position: m.price ? 'atPriceMiddle' : (m.side === 'buy' ? 'belowBar' : 'aboveBar'),
        price: m.price || undefined,
        shape: m.kind === 'fill' ? (m.side === 'buy' ? 'arrowUp' : 'arrowDown') : 'circle',
        color: m.kind === 'fill' ? (m.side === 'buy' ? '#26a69a' : '#ef5350') : '#4f8cff',
        text: m.label,
      }))
      .sort((a, b) => a.time - b.time);
    this.markers.setMarkers(markers);
  }
}

/** A small time series chart (line or histogram) of [{time (s), value}]. */
export class SeriesChart {
  constructor(element, kind = 'line', color = '#4f8cff') {
    this.chart = createChart(element, { ...THEME, timeScale: { ...THEME.timeScale, secondsVisible: false } });
    this.series = kind === 'histogram'
      ? this.chart.addSeries(HistogramSeries, { color })
      : this.chart.addSeries(LineSeries, { color, lineWidth: 2 });
  }

  setData(points) {
    // Lightweight Charts needs strictly increasing times: keep the last value per second.
    const bySecond = new Map();
    for (const p of points) bySecond.set(p.time, p);
    const data = [...bySecond.values()].sort((a, b) => a.time - b.time);
    this.series.setData(data);
    this.chart.timeScale().fitContent();
  }
}
