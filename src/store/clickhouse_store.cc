#include "ait/store/clickhouse_store.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "ait/store/errors.h"
#include "clickhouse_http.h"
#include "ohlc.h"

namespace ait::store {

namespace {

using Json = nlohmann::json;
using clickhouse::appendTsv;
using clickhouse::quote;
using ohlc::trimDecimal;

// Prices and quantities are exact decimals with up to 18 digits after the point (the model's
// largest scale) and an int64 mantissa: Decimal128(18) holds every one of them, and each keeps
// its scale beside it so it reads back as the text it was written with ("1.08500").
constexpr std::string_view kMigration1[] = {
    R"sql(CREATE TABLE IF NOT EXISTS ticks (
  seq UInt64, tenant UInt32, symbol String, ts_event UInt64,
  bid Decimal128(18), ask Decimal128(18), last Decimal128(18), volume Decimal128(18), flags UInt32,
  bid_scale UInt8, ask_scale UInt8, last_scale UInt8, volume_scale UInt8
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(toDateTime(intDiv(ts_event, 1000000000)))
ORDER BY (symbol, ts_event, seq))sql",
    R"sql(CREATE TABLE IF NOT EXISTS bars (
  seq UInt64, tenant UInt32, symbol String, timeframe_s UInt32, start_ns UInt64, end_ns UInt64,
  open Decimal128(18), high Decimal128(18), low Decimal128(18), close Decimal128(18),
  volume Decimal128(18), tick_count UInt32, revision UInt32,
  open_scale UInt8, high_scale UInt8, low_scale UInt8, close_scale UInt8, volume_scale UInt8
) ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(toDateTime(intDiv(start_ns, 1000000000)))
ORDER BY (symbol, timeframe_s, start_ns, tenant))sql",
    R"sql(CREATE TABLE IF NOT EXISTS checkpoints (stream String, seq UInt64)
ENGINE = ReplacingMergeTree(seq) ORDER BY stream)sql",
};
constexpr int kSchemaVersion = 1;

std::uint64_t unsignedNs(std::int64_t ns) { return ns < 0 ? 0 : static_cast<std::uint64_t>(ns); }

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = text.find(sep, start);
    if (end == std::string_view::npos) {
      out.push_back(text.substr(start));
      break;
    }
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::vector<std::string_view> lines(std::string_view text) {
  auto out = split(text, '\n');
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

Expected<std::int64_t> integer(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    return fail(errors::kBackend, fmt::format("clickhouse: expected an integer, got '{}'", text.substr(0, 40)));
  }
  return value;
}

enum class Column { Integer, Decimal, Scaled };

// "1.080400000000000000" with scale 5 -> "1.08040": the text the event was written with (the
// stored value has no digits beyond its scale).
std::string withScale(std::string_view text, std::int64_t scale) {
  const auto point = text.find('.');
  if (point == std::string_view::npos) {
    return scale <= 0 ? std::string(text) : std::string(text) + "." + std::string(static_cast<std::size_t>(scale), '0');
  }
  if (scale <= 0) return std::string(text.substr(0, point));
  std::string out(text.substr(0, point + 1 + static_cast<std::size_t>(scale)));
  out.resize(point + 1 + static_cast<std::size_t>(scale), '0');
  return out;
}

// Turns TabSeparated rows into JSON objects: integer columns become numbers, decimals text; a
// Scaled decimal is followed in the row by its scale (not itself an output column).
Expected<Json> readRows(std::string_view body, std::initializer_list<std::pair<const char*, Column>> columns) {
  std::size_t fieldsPerRow = 0;
  for (const auto& c : columns) fieldsPerRow += c.second == Column::Scaled ? 2 : 1;
  Json out = Json::array();
  for (const auto line : lines(body)) {
    const auto fields = split(line, '\t');
    if (fields.size() != fieldsPerRow) {
      return fail(errors::kBackend, fmt::format("clickhouse: a row has {} fields, expected {}", fields.size(),
                                                fieldsPerRow));
    }
    Json row = Json::object();
    std::size_t i = 0;
    for (const auto& [name, kind] : columns) {
      if (kind == Column::Decimal) {
        row[name] = trimDecimal(fields[i++]);
        continue;
      }
      auto value = integer(fields[kind == Column::Scaled ? i + 1 : i]);
      if (!value) return Unexpected(value.error());
      if (kind == Column::Scaled) {
        row[name] = withScale(fields[i], *value);
        i += 2;
      } else {
        row[name] = *value;
        ++i;
      }
    }
    out.push_back(std::move(row));
  }
  return out;
}

void appendField(std::string& out, std::string_view value, bool last = false) {
  appendTsv(out, value);
  out.push_back(last ? '\n' : '\t');
}

void appendField(std::string& out, std::uint64_t value, bool last = false) {
  out += std::to_string(value);
  out.push_back(last ? '\n' : '\t');
}

}  // namespace

ClickHouseStore::ClickHouseStore(std::unique_ptr<Pool<clickhouse::Connection>> pool) : pool_(std::move(pool)) {}
ClickHouseStore::~ClickHouseStore() = default;

Expected<std::unique_ptr<ClickHouseStore>> ClickHouseStore::lazy(const ClickHouseSettings& settings) {
  auto endpoint = clickhouse::parseUrl(settings.url);
  if (!endpoint) return Unexpected(endpoint.error());
  if (!settings.password.empty()) endpoint->password = settings.password;
  endpoint->timeout = settings.requestTimeout;
  auto pool = std::make_unique<Pool<clickhouse::Connection>>(
      "clickhouse", settings.pool,
      [e = *endpoint]() -> Expected<std::shared_ptr<clickhouse::Connection>> {
        auto conn = clickhouse::Connection::open(e);
        if (!conn) return Unexpected(conn.error());
        return std::shared_ptr<clickhouse::Connection>(std::move(*conn));
      },
      [](clickhouse::Connection& c) { return c.healthy() && c.execute("SELECT 1").has_value(); });
  return std::unique_ptr<ClickHouseStore>(new ClickHouseStore(std::move(pool)));
}

Expected<std::unique_ptr<ClickHouseStore>> ClickHouseStore::open(const ClickHouseSettings& settings) {
  auto store = lazy(settings);
  if (!store) return store;
  if (auto ok = (*store)->migrate(); !ok) return Unexpected(ok.error());
  return store;
}

Expected<std::string> ClickHouseStore::query(std::string_view statement, std::string_view data) {
  auto lease = pool_->acquire();
  if (!lease) return Unexpected(lease.error());
  auto result = (*lease)->execute(statement, data);
  if (!(*lease)->healthy()) lease->discard();
  return result;
}

Expected<void> ClickHouseStore::ready() {
  if (migrated_.load(std::memory_order_acquire)) return {};
  return migrate();
}

// No transactions in ClickHouse: each statement is idempotent (IF NOT EXISTS), so a migration
// cut short is finished by the next start, and the version is recorded after its statements.
Expected<void> ClickHouseStore::migrate() {
  if (auto r = query("CREATE TABLE IF NOT EXISTS store_schema (version UInt32, applied_at DateTime DEFAULT now()) "
                     "ENGINE = MergeTree() ORDER BY version");
      !r) {
    return Unexpected(r.error());
  }
  auto current = query("SELECT max(version) FROM store_schema");
  if (!current) return Unexpected(current.error());
  auto applied = integer(lines(*current).empty() ? "0" : lines(*current).front());
  if (!applied) return Unexpected(applied.error());
  if (*applied > kSchemaVersion) {
    return fail(errors::kBackend, fmt::format("clickhouse schema version {} is newer than this program's {}",
                                              *applied, kSchemaVersion));
  }
  if (*applied < 1) {
    for (const auto statement : kMigration1) {
      if (auto r = query(statement); !r) {
        return fail(errors::kBackend, fmt::format("migration 1 failed: {}", r.error().message()));
      }
    }
    if (auto r = query("INSERT INTO store_schema (version) VALUES (1)"); !r) return Unexpected(r.error());
  }
  migrated_.store(true, std::memory_order_release);
  return {};
}

Expected<MigrationState> ClickHouseStore::migrations() {
  auto r = query("SELECT max(version) FROM store_schema");
  if (!r) return Unexpected(r.error());
  auto applied = integer(lines(*r).empty() ? "0" : lines(*r).front());
  if (!applied) return Unexpected(applied.error());
  return MigrationState{static_cast<int>(*applied), kSchemaVersion};
}

Expected<std::uint64_t> ClickHouseStore::checkpoint(std::string_view stream) {
  if (auto ok = ready(); !ok) return Unexpected(ok.error());
  auto r = query(fmt::format("SELECT max(seq) FROM checkpoints WHERE stream = {}", quote(stream)));
  if (!r) return Unexpected(r.error());
  auto seq = integer(lines(*r).empty() ? "0" : lines(*r).front());
  if (!seq) return Unexpected(seq.error());
  return static_cast<std::uint64_t>(*seq);
}

Expected<void> ClickHouseStore::apply(std::string_view stream, std::span<const model::Event> events) {
  if (events.empty()) return {};
  if (auto ok = ready(); !ok) return ok;
  auto written = write(events);
  if (!written) {
    uncertain_.store(true, std::memory_order_relaxed);
    return written;
  }
  const auto last = model::headerOf(events.back()).sequence;
  if (auto r = query(fmt::format("INSERT INTO checkpoints (stream, seq) VALUES ({}, {})", quote(stream), last)); !r) {
    uncertain_.store(true, std::memory_order_relaxed);
    return Unexpected(r.error());
  }
  uncertain_.store(false, std::memory_order_relaxed);
  return {};
}

// One INSERT per table per batch (the batched path ClickHouse is built for).
Expected<void> ClickHouseStore::write(std::span<const model::Event> events) {
  std::uint64_t firstSeq = ~std::uint64_t{0}, lastSeq = 0;
  std::uint64_t minTs = ~std::uint64_t{0}, maxTs = 0;
  for (const auto& event : events) {
    const auto& h = model::headerOf(event);
    firstSeq = std::min(firstSeq, h.sequence);
    lastSeq = std::max(lastSeq, h.sequence);
    std::uint64_t ts = unsignedNs(h.tsEvent);
    if (const auto* bar = std::get_if<model::Bar>(&event)) ts = unsignedNs(bar->start);
    minTs = std::min(minTs, ts);
    maxTs = std::max(maxTs, ts);
  }
  // A replay after a failure: skip what an insert that "failed" had in fact stored.
  std::set<std::uint64_t> stored;
  if (uncertain_.load(std::memory_order_relaxed)) {
    for (const char* table : {"ticks", "bars"}) {
      const char* column = table == std::string_view("ticks") ? "ts_event" : "start_ns";
      auto r = query(fmt::format("SELECT seq FROM {} WHERE seq >= {} AND seq <= {} AND {} >= {} AND {} <= {}", table,
                                 firstSeq, lastSeq, column, minTs, column, maxTs));
      if (!r) return Unexpected(r.error());
      for (const auto line : lines(*r)) {
        auto seq = integer(line);
        if (!seq) return Unexpected(seq.error());
        stored.insert(static_cast<std::uint64_t>(*seq));
      }
    }
  }
  std::string ticks, bars;
  for (const auto& event : events) {
    const auto& h = model::headerOf(event);
    if (stored.contains(h.sequence)) continue;
    if (const auto* t = std::get_if<model::Tick>(&event)) {
      appendField(ticks, h.sequence);
      appendField(ticks, h.tenant.value);
      appendField(ticks, t->instrument.symbol.view());
      appendField(ticks, unsignedNs(h.tsEvent));
      appendField(ticks, t->bid.toString());
      appendField(ticks, t->ask.toString());
      appendField(ticks, t->last.toString());
      appendField(ticks, t->volume.toString());
      appendField(ticks, t->flags);
      appendField(ticks, t->bid.scale());
      appendField(ticks, t->ask.scale());
      appendField(ticks, t->last.scale());
      appendField(ticks, t->volume.scale(), true);
    } else if (const auto* b = std::get_if<model::Bar>(&event)) {
      appendField(bars, h.sequence);
      appendField(bars, h.tenant.value);
      appendField(bars, b->instrument.symbol.view());
      appendField(bars, b->timeframe.seconds);
      appendField(bars, unsignedNs(b->start));
      appendField(bars, unsignedNs(h.tsEvent));
      appendField(bars, b->open.toString());
      appendField(bars, b->high.toString());
      appendField(bars, b->low.toString());
      appendField(bars, b->close.toString());
      appendField(bars, b->volume.toString());
      appendField(bars, b->tickCount);
      appendField(bars, b->revision);
      appendField(bars, b->open.scale());
      appendField(bars, b->high.scale());
      appendField(bars, b->low.scale());
      appendField(bars, b->close.scale());
      appendField(bars, b->volume.scale(), true);
    }
  }
  if (!ticks.empty()) {
    if (auto r = query("INSERT INTO ticks FORMAT TabSeparated", ticks); !r) return Unexpected(r.error());
  }
  if (!bars.empty()) {
    if (auto r = query("INSERT INTO bars FORMAT TabSeparated", bars); !r) return Unexpected(r.error());
  }
  return {};
}

Expected<void> ClickHouseStore::ping() {
  auto r = query("SELECT 1");
  if (!r) return Unexpected(r.error());
  return {};
}

Expected<nlohmann::json> ClickHouseStore::orders(model::TenantId, std::size_t) {
  return fail(errors::kUnsupported, "clickhouse keeps ticks and bars; orders are in the relational store");
}

Expected<nlohmann::json> ClickHouseStore::fills(model::TenantId, std::size_t) {
  return fail(errors::kUnsupported, "clickhouse keeps ticks and bars; fills are in the relational store");
}

Expected<nlohmann::json> ClickHouseStore::ticks(model::TenantId tenant, std::string_view symbol, std::int64_t fromNs,
                                                std::int64_t toNs, std::size_t limit) {
  auto r = query(fmt::format(
      "SELECT seq, ts_event, bid, bid_scale, ask, ask_scale, last, last_scale, volume, volume_scale FROM ticks FINAL "
      "WHERE symbol = {} AND tenant = {} "
      "AND ts_event >= {} AND ts_event < {} ORDER BY ts_event, seq LIMIT {}",
      quote(symbol), tenant.value, unsignedNs(fromNs), unsignedNs(toNs), limit));
  if (!r) return Unexpected(r.error());
  return readRows(*r, {{"sequence", Column::Integer}, {"ts_event_ns", Column::Integer}, {"bid", Column::Scaled},
                       {"ask", Column::Scaled}, {"last", Column::Scaled}, {"volume", Column::Scaled}});
}

Expected<nlohmann::json> ClickHouseStore::bars(model::TenantId tenant, std::string_view symbol,
                                               std::uint32_t timeframeSeconds, std::int64_t fromNs,
                                               std::int64_t toNs, std::size_t limit) {
  auto r = query(fmt::format(
      "SELECT seq, start_ns, end_ns, open, open_scale, high, high_scale, low, low_scale, close, close_scale, volume, "
      "volume_scale, tick_count, revision FROM bars FINAL "
      "WHERE symbol = {} AND timeframe_s = {} AND tenant = {} AND start_ns >= {} AND start_ns < {} "
      "ORDER BY start_ns LIMIT {}",
      quote(symbol), timeframeSeconds, tenant.value, unsignedNs(fromNs), unsignedNs(toNs), limit));
  if (!r) return Unexpected(r.error());
  return readRows(*r, {{"sequence", Column::Integer}, {"start_ns", Column::Integer}, {"end_ns", Column::Integer},
                       {"open", Column::Scaled}, {"high", Column::Scaled}, {"low", Column::Scaled},
                       {"close", Column::Scaled}, {"volume", Column::Scaled}, {"tick_count", Column::Integer},
                       {"revision", Column::Integer}});
}

Expected<nlohmann::json> ClickHouseStore::ohlc(const OhlcQuery& q) {
  if (q.intervalNs <= 0) return fail(errors::kConfig, "ohlc: the interval must be positive");
  // The traded price when the tick has one, else the mid of bid and ask (quote-only markets).
  auto r = query(fmt::format(
      "SELECT intDiv(ts_event, {0}) * {0} AS start, argMin(p, (ts_event, seq)), max(p), min(p), "
      "argMax(p, (ts_event, seq)), sum(volume), count() FROM "
      "(SELECT ts_event, seq, volume, if(last != 0, last, (bid + ask) / 2) AS p FROM ticks FINAL "
      "WHERE symbol = {1} AND tenant = {2} AND ts_event >= {3} AND ts_event < {4}) "
      "GROUP BY start ORDER BY start LIMIT {5}",
      q.intervalNs, quote(q.symbol), q.tenant.value, unsignedNs(q.fromNs), unsignedNs(q.toNs), q.limit));
  if (!r) return Unexpected(r.error());
  return readRows(*r, {{"start_ns", Column::Integer}, {"open", Column::Decimal}, {"high", Column::Decimal},
                       {"low", Column::Decimal}, {"close", Column::Decimal}, {"volume", Column::Decimal},
                       {"ticks", Column::Integer}});
}

}  // namespace ait::store
