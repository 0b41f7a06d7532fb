// Reading the TOML sources, merging them, applying AIT_* overrides, decoding into a Config and
// checking every rule, collecting every problem on the way.

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <type_traits>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "ait/config/errors.h"
#include "ait/config/load.h"
#include "config/internal.h"
#include "config/schema.h"

extern char** environ;

namespace ait::config {
namespace detail {
namespace {

namespace fs = std::filesystem;

std::string sourceWhere(const toml::node& node) {
  const auto& src = node.source();
  if (!src.path || src.begin.line == 0) return {};
  return fmt::format("{}:{}", *src.path, src.begin.line);
}

std::string joinKey(std::string_view prefix, std::string_view name) {
  if (prefix.empty()) return std::string(name);
  return fmt::format("{}.{}", prefix, name);
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  return text;
}

std::string envName(std::string_view key) {
  std::string out = "AIT_";
  for (char c : key) {
    if (c == '.') {
      out += "__";
    } else {
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

// "data.synthetic.symbols[2].spred" -> "data.synthetic.symbols[].spred", indices {"2"}.
std::string normaliseKey(std::string_view key, std::vector<std::string>* indices = nullptr) {
  std::string out;
  for (std::size_t i = 0; i < key.size(); ++i) {
    out += key[i];
    if (key[i] == '[') {
      std::size_t close = key.find(']', i);
      if (close == std::string_view::npos) break;
      if (indices != nullptr) indices->emplace_back(key.substr(i + 1, close - i - 1));
      i = close - 1;
    }
  }
  return out;
}

std::string_view lastSegment(std::string_view key) {
  std::size_t dot = key.rfind('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

// Suggests the known key closest to an unknown one: a small edit distance (a typo), or the same
// name in another table (a key put in the wrong section).
std::optional<std::string> suggestKey(std::string_view unknown) {
  std::vector<std::string> indices;
  std::string norm = normaliseKey(unknown, &indices);
  std::string_view last = lastSegment(norm);
  std::size_t limit = last.size() <= 4 ? 1 : last.size() <= 8 ? 2 : 3;

  std::vector<std::string_view> candidates;
  for (const auto& d : keyDescs()) candidates.push_back(d.key);
  for (const auto& t : tablePaths()) candidates.push_back(t);

  std::optional<std::string_view> best;
  std::size_t bestDistance = limit + 1;
  std::vector<std::string_view> sameName;
  for (std::string_view c : candidates) {
    std::size_t d = editDistance(norm, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
    if (lastSegment(c) == last) sameName.push_back(c);
  }
  if (!best && sameName.size() == 1) best = sameName.front();
  if (!best) return std::nullopt;

  std::string out(*best);
  for (const auto& index : indices) {
    std::size_t at = out.find("[]");
    if (at == std::string::npos) break;
    out.replace(at, 2, "[" + index + "]");
  }
  return out;
}

std::string describeNode(const toml::node& node, bool secret) {
  switch (node.type()) {
    case toml::node_type::string: {
      if (secret) return "a string";
      std::string_view s = node.as_string()->get();
      if (s.size() > 60) return fmt::format("a string ({}...)", tomlString(s.substr(0, 60)));
      return fmt::format("a string ({})", tomlString(s));
    }
    case toml::node_type::integer: return fmt::format("an integer ({})", node.as_integer()->get());
    case toml::node_type::floating_point:
      return fmt::format("a float ({})", formatDouble(node.as_floating_point()->get()));
    case toml::node_type::boolean:
      return fmt::format("a boolean ({})", node.as_boolean()->get() ? "true" : "false");
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time: return "a date/time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

template <class E>
std::string enumReason(std::string_view got) {
  std::string names;
  std::optional<std::string_view> suggestion;
  std::size_t bestDistance = 3;
  for (std::string_view name : EnumNames<E>::names) {
    if (!names.empty()) names += ", ";
    names += name;
    std::size_t d = editDistance(lower(got), name);
    if (d < bestDistance || (!suggestion && lower(got).starts_with(name))) {
      bestDistance = std::min(d, bestDistance);
      suggestion = name;
    }
  }
  std::string out = fmt::format("must be one of {}; got {}", names, tomlString(got));
  if (suggestion) out += fmt::format(" (did you mean {}?)", tomlString(*suggestion));
  return out;
}

// Parses "250ms", "5s", "1.5m", "2h" into a whole number of `unit`.
std::optional<std::int64_t> parseDuration(std::string_view text, std::string_view unit) {
  text = trim(text);
  std::size_t split = 0;
  while (split < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[split])) != 0 || text[split] == '.' ||
          (split == 0 && text[split] == '-'))) {
    ++split;
  }
  double number = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + split, number);
  if (ec != std::errc{} || end != text.data() + split || split == 0) return std::nullopt;
  std::string_view suffix = trim(text.substr(split));
  static constexpr std::pair<std::string_view, long double> kUnits[] = {
      {"ns", 1.0L}, {"us", 1e3L}, {"ms", 1e6L}, {"s", 1e9L}, {"m", 60e9L}, {"h", 3600e9L},
      {"d", 86400e9L}};
  long double from = 0;
  long double to = 0;
  for (const auto& [name, ns] : kUnits) {
    if (name == suffix) from = ns;
    if (name == unit) to = ns;
  }
  if (from == 0 || to == 0) return std::nullopt;
  long double value = static_cast<long double>(number) * from / to;
  long double whole = std::round(value);
  if (std::fabs(value - whole) > 1e-9L * std::max(1.0L, std::fabs(whole))) return std::nullopt;
  if (whole > static_cast<long double>(std::numeric_limits<std::int64_t>::max()) ||
      whole < static_cast<long double>(std::numeric_limits<std::int64_t>::min())) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(whole);
}

// Where each problem came from and which keys already have one (so a later rule does not
// report a consequence of the same mistake).
class Report {
 public:
  Report(Problems& out, const toml::table* root, const std::map<std::string, std::string>* envWhere,
         std::vector<std::string> sources = {})
      : out_(out), root_(root), envWhere_(envWhere), sources_(std::move(sources)) {}

  void add(std::string key, std::string reason, const ErrorCode& code, std::string where) {
    out_.push_back({std::move(key), std::move(reason), std::move(where), &code});
  }
  /// Adds a problem for a key whose origin is looked up, and marks the key as bad.
  void at(const std::string& key, std::string reason, const ErrorCode& code,
          const toml::node* node = nullptr) {
    bad_.insert(key);
    add(key, std::move(reason), code, whereOf(key, node));
  }
  std::string whereOf(std::string_view key, const toml::node* node = nullptr) const {
    if (envWhere_ != nullptr) {
      for (const auto& [k, where] : *envWhere_) {
        if (key == k ||
            (key.starts_with(k) && key.size() > k.size() && (key[k.size()] == '.' || key[k.size()] == '['))) {
          return where;
        }
      }
    }
    if (node == nullptr && root_ != nullptr) node = toml::at_path(*root_, key).node();
    return node != nullptr ? sourceWhere(*node) : std::string{};
  }
  /// Returns how late the source of a key's value comes in the overlay order (environment
  /// variables last), or -1 when it is not known.
  int rank(std::string_view key) const {
    if (envWhere_ != nullptr && envWhere_->contains(std::string(key))) {
      return static_cast<int>(sources_.size());
    }
    if (root_ == nullptr) return -1;
    const toml::node* node = toml::at_path(*root_, key).node();
    if (node == nullptr || !node->source().path) return -1;
    for (std::size_t i = 0; i < sources_.size(); ++i) {
      if (*node->source().path == sources_[i]) return static_cast<int>(i);
    }
    return -1;
  }
  bool isBad(std::string_view key) const { return bad_.contains(key); }
  void markBad(std::string key) { bad_.insert(std::move(key)); }

 private:
  Problems& out_;
  const toml::table* root_;
  const std::map<std::string, std::string>* envWhere_;
  std::vector<std::string> sources_;
  std::set<std::string, std::less<>> bad_;
};

// Reads the merged document into a Config: types only, plus unknown keys. Value rules come after,
// from Validator, so that a Config built in code gets the same checks.
class Decoder {
 public:
  Decoder(const toml::table& root, Report& report) : report_(report) {
    frames_.push_back({&root, "", {}, false});
  }

  template <class F>
  void table(std::string_view name, F&& body) {
    std::string key = joinKey(frames_.back().key, name);
    const toml::node* node = lookup(name);
    if (node != nullptr && !node->is_table()) {
      wrongType(key, *node, "a table", false);
      return;
    }
    frames_.push_back({node != nullptr ? node->as_table() : nullptr, key, {}, false});
    body();
    finishFrame();
  }

  template <class T, class R>
  void value(std::string_view name, T& field, const R&) {
    std::string key = joinKey(frames_.back().key, name);
    const toml::node* node = lookup(name);
    if (node == nullptr) {
      missing(key);
      return;
    }
    decode(key, *node, field, isSecretKey(name));
  }

  template <class R>
  void duration(std::string_view name, std::int64_t& field, const R& rule) {
    std::string key = joinKey(frames_.back().key, name);
    const toml::node* node = lookup(name);
    if (node == nullptr) {
      missing(key);
      return;
    }
    if (const auto* text = node->as_string()) {
      if (auto parsed = parseDuration(text->get(), rule.unit)) {
        field = *parsed;
        return;
      }
      report_.at(key,
                 fmt::format("expected a whole number of {} or a duration such as \"250ms\", "
                             "\"5s\", \"2m\", got {}",
                             rule.unit, tomlString(text->get())),
                 kInvalidValue, node);
      return;
    }
    if (!node->is_integer()) {
      wrongType(key, *node, fmt::format("an integer number of {}", rule.unit), false);
      return;
    }
    decode(key, *node, field, false);
  }

  template <class T, class R>
  void map(std::string_view name, std::map<std::string, T>& field, const R&) {
    std::string key = joinKey(frames_.back().key, name);
    const toml::node* node = lookup(name);
    if (node == nullptr) return;
    const auto* table = node->as_table();
    if (table == nullptr) {
      wrongType(key, *node, "a table", false);
      return;
    }
    std::map<std::string, T> out;
    for (const auto& [k, v] : *table) {
      T decoded{};
      if (decode(joinKey(key, k.str()), v, decoded, isSecretKey(k.str()))) {
        out.emplace(std::string(k.str()), decoded);
      }
    }
    field = std::move(out);
  }

  template <class T, class F>
  void tableArray(std::string_view name, std::vector<T>& field, F&& body) {
    std::string key = joinKey(frames_.back().key, name);
    const toml::node* node = lookup(name);
    if (node == nullptr) return;
    const auto* array = node->as_array();
    if (array == nullptr) {
      wrongType(key, *node, "an array of tables", false);
      return;
    }
    std::vector<T> out;
    bool ok = true;
    for (std::size_t i = 0; i < array->size(); ++i) {
      std::string elementKey = fmt::format("{}[{}]", key, i);
      const toml::node& element = *array->get(i);
      if (!element.is_table()) {
        ok = wrongType(elementKey, element, "a table", false);
        continue;
      }
      T decoded{};
      frames_.push_back({element.as_table(), elementKey, {}, true});
      body(decoded);
      finishFrame();
      out.push_back(std::move(decoded));
    }
    if (!ok) {
      report_.markBad(key);
      return;
    }
    field = std::move(out);
  }

  /// Reports the unknown top-level keys; call after visitConfig.
  void finish() { finishFrame(); }

 private:
  struct Frame {
    const toml::table* table;
    std::string key;
    std::set<std::string, std::less<>> seen;
    bool required;  // inside an array-of-tables entry every field must be given
  };

  const toml::node* lookup(std::string_view name) {
    Frame& f = frames_.back();
    f.seen.emplace(name);
    return f.table != nullptr ? f.table->get(name) : nullptr;
  }

  void missing(const std::string& key) {
    const Frame& f = frames_.back();
    if (!f.required) return;
    report_.markBad(key);
    report_.add(key, "is required in every entry", kInvalidValue,
                f.table != nullptr ? sourceWhere(*f.table) : std::string{});
  }

  void finishFrame() {
    Frame f = std::move(frames_.back());
    frames_.pop_back();
    if (f.table == nullptr) return;
    for (const auto& [k, v] : *f.table) {
      if (f.seen.contains(k.str())) continue;
      std::string key = joinKey(f.key, k.str());
      std::string reason = "unknown key";
      if (auto suggestion = suggestKey(key)) {
        reason += fmt::format("; did you mean {}?", *suggestion);
      }
      report_.at(key, std::move(reason), kUnknownKey, &v);
    }
  }

  bool wrongType(const std::string& key, const toml::node& node, std::string_view expected,
                 bool secret) {
    report_.at(key, fmt::format("expected {}, got {}", expected, describeNode(node, secret)),
               kWrongType, &node);
    return false;
  }

  template <class T>
  bool decode(const std::string& key, const toml::node& node, T& out, bool secret) {
    if constexpr (std::is_same_v<T, bool>) {
      if (const auto* b = node.as_boolean()) {
        out = b->get();
        return true;
      }
      return wrongType(key, node, "true or false", secret);
    } else if constexpr (std::is_integral_v<T>) {
      const auto* i = node.as_integer();
      if (i == nullptr) return wrongType(key, node, "an integer", secret);
      std::int64_t v = i->get();
      if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
        report_.at(key, fmt::format("is out of range, got {}", v), kInvalidValue, &node);
        return false;
      }
      out = static_cast<T>(v);
      return true;
    } else if constexpr (std::is_floating_point_v<T>) {
      double v = 0;
      if (const auto* f = node.as_floating_point()) {
        v = f->get();
      } else if (const auto* i = node.as_integer()) {
        v = static_cast<double>(i->get());
      } else {
        return wrongType(key, node, "a number", secret);
      }
      if (!std::isfinite(v)) {
        report_.at(key, fmt::format("must be a finite number, got {}", formatDouble(v)),
                   kInvalidValue, &node);
        return false;
      }
      out = v;
      return true;
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (const auto* s = node.as_string()) {
        out = s->get();
        return true;
      }
      return wrongType(key, node, "a string", secret);
    } else if constexpr (ConfigEnum<T>) {
      const auto* s = node.as_string();
      if (s == nullptr) {
        std::string names;
        for (std::string_view n : EnumNames<T>::names) names += (names.empty() ? "" : ", ") + tomlString(n);
        return wrongType(key, node, fmt::format("one of the strings {}", names), secret);
      }
      auto parsed = parseEnum<T>(s->get());
      if (!parsed) {
        report_.at(key, enumReason<T>(s->get()), kInvalidValue, &node);
        return false;
      }
      out = *parsed;
      return true;
    } else {
      static_assert(std::is_same_v<T, std::vector<std::string>>);
      const auto* array = node.as_array();
      if (array == nullptr) return wrongType(key, node, "an array of strings", secret);
      std::vector<std::string> values;
      bool ok = true;
      for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        if (const auto* s = element.as_string()) {
          values.push_back(s->get());
        } else {
          ok = wrongType(fmt::format("{}[{}]", key, i), element, "a string", secret);
        }
      }
      if (!ok) {
        report_.markBad(key);
        return false;
      }
      out = std::move(values);
      return true;
    }
  }

  Report& report_;
  std::vector<Frame> frames_;
};

// Applies each setting's value rule.
class Validator {
 public:
  explicit Validator(Report& report) : report_(report) {}

  template <class F>
  void table(std::string_view name, F&& body) {
    path_.push_back(joinKey(path_.empty() ? "" : path_.back(), name));
    body();
    path_.pop_back();
  }
  template <class T, class R>
  void value(std::string_view name, const T& field, const R& rule) {
    std::string key = joinKey(path_.back(), name);
    if (report_.isBad(key)) return;
    if (auto why = rule(field)) report_.at(key, std::move(*why), kInvalidValue);
  }
  template <class R>
  void duration(std::string_view name, const std::int64_t& field, const R& rule) {
    value(name, field, rule);
  }
  template <class T, class R>
  void map(std::string_view name, const std::map<std::string, T>& field, const R&) {
    std::string key = joinKey(path_.back(), name);
    for (const auto& [k, v] : field) {
      if (!isName(k, 64)) {
        report_.at(joinKey(key, k), "the name must be 1 to 64 letters, digits, '_' or '-'",
                   kInvalidValue);
      }
    }
  }
  template <class T, class F>
  void tableArray(std::string_view name, const std::vector<T>& field, F&& body) {
    std::string key = joinKey(path_.back(), name);
    for (std::size_t i = 0; i < field.size(); ++i) {
      path_.push_back(fmt::format("{}[{}]", key, i));
      body(field[i]);
      path_.pop_back();
    }
  }

 private:
  Report& report_;
  std::vector<std::string> path_;
};

// Of two keys that break a rule together, the one whose value came later (the overlay, the
// environment) is the one the user just changed, so the problem is reported there.
bool firstIsLater(const Report& r, std::string_view first, std::string_view second) {
  return r.rank(first) > r.rank(second);
}

template <class T>
void notBelow(Report& r, const std::string& loKey, T lo, const std::string& hiKey, T hi) {
  if (r.isBad(loKey) || r.isBad(hiKey) || hi >= lo) return;
  if (firstIsLater(r, loKey, hiKey)) {
    r.at(loKey, fmt::format("must not exceed {} ({}), got {}", hiKey, hi, lo), kInconsistent);
  } else {
    r.at(hiKey, fmt::format("must be at least {} ({}), got {}", loKey, lo, hi), kInconsistent);
  }
}

void checkPorts(const Config& c, Report& r) {
  std::vector<std::pair<std::string, const ServiceConfig*>> enabled;
  for (const auto& [name, service] : c.services.all()) {
    if (!service->enabled) continue;
    std::string key = fmt::format("services.{}.port", name);
    if (r.isBad(key)) continue;
    for (const auto& [otherKey, other] : enabled) {
      if (other->port != service->port || r.isBad(otherKey)) continue;
      bool blameOther = firstIsLater(r, otherKey, key);
      const std::string& target = blameOther ? otherKey : key;
      std::string_view holder = blameOther ? std::string_view(key) : std::string_view(otherKey);
      holder.remove_suffix(std::string_view(".port").size());
      r.at(target,
           fmt::format("{} is already the port of {}; enabled services need distinct ports",
                       service->port, holder),
           kInconsistent);
      break;
    }
    enabled.emplace_back(key, service);
  }
}

void crossCheck(const Config& c, Report& r) {
  checkPorts(c, r);

  notBelow(r, "hub.restart_initial_backoff_ms", c.hub.restart_initial_backoff_ms,
           "hub.restart_max_backoff_ms", c.hub.restart_max_backoff_ms);
  const auto& t = c.resilience.timeouts;
  notBelow(r, "resilience.timeouts.fast_ms", t.fast_ms, "resilience.timeouts.normal_ms",
           t.normal_ms);
  notBelow(r, "resilience.timeouts.normal_ms", t.normal_ms, "resilience.timeouts.heavy_ms",
           t.heavy_ms);
  notBelow(r, "resilience.circuit_breaker.minimum_calls", c.resilience.circuit_breaker.minimum_calls,
           "resilience.circuit_breaker.window_size", c.resilience.circuit_breaker.window_size);
  notBelow(r, "resilience.retry.initial_backoff_ms", c.resilience.retry.initial_backoff_ms,
           "resilience.retry.max_backoff_ms", c.resilience.retry.max_backoff_ms);
  notBelow(r, "auth.access_token_ttl_s", c.auth.access_token_ttl_s, "auth.refresh_token_ttl_s",
           c.auth.refresh_token_ttl_s);
  for (const auto& [name, pool] : {std::pair{"postgres", &c.database.pool.postgres},
                                   std::pair{"clickhouse", &c.database.pool.clickhouse},
                                   std::pair{"redis", &c.database.pool.redis}}) {
    const std::string prefix = std::string("database.pool.") + name;
    notBelow(r, prefix + ".min_size", pool->min_size, prefix + ".max_size", pool->max_size);
  }

  if (c.bus.kind == BusKind::Nats && c.bus.nats_urls.empty() && !r.isBad("bus.nats_urls") &&
      !r.isBad("bus.kind")) {
    if (firstIsLater(r, "bus.kind", "bus.nats_urls")) {
      r.at("bus.kind", "is \"nats\" but bus.nats_urls is empty; list at least one NATS server",
           kInconsistent);
    } else {
      r.at("bus.nats_urls", "must list at least one server when bus.kind is \"nats\"",
           kInconsistent);
    }
  }

  if (c.log.file.empty() && !c.log.to_stderr && c.log.level != LogLevel::Off &&
      !r.isBad("log.stderr") && !r.isBad("log.file")) {
    if (firstIsLater(r, "log.file", "log.stderr")) {
      r.at("log.file",
           "is empty and log.stderr is false, so logs would go nowhere (set log.level = \"off\" "
           "if that is meant)",
           kInconsistent);
    } else {
      r.at("log.stderr",
           "is false and log.file is empty, so logs would go nowhere (set log.level = \"off\" if "
           "that is meant)",
           kInconsistent);
    }
  }

  const auto& synthetic = c.data.synthetic;
  if (synthetic.enabled && synthetic.symbols.empty() && !r.isBad("data.synthetic.symbols")) {
    if (firstIsLater(r, "data.synthetic.enabled", "data.synthetic.symbols")) {
      r.at("data.synthetic.enabled", "is true but data.synthetic.symbols is empty", kInconsistent);
    } else {
      r.at("data.synthetic.symbols",
           "must list at least one symbol when the synthetic feed is enabled", kInconsistent);
    }
  }
  for (std::size_t i = 0; i < synthetic.symbols.size(); ++i) {
    std::string key = fmt::format("data.synthetic.symbols[{}].symbol", i);
    if (r.isBad(key)) continue;
    for (std::size_t j = 0; j < i; ++j) {
      if (synthetic.symbols[j].symbol == synthetic.symbols[i].symbol) {
        r.at(key,
             fmt::format("{} is listed twice (also entry {})", tomlString(synthetic.symbols[i].symbol), j),
             kInconsistent);
        break;
      }
    }
  }
}

void mergeInto(toml::table& base, toml::table&& overlay) {
  for (auto&& [k, v] : overlay) {
    toml::node* existing = base.get(k.str());
    if (existing != nullptr && existing->is_table() && v.is_table()) {
      mergeInto(*existing->as_table(), std::move(*v.as_table()));
    } else {
      base.insert_or_assign(k.str(), std::move(v));
    }
  }
}

void readInto(toml::table& root, const fs::path& file, Report& report, std::string_view missingReason) {
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    report.add("", std::string(missingReason), kUnreadable, file.string());
    return;
  }
  if (!fs::is_regular_file(file, ec)) {
    report.add("", "is not a regular file", kUnreadable, file.string());
    return;
  }
  std::ifstream probe(file);
  if (!probe) {
    report.add("", fmt::format("cannot be read: {}", std::strerror(errno)), kUnreadable,
               file.string());
    return;
  }
  probe.close();
  try {
    mergeInto(root, toml::parse_file(file.string()));
  } catch (const toml::parse_error& e) {
    report.add("", fmt::format("is not valid TOML: {}", e.description()), kSyntax,
               fmt::format("{}:{}:{}", file.string(), e.source().begin.line,
                           e.source().begin.column));
  }
}

std::optional<bool> parseBool(std::string_view text) {
  std::string t = lower(trim(text));
  if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "0" || t == "no" || t == "off") return false;
  return std::nullopt;
}

std::optional<std::int64_t> parseInt(std::string_view text) {
  text = trim(text);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::optional<std::string> insertTomlValue(toml::table& parent, std::string_view key,
                                           std::string_view text, std::string_view example) {
  try {
    toml::table parsed = toml::parse(fmt::format("v = {}", text));
    parent.insert_or_assign(key, std::move(*parsed.get("v")));
    return std::nullopt;
  } catch (const toml::parse_error& e) {
    return fmt::format("expected a TOML value such as {}; {}", example, e.description());
  }
}

// Converts an override to a TOML value of the setting's type and puts it at parent[key].
std::optional<std::string> insertOverride(toml::table& parent, std::string_view key, Kind kind,
                                          std::string_view text) {
  switch (kind) {
    case Kind::Bool:
      if (auto b = parseBool(text)) {
        parent.insert_or_assign(key, *b);
        return std::nullopt;
      }
      return fmt::format("expected true or false, got {}", tomlString(text));
    case Kind::Integer:
      if (auto i = parseInt(text)) {
        parent.insert_or_assign(key, *i);
        return std::nullopt;
      }
      return fmt::format("expected an integer, got {}", tomlString(text));
    case Kind::Float: {
      std::string_view t = trim(text);
      double v = 0;
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec != std::errc{} || end != t.data() + t.size() || t.empty()) {
        return fmt::format("expected a number, got {}", tomlString(text));
      }
      parent.insert_or_assign(key, v);
      return std::nullopt;
    }
    case Kind::Duration:
      if (auto i = parseInt(text)) {
        parent.insert_or_assign(key, *i);
      } else {
        parent.insert_or_assign(key, std::string(trim(text)));
      }
      return std::nullopt;
    case Kind::String:
    case Kind::Enum:
      parent.insert_or_assign(key, std::string(text));
      return std::nullopt;
    case Kind::StringArray: {
      std::string_view t = trim(text);
      if (t.starts_with('[')) return insertTomlValue(parent, key, t, "[\"a\", \"b\"]");
      toml::array array;
      while (!t.empty()) {
        std::size_t comma = t.find(',');
        std::string_view item = trim(t.substr(0, comma));
        if (!item.empty()) array.push_back(std::string(item));
        if (comma == std::string_view::npos) break;
        t.remove_prefix(comma + 1);
      }
      parent.insert_or_assign(key, std::move(array));
      return std::nullopt;
    }
    case Kind::EnumMap: {
      std::string_view t = trim(text);
      if (!t.starts_with('{')) {
        return fmt::format("expected an inline table such as {{hub = \"debug\"}}, got {}",
                           tomlString(text));
      }
      return insertTomlValue(parent, key, t, "{hub = \"debug\"}");
    }
    case Kind::TableArray: {
      std::string_view t = trim(text);
      if (!t.starts_with('[')) {
        return fmt::format("expected an array of inline tables such as [{{symbol = \"EURUSD\", "
                           "...}}], got {}",
                           tomlString(text));
      }
      return insertTomlValue(parent, key, t, "[{symbol = \"EURUSD\", ...}]");
    }
  }
  return "unsupported setting type";
}

// Returns the kind of value an override of `key` must have, or nothing when it names no setting.
std::optional<Kind> overrideKind(std::string_view key) {
  for (const auto& d : keyDescs()) {
    if (d.key.find('[') != std::string::npos) continue;
    if (d.key == key) return d.kind;
    if (d.kind == Kind::EnumMap && key.starts_with(d.key) && key.size() > d.key.size() + 1 &&
        key[d.key.size()] == '.' && key.substr(d.key.size() + 1).find('.') == std::string_view::npos) {
      return Kind::Enum;
    }
  }
  return std::nullopt;
}

void applyEnvironment(const std::map<std::string, std::string>& environment, toml::table& root,
                      std::map<std::string, std::string>& envWhere, Report& report) {
  for (const auto& [name, text] : environment) {
    if (!name.starts_with("AIT_")) continue;
    std::string_view rest = std::string_view(name).substr(4);
    std::string where = "environment variable " + name;
    if (rest.find("__") == std::string_view::npos) {
      // AIT_LOG_LEVEL is a mistyped AIT_LOG__LEVEL, not an unrelated variable: say so.
      std::string flat = lower(rest);
      for (const auto& d : keyDescs()) {
        std::string asFlat = d.key;
        std::replace(asFlat.begin(), asFlat.end(), '.', '_');
        if (asFlat == flat && d.key.find('[') == std::string::npos) {
          report.add(d.key,
                     fmt::format("not applied: nested keys are separated by '__'; did you mean {}?",
                                 envName(d.key)),
                     kUnknownKey, where);
          break;
        }
      }
      continue;
    }
    std::vector<std::string> segments;
    std::size_t start = 0;
    bool malformed = false;
    while (true) {
      std::size_t sep = rest.find("__", start);
      std::string_view segment = rest.substr(start, sep == std::string_view::npos ? sep : sep - start);
      if (segment.empty()) malformed = true;
      segments.push_back(lower(segment));
      if (sep == std::string_view::npos) break;
      start = sep + 2;
    }
    std::string key;
    for (const auto& s : segments) key = joinKey(key, s);
    if (malformed) {
      report.add(key, "malformed override name: an empty part between '__' separators",
                 kUnknownKey, where);
      continue;
    }
    auto kind = overrideKind(key);
    if (!kind) {
      std::string reason = "unknown setting";
      auto suggestion = suggestKey(key);
      if (suggestion && suggestion->find('[') == std::string::npos) {
        reason += fmt::format("; did you mean {}?", envName(*suggestion));
      }
      report.add(key, std::move(reason), kUnknownKey, where);
      continue;
    }
    toml::table* parent = &root;
    std::string prefix;
    for (std::size_t i = 0; i + 1 < segments.size() && parent != nullptr; ++i) {
      prefix = joinKey(prefix, segments[i]);
      toml::node* child = parent->get(segments[i]);
      if (child == nullptr) {
        child = &parent->insert_or_assign(segments[i], toml::table{}).first->second;
      }
      parent = child->as_table();
    }
    if (parent == nullptr) {
      report.add(key, fmt::format("cannot be set: {} is not a table", prefix), kWrongType, where);
      continue;
    }
    if (auto error = insertOverride(*parent, segments.back(), *kind, text)) {
      report.add(key, std::move(*error), kBadEnvOverride, where);
      continue;
    }
    envWhere[key] = where;
  }
}

struct Source {
  fs::path file;
  std::string missingReason;
};

std::pair<Config, Problems> loadFrom(const std::vector<Source>& sources,
                                     const std::map<std::string, std::string>& environment,
                                     Problems problems = {}) {
  toml::table root;
  std::map<std::string, std::string> envWhere;
  std::vector<std::string> files;
  for (const auto& source : sources) files.push_back(source.file.string());
  Report report(problems, &root, &envWhere, files);
  for (const auto& s : sources) readInto(root, s.file, report, s.missingReason);
  applyEnvironment(environment, root, envWhere, report);

  Config config;
  Decoder decoder(root, report);
  visitConfig(decoder, config);
  decoder.finish();
  Validator validator(report);
  visitConfig(validator, std::as_const(config));
  crossCheck(config, report);
  return {std::move(config), std::move(problems)};
}

std::optional<std::string> environmentName(const std::map<std::string, std::string>& environment) {
  auto it = environment.find("AIT_ENV");
  if (it == environment.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

}  // namespace
}  // namespace detail

std::map<std::string, std::string> readEnvironment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (!entry.starts_with("AIT_")) continue;
    std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return out;
}

std::vector<std::filesystem::path> configSources(const LoadOptions& options) {
  std::vector<std::filesystem::path> out{options.config_dir / "default.toml"};
  if (auto env = detail::environmentName(options.environment); env && detail::isName(*env, 64)) {
    out.push_back(options.config_dir / (*env + ".toml"));
  }
  if (options.overlay) out.push_back(*options.overlay);
  return out;
}

std::expected<Config, Problems> loadConfig(const LoadOptions& options) {
  std::vector<detail::Source> sources{
      {options.config_dir / "default.toml",
       "cannot be read: no such file (every installation needs its default.toml)"}};
  Problems early;
  if (auto env = detail::environmentName(options.environment)) {
    if (!detail::isName(*env, 64)) {
      early.push_back({"", fmt::format("must be an environment name such as \"production\" "
                                       "(letters, digits, '_' or '-'), got {}",
                                       detail::tomlString(*env)),
                       "environment variable AIT_ENV", &kInvalidValue});
    } else {
      sources.push_back({options.config_dir / (*env + ".toml"),
                         fmt::format("cannot be read: no such file (AIT_ENV is {})",
                                     detail::tomlString(*env))});
    }
  }
  if (options.overlay) sources.push_back({*options.overlay, "cannot be read: no such file"});
  auto [config, problems] = detail::loadFrom(sources, options.environment, std::move(early));
  if (!problems.empty()) return std::unexpected(std::move(problems));
  return std::move(config);
}

Problems checkConfigFile(const std::filesystem::path& file, const std::filesystem::path& configDir) {
  std::vector<detail::Source> sources{
      {configDir / "default.toml", "cannot be read: no such file"},
      {file, "cannot be read: no such file"}};
  return detail::loadFrom(sources, {}).second;
}

Problems validateConfig(const Config& config) {
  Problems problems;
  detail::Report report(problems, nullptr, nullptr);
  detail::Validator validator(report);
  detail::visitConfig(validator, config);
  detail::crossCheck(config, report);
  return problems;
}

std::string formatProblem(const Problem& problem) {
  std::string out;
  for (const std::string* part : {&problem.where, &problem.key, &problem.reason}) {
    if (part->empty()) continue;
    if (!out.empty()) out += ": ";
    out += *part;
  }
  return out;
}

std::string formatProblems(const Problems& problems) {
  std::string out;
  for (const auto& p : problems) out += formatProblem(p) + "\n";
  return out;
}

Error toError(const Problems& problems) {
  std::string message =
      fmt::format("{} configuration problem{}:\n", problems.size(), problems.size() == 1 ? "" : "s");
  message += formatProblems(problems);
  if (!message.empty() && message.back() == '\n') message.pop_back();
  return Error(kInvalidConfig, std::move(message));
}

}  // namespace ait::config
