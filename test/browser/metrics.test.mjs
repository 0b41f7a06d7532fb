// The dashboard's pure helpers: Prometheus text parsing, histogram percentiles, drawdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePrometheus, histograms, quantile, drawdown, formatSeconds } from '../../web/js/metrics.js';

const TEXT = `# HELP ait_http_request_duration_seconds Time from a request's header to its response written.
# TYPE ait_http_request_duration_seconds histogram
ait_http_request_duration_seconds_bucket{port="8000",le="0.001"} 50
ait_http_request_duration_seconds_bucket{port="8000",le="0.01"} 90
ait_http_request_duration_seconds_bucket{port="8000",le="0.1"} 100
ait_http_request_duration_seconds_bucket{port="8000",le="+Inf"} 100
ait_http_request_duration_seconds_sum{port="8000"} 0.5
ait_http_request_duration_seconds_count{port="8000"} 100
ait_http_request_duration_seconds_bucket{port="8007",le="0.001"} 0
ait_http_request_duration_seconds_bucket{port="8007",le="+Inf"} 0
ait_errors_total{code="AIT-HTTP-0005",detail="a \\"quoted\\" value"} 3
`;

test('parses samples with labels, escapes and +Inf', () => {
  const samples = parsePrometheus(TEXT);
  assert.equal(samples.length, 9);
  const errors = samples.find((s) => s.name === 'ait_errors_total');
  assert.equal(errors.value, 3);
  assert.equal(errors.labels.detail, 'a "quoted" value');
  assert.equal(samples.find((s) => s.labels.le === '+Inf').value, 100);
});

test('groups buckets per series and interpolates percentiles', () => {
  const list = histograms(parsePrometheus(TEXT));
  assert.equal(list.length, 2);
  const gw = list.find((h) => h.labels.port === '8000');
  assert.equal(gw.count, 100);
  assert.equal(gw.buckets.length, 4);
  // 50 of 100 at or below 1 ms: the median is the bucket's upper bound.
  assert.ok(Math.abs(quantile(gw, 0.5) - 0.001) < 1e-12);
  // p90 = rank 90, the end of the (1 ms, 10 ms] bucket.
  assert.ok(Math.abs(quantile(gw, 0.9) - 0.01) < 1e-12);
  // p70 = rank 70, half way through (1 ms, 10 ms].
  assert.ok(Math.abs(quantile(gw, 0.7) - 0.0055) < 1e-12);
  // p95 = rank 95, half way through (10 ms, 100 ms].
  assert.ok(Math.abs(quantile(gw, 0.95) - 0.055) < 1e-12);
  assert.equal(quantile(list.find((h) => h.labels.port === '8007'), 0.5), null);
});

test('a quantile in the +Inf bucket answers the highest finite bound', () => {
  const h = { buckets: [{ le: 0.1, count: 1 }, { le: Infinity, count: 10 }], count: 10 };
  assert.equal(quantile(h, 0.99), 0.1);
});

test('drawdown is the fraction below the running peak', () => {
  const dd = drawdown([{ time: 1, value: 100 }, { time: 2, value: 110 }, { time: 3, value: 99 },
                       { time: 4, value: 120 }]);
  assert.deepEqual(dd.map((p) => p.time), [1, 2, 3, 4]);
  assert.equal(dd[0].value, 0);
  assert.equal(dd[1].value, 0);
  assert.ok(Math.abs(dd[2].value - (-0.1)) < 1e-12);
  assert.equal(dd[3].value, 0);
});

test('latencies are formatted with a fitting unit', () => {
  assert.equal(formatSeconds(0.000250), '250 µs');
  assert.equal(formatSeconds(0.0055), '5.50 ms');
  assert.equal(formatSeconds(0.25), '250.0 ms');
  assert.equal(formatSeconds(2), '2.00 s');
  assert.equal(formatSeconds(null), '–');
});
