// Pure helpers (no DOM), also run by node's test runner: Prometheus text parsing, histogram
// percentiles, drawdown from samples.

/** Parses Prometheus text exposition into samples {name, labels, value}. */
export function parsePrometheus(text) {
  const samples = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels = {};
    if (match[3]) {
      const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      let m;
      while ((m = labelRe.exec(match[3])) !== null) {
        labels[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      }
    }
    const value = match[4] === '+Inf' ? Infinity : Number(match[4]);
    samples.push({ name: match[1], labels, value });
  }
  return samples;
}

function labelKey(labels) {
  return Object.keys(labels).filter((k) => k !== 'le').sort()
    .map((k) => `${k}="${labels[k]}"`).join(',');
}

/**
 * Groups the `_bucket` samples of histograms into {name, labels, buckets: [{le, count}], count}
 * (cumulative counts, sorted by le).
 */
export function histograms(samples) {
  const byKey = new Map();
  for (const s of samples) {
    if (!s.name.endsWith('_bucket') || s.labels.le === undefined) continue;
    const name = s.name.slice(0, -'_bucket'.length);
    const key = `${name}{${labelKey(s.labels)}}`;
    if (!byKey.has(key)) {
      const labels = { ...s.labels };
      delete labels.le;
      byKey.set(key, { key, name, labels, buckets: [], count: 0 });
    }
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    byKey.get(key).buckets.push({ le, count: s.value });
  }
  for (const h of byKey.values()) {
    h.buckets.sort((a, b) => a.le - b.le);
    h.count = h.buckets.length ? h.buckets[h.buckets.length - 1].count : 0;
  }
  return [...byKey.values()];
}

/**
 * Returns the q-quantile (0..1) of a histogram by linear interpolation inside the bucket that
 * holds it, as Prometheus' histogram_quantile does; null when it has no observations. A quantile
 * in the +Inf bucket returns the highest finite bound.
 */
export function quantile(histogram, q) {
  const { buckets, count } = histogram;
  if (!count) return null;
  const rank = q * count;
  let previousLe = 0;
  let previousCount = 0;
  for (const { le, count: cumulative } of buckets) {
    if (cumulative >= rank) {
      if (le === Infinity) return previousLe;
      const inBucket = cumulative - previousCount;
      if (inBucket === 0) return le;
      return previousLe + (le - previousLe) * ((rank - previousCount) / inBucket);
    }
    previousLe = le === Infinity ? previousLe : le;
    previousCount = cumulative;
  }
  return previousLe;
}

/** Drawdown series (fraction below the running peak, <= 0) of [{time, value}] samples. */
export function drawdown(points) {
  let peak = -Infinity;
  return points.map(({ time, value }) => {
    peak = Math.max(peak, value);
    return { time, value: peak > 0 ? (value - peak) / peak : 0 };
  });
}

/** Formats seconds as a latency with a fitting unit. */
export function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '–';
  if (seconds < 1e-3) return `${(seconds * 1e6).toFixed(0)} µs`;
  if (seconds < 1) return `${(seconds * 1e3).toFixed(seconds < 0.01 ? 2 : 1)} ms`;
  return `${seconds.toFixed(2)} s`;
}
