// Rendering the effective configuration, flattening it for diffs, and describing the schema.

#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "ait/config/load.h"
#include "config/internal.h"
#include "config/schema.h"

namespace ait::config {
namespace detail {
namespace {

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};

std::string joinPath(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '.';
    out += p;
  }
  return out;
}

std::string keyText(std::string_view key) {
  if (isName(key, key.size() + 1)) return std::string(key);
  return tomlString(key);
}

template <class T>
std::string valueText(const T& v, bool secret, bool mask) {
  if constexpr (std::is_same_v<T, bool>) {
    return v ? "true" : "false";
  } else if constexpr (std::is_integral_v<T>) {
    return fmt::format("{}", v);
  } else if constexpr (std::is_floating_point_v<T>) {
    return formatDouble(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (mask && secret && !v.empty()) return tomlString("***");
    return tomlString(mask ? maskUrlPassword(v) : v);
  } else if constexpr (ConfigEnum<T>) {
    return tomlString(toString(v));
  } else {
    static_assert(std::is_same_v<T, std::vector<std::string>>);
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out += ", ";
      out += valueText(v[i], secret, mask);
    }
    return out + "]";
  }
}

class Renderer {
 public:
  explicit Renderer(bool mask) : mask_(mask) {}

  template <class F>
  void table(std::string_view name, F&& body) {
    path_.emplace_back(name);
    bool saved = std::exchange(headerDone_, false);
    body();
    headerDone_ = saved;
    path_.pop_back();
  }
  template <class T, class R>
  void value(std::string_view name, const T& field, const R&) {
    leaf(name, valueText(field, isSecretKey(name), mask_));
  }
  template <class R>
  void duration(std::string_view name, const std::int64_t& field, const R& rule) {
    value(name, field, rule);
  }
  template <class T, class R>
  void map(std::string_view name, const std::map<std::string, T>& field, const R&) {
    path_.emplace_back(name);
    out_ += fmt::format("\n[{}]\n", joinPath(path_));
    for (const auto& [k, v] : field) {
      out_ += keyText(k) + " = " + valueText(v, isSecretKey(k), mask_) + "\n";
    }
    path_.pop_back();
  }
  template <class T, class F>
  void tableArray(std::string_view name, const std::vector<T>& field, F&& body) {
    if (field.empty()) {
      leaf(name, "[]");
      return;
    }
    path_.emplace_back(name);
    for (const auto& element : field) {
      out_ += fmt::format("\n[[{}]]\n", joinPath(path_));
      bool saved = std::exchange(headerDone_, true);
      body(element);
      headerDone_ = saved;
    }
    path_.pop_back();
  }
  std::string take() { return std::move(out_); }

 private:
  void leaf(std::string_view name, const std::string& text) {
    if (!headerDone_ && !path_.empty()) {
      out_ += fmt::format("\n[{}]\n", joinPath(path_));
      headerDone_ = true;
    }
    out_ += keyText(name) + " = " + text + "\n";
  }

  bool mask_;
  bool headerDone_ = true;
  std::vector<std::string> path_;
  std::string out_;
};

class Flattener {
 public:
  explicit Flattener(bool mask) : mask_(mask) {}

  template <class F>
  void table(std::string_view name, F&& body) {
    path_.emplace_back(name);
    body();
    path_.pop_back();
  }
  template <class T, class R>
  void value(std::string_view name, const T& field, const R&) {
    std::string text = valueText(field, isSecretKey(name), mask_);
    if (element_ != nullptr) {
      if (!element_->empty()) *element_ += ", ";
      *element_ += keyText(name) + " = " + text;
      return;
    }
    out_.emplace_back(key(name), std::move(text));
  }
  template <class R>
  void duration(std::string_view name, const std::int64_t& field, const R& rule) {
    value(name, field, rule);
  }
  template <class T, class R>
  void map(std::string_view name, const std::map<std::string, T>& field, const R&) {
    for (const auto& [k, v] : field) {
      out_.emplace_back(key(name) + "." + k, valueText(v, isSecretKey(k), mask_));
    }
  }
  // An array of tables is one key whose value is an inline array: the element's fields are
  // gathered into element_ instead of becoming keys of their own.
  template <class T, class F>
  void tableArray(std::string_view name, const std::vector<T>& field, F&& body) {
    std::string text = "[";
    for (const auto& element : field) {
      std::string fields;
      element_ = &fields;
      body(element);
      element_ = nullptr;
      if (text.size() > 1) text += ", ";
      text += "{" + fields + "}";
    }
    out_.emplace_back(key(name), text + "]");
  }
  std::vector<std::pair<std::string, std::string>> take() { return std::move(out_); }

 private:
  std::string key(std::string_view name) const {
    std::string prefix = joinPath(path_);
    return prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
  }

  bool mask_;
  std::string* element_ = nullptr;
  std::vector<std::string> path_;
  std::vector<std::pair<std::string, std::string>> out_;
};

class Collector {
 public:
  template <class F>
  void table(std::string_view name, F&& body) {
    path_.emplace_back(name);
    tables_.push_back(joinPath(path_));
    body();
    path_.pop_back();
  }
  template <class T, class R>
  void value(std::string_view name, const T&, const R&) {
    KeyDesc d{key(name), kindOf<T>(), {}};
    if constexpr (ConfigEnum<T>) d.allowed = names<T>();
    keys_.push_back(std::move(d));
  }
  template <class R>
  void duration(std::string_view name, const std::int64_t&, const R&) {
    keys_.push_back({key(name), Kind::Duration, {}});
  }
  template <class T, class R>
  void map(std::string_view name, const std::map<std::string, T>&, const R&) {
    keys_.push_back({key(name), Kind::EnumMap, names<T>()});
  }
  template <class T, class F>
  void tableArray(std::string_view name, const std::vector<T>&, F&& body) {
    keys_.push_back({key(name), Kind::TableArray, {}});
    path_.push_back(std::string(name) + "[]");
    tables_.push_back(joinPath(path_));
    T element{};
    body(element);
    path_.pop_back();
  }

  std::vector<KeyDesc> keys_;
  std::vector<std::string> tables_;

 private:
  template <class T>
  static std::vector<std::string> names() {
    return {EnumNames<T>::names.begin(), EnumNames<T>::names.end()};
  }
  template <class T>
  static Kind kindOf() {
    if constexpr (std::is_same_v<T, bool>) return Kind::Bool;
    else if constexpr (std::is_integral_v<T>) return Kind::Integer;
    else if constexpr (std::is_floating_point_v<T>) return Kind::Float;
    else if constexpr (std::is_same_v<T, std::string>) return Kind::String;
    else if constexpr (ConfigEnum<T>) return Kind::Enum;
    else return Kind::StringArray;
  }
  std::string key(std::string_view name) const {
    std::string prefix = joinPath(path_);
    return prefix.empty() ? std::string(name) : prefix + "." + std::string(name);
  }
  std::vector<std::string> path_;
};

const Collector& collected() {
  static const Collector collector = [] {
    Collector c;
    const Config config;
    visitConfig(c, config);
    return c;
  }();
  return collector;
}

}  // namespace

const std::vector<KeyDesc>& keyDescs() { return collected().keys_; }
const std::vector<std::string>& tablePaths() { return collected().tables_; }

std::string_view kindName(Kind kind) {
  switch (kind) {
    case Kind::Bool: return "bool";
    case Kind::Integer: return "integer";
    case Kind::Float: return "float";
    case Kind::String: return "string";
    case Kind::Duration: return "duration";
    case Kind::Enum: return "enum";
    case Kind::StringArray: return "string array";
    case Kind::EnumMap: return "table of enum";
    case Kind::TableArray: return "array of tables";
  }
  return "string";
}

std::vector<std::pair<std::string, std::string>> flatten(const Config& config, bool maskSecrets) {
  Flattener f(maskSecrets);
  visitConfig(f, config);
  return f.take();
}

std::string formatDouble(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eEni") == std::string::npos) text += ".0";
  return text;
}

std::string maskUrlPassword(std::string_view text) {
  std::size_t scheme = text.find("://");
  if (scheme == std::string_view::npos) return std::string(text);
  std::size_t authority = scheme + 3;
  std::size_t end = text.find('/', authority);
  if (end == std::string_view::npos) end = text.size();
  std::size_t at = text.rfind('@', end);
  if (at == std::string_view::npos || at < authority) return std::string(text);
  std::size_t colon = text.find(':', authority);
  if (colon == std::string_view::npos || colon > at) return std::string(text);
  return std::string(text.substr(0, colon + 1)) + "***" + std::string(text.substr(at));
}

}  // namespace detail

std::string renderEffective(const Config& config, bool maskSecrets) {
  detail::Renderer r(maskSecrets);
  detail::visitConfig(r, config);
  std::string body = r.take();
  if (!body.empty() && body.front() == '\n') body.erase(0, 1);
  return std::string(maskSecrets ? "# Effective configuration (secrets masked)\n\n"
                                 : "# Effective configuration\n\n") +
         body;
}

bool isReloadable(std::string_view key) {
  return key.starts_with("risk.") || key.starts_with("rate_limits.") || key == "log.level" ||
         key == "log.components" || key.starts_with("log.components.");
}

bool isSecretKey(std::string_view key) {
  if (std::size_t dot = key.rfind('.'); dot != std::string_view::npos) key = key.substr(dot + 1);
  for (std::string_view name : {"secret", "password", "token", "api_key"}) {
    if (key == name) return true;
    if (key.size() > name.size() && key.ends_with(name) && key[key.size() - name.size() - 1] == '_') {
      return true;
    }
  }
  return false;
}

std::vector<KeyInfo> listKeys() {
  std::vector<KeyInfo> out;
  for (const auto& d : detail::keyDescs()) {
    out.push_back({d.key, std::string(detail::kindName(d.kind)), d.allowed});
  }
  return out;
}

}  // namespace ait::config
