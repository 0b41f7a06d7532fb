#include "ait/model/json.h"

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "ait/model/errors.h"
#include "ait/model/time.h"
#include "model/schema.h"
#include "model/text.h"

namespace ait::model {

namespace {

using nlohmann::json;

class JsonWriter {
 public:
  explicit JsonWriter(json& out) : out_(out) {}

  template <class T>
  void operator()(std::string_view name, const T& value, std::uint16_t = 1) {
    if constexpr (schema::IsOptional<T>::value) {
      if (value) out_[std::string(name)] = render(*value);
    } else {
      out_[std::string(name)] = render(value);
    }
  }
  void time(std::string_view name, TimestampNs value, std::uint16_t = 1) {
    out_[std::string(name)] = toIso8601(value);
    out_[std::string(name) + "_ns"] = value;
  }
  void time(std::string_view name, const std::optional<TimestampNs>& value, std::uint16_t = 1) {
    if (value) time(name, *value);
  }

 private:
  template <class Tag>
  static json render(const FixedPoint<Tag>& value) {
    return value.toString();
  }
  template <class Tag>
  static json render(const Id<Tag>& id) {
    return std::string(id.view());
  }
  template <std::size_t N>
  static json render(const FixedString<N>& text) {
    return std::string(text.view());
  }
  static json render(const InstrumentId& id) {
    return {{"symbol", std::string(id.symbol.view())}, {"venue", std::string(id.venue.view())}};
  }
  static json render(Timeframe timeframe) { return timeframe.toString(); }
  template <class E>
    requires std::is_enum_v<E>
  static json render(E value) {
    return std::string(toString(value));
  }
  static json render(std::uint32_t value) { return value; }
  static json render(std::uint64_t value) { return value; }
  static json render(double value) { return value; }
  // A float is shown as the shortest decimal that reads back to the same float.
  static json render(float value) { return std::stod(fmt::format("{}", value)); }
  template <class T, std::size_t N>
  static json render(const std::array<T, N>& values) {
    json list = json::array();
    for (const auto& value : values) list.push_back(render(value));
    return list;
  }

  json& out_;
};

std::string describeType(const json& value) { return value.type_name(); }

// Reads fields by name; the first problem is kept and stops reading.
class JsonReader {
 public:
  JsonReader(const json& object, std::string_view typeName) : object_(object), typeName_(typeName) {}

  template <class T>
  void operator()(std::string_view name, T& value, std::uint16_t = 1) {
    known_.push_back(name);
    if (error_) return;
    const json* field = find(name);
    if (field == nullptr) {
      if (!mayBeOmitted<T>()) fail(name, "missing");
      return;
    }
    if constexpr (schema::IsOptional<T>::value) {
      typename T::value_type inner{};
      if (read(name, *field, inner)) value = inner;
    } else {
      read(name, *field, value);
    }
  }

  template <class T>
  void time(std::string_view name, T& value, std::uint16_t = 1) {
    timeNames_.push_back(name);
    if (error_) return;
    std::optional<TimestampNs> parsed = readTime(name);
    if (error_) return;
    if constexpr (schema::IsOptional<T>::value) {
      value = parsed;
    } else {
      if (!parsed) {
        fail(name, fmt::format("missing (give '{}' as ISO 8601 text or '{}_ns')", name, name));
        return;
      }
      value = *parsed;
    }
  }

  void header(EventHeader& header) {
    if (const json* tenant = find("tenant_id")) {
      std::uint32_t value = 0;
      if (read("tenant_id", *tenant, value)) header.tenant = TenantId{value};
    }
    if (auto ts = readTime("ts_event")) header.tsEvent = *ts;
    if (auto ts = readTime("ts_recv")) header.tsRecv = *ts;
    if (const json* sequence = find("sequence")) read("sequence", *sequence, header.sequence);
  }

  // Fails on the first key that is neither a field nor a header key.
  void rejectUnknownKeys() {
    if (error_) return;
    for (const auto& item : object_.items()) {
      const std::string& key = item.key();
      if (isKnown(key)) continue;
      fail(key, "unknown field");
      return;
    }
  }

  bool failed() const { return error_.has_value(); }
  Error takeError() { return std::move(*error_); }

  void fail(std::string_view name, std::string_view problem) {
    if (!error_) {
      error_.emplace(kBadJson, fmt::format("{}: field {}: {}", typeName_, quoteForMessage(name),
                                           problem));
    }
  }

 private:
  bool isKnown(std::string_view key) const {
    static constexpr std::string_view kHeaderKeys[] = {"type", "type_id", "version", "tenant_id",
                                                       "sequence"};
    for (auto header : kHeaderKeys) {
      if (key == header) return true;
    }
    for (auto name : known_) {
      if (key == name) return true;
    }
    std::string_view base = key;
    if (base.ends_with("_ns")) base.remove_suffix(3);
    if (base == "ts_event" || base == "ts_recv") return true;
    for (auto name : timeNames_) {
      if (base == name) return true;
    }
    return false;
  }

  const json* find(std::string_view name) const {
    auto it = object_.find(name);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  template <class T>
  static constexpr bool mayBeOmitted() {
    return schema::IsOptional<T>::value || schema::IsId<T>::value || schema::IsArray<T>::value ||
           schema::IsFixedString<T>::value || std::is_same_v<T, InstrumentId>;
  }

  std::optional<TimestampNs> readTime(std::string_view name) {
    std::string nsName = std::string(name) + "_ns";
    std::optional<TimestampNs> fromNs;
    std::optional<TimestampNs> fromText;
    if (const json* ns = find(nsName)) {
      std::int64_t value = 0;
      if (!readInteger(nsName, *ns, value)) return std::nullopt;
      fromNs = value;
    }
    if (const json* text = find(name)) {
      if (!text->is_string()) {
        fail(name, fmt::format("expected ISO 8601 text, found {}", describeType(*text)));
        return std::nullopt;
      }
      auto parsed = parseIso8601(text->get_ref<const std::string&>());
      if (!parsed) {
        fail(name, parsed.error().message());
        return std::nullopt;
      }
      fromText = *parsed;
    }
    if (fromNs && fromText && *fromNs != *fromText) {
      fail(name, fmt::format("'{}' and '{}' disagree ({} vs {})", name, nsName, *fromText, *fromNs));
      return std::nullopt;
    }
    return fromNs ? fromNs : fromText;
  }

  template <class I>
  bool readInteger(std::string_view name, const json& value, I& out) {
    if (value.is_number_unsigned()) {
      auto raw = value.get<std::uint64_t>();
      if (raw <= static_cast<std::uint64_t>(std::numeric_limits<I>::max())) {
        out = static_cast<I>(raw);
        return true;
      }
    } else if (value.is_number_integer()) {
      auto raw = value.get<std::int64_t>();
      if (raw >= 0 || std::numeric_limits<I>::is_signed) {
        if (std::in_range<I>(raw)) {
          out = static_cast<I>(raw);
          return true;
        }
      }
    } else {
      fail(name, fmt::format("expected an integer, found {}", describeType(value)));
      return false;
    }
    fail(name, fmt::format("{} is out of range", value.dump()));
    return false;
  }

  template <class Tag>
  bool read(std::string_view name, const json& value, FixedPoint<Tag>& out) {
    Expected<FixedPoint<Tag>> parsed = FixedPoint<Tag>();
    if (value.is_string()) {
      parsed = FixedPoint<Tag>::parse(value.get_ref<const std::string&>());
    } else if (value.is_number_integer()) {
      std::int64_t raw = 0;
      if (!readInteger(name, value, raw)) return false;
      parsed = FixedPoint<Tag>::fromRaw(raw, 0);
    } else if (value.is_number_float()) {
      parsed = FixedPoint<Tag>::fromDouble(value.get<double>());
    } else {
      fail(name, fmt::format("expected a decimal string such as \"1.10235\", found {}",
                             describeType(value)));
      return false;
    }
    if (!parsed) {
      fail(name, parsed.error().message());
      return false;
    }
    out = *parsed;
    return true;
  }

  template <class Tag>
  bool read(std::string_view name, const json& value, Id<Tag>& out) {
    if (!value.is_string()) {
      fail(name, fmt::format("expected a string, found {}", describeType(value)));
      return false;
    }
    auto parsed = Id<Tag>::from(value.get_ref<const std::string&>());
    if (!parsed) {
      fail(name, parsed.error().message());
      return false;
    }
    out = *parsed;
    return true;
  }

  template <std::size_t N>
  bool read(std::string_view name, const json& value, FixedString<N>& out) {
    if (!value.is_string()) {
      fail(name, fmt::format("expected a string, found {}", describeType(value)));
      return false;
    }
    auto parsed = FixedString<N>::from(value.get_ref<const std::string&>(), name);
    if (!parsed) {
      fail(name, parsed.error().message());
      return false;
    }
    out = *parsed;
    return true;
  }

  bool read(std::string_view name, const json& value, InstrumentId& out) {
    if (value.is_string()) {
      auto parsed = InstrumentId::parse(value.get_ref<const std::string&>());
      if (!parsed) {
        fail(name, parsed.error().message());
        return false;
      }
      out = *parsed;
      return true;
    }
    if (!value.is_object()) {
      fail(name, fmt::format("expected {{\"symbol\": .., \"venue\": ..}} or \"SYMBOL@VENUE\", "
                             "found {}",
                             describeType(value)));
      return false;
    }
    InstrumentId id;
    for (const auto& item : value.items()) {
      if (item.key() == "symbol") {
        if (!read(name, item.value(), id.symbol)) return false;
      } else if (item.key() == "venue") {
        if (!item.value().is_null() && !read(name, item.value(), id.venue)) return false;
      } else {
        fail(name, fmt::format("unknown key {} (expected symbol and venue)",
                               quoteForMessage(item.key())));
        return false;
      }
    }
    // An empty symbol is structurally valid (toJson writes one for an unset instrument);
    // commands that need an instrument say so in validate().
    out = id;
    return true;
  }

  bool read(std::string_view name, const json& value, Timeframe& out) {
    if (value.is_number_integer()) {
      std::uint32_t seconds = 0;
      if (!readInteger(name, value, seconds)) return false;
      out = Timeframe{seconds};
      return true;
    }
    if (!value.is_string()) {
      fail(name, fmt::format("expected a timeframe such as \"1m\", found {}", describeType(value)));
      return false;
    }
    auto parsed = Timeframe::parse(value.get_ref<const std::string&>());
    if (!parsed) {
      fail(name, parsed.error().message());
      return false;
    }
    out = *parsed;
    return true;
  }

  template <class E>
    requires std::is_enum_v<E>
  bool read(std::string_view name, const json& value, E& out) {
    std::string allowed;
    for (const auto& [v, n] : EnumNames<E>::kValues) {
      if (!allowed.empty()) allowed += ", ";
      allowed += n;
    }
    if (!value.is_string()) {
      fail(name, fmt::format("expected one of {}, found {}", allowed, describeType(value)));
      return false;
    }
    const auto& text = value.get_ref<const std::string&>();
    auto parsed = enumFromString<E>(text);
    if (!parsed) {
      fail(name, fmt::format("{} is not one of {}", quoteForMessage(text), allowed));
      return false;
    }
    out = *parsed;
    return true;
  }

  bool read(std::string_view name, const json& value, std::uint32_t& out) {
    return readInteger(name, value, out);
  }
  bool read(std::string_view name, const json& value, std::uint64_t& out) {
    return readInteger(name, value, out);
  }
  bool read(std::string_view name, const json& value, double& out) {
    if (!value.is_number()) {
      fail(name, fmt::format("expected a number, found {}", describeType(value)));
      return false;
    }
    out = value.get<double>();
    return true;
  }
  bool read(std::string_view name, const json& value, float& out) {
    double wide = 0;
    if (!read(name, value, wide)) return false;
    out = static_cast<float>(wide);
    return true;
  }
  // A fixed array from a JSON array of at most N values; the rest keep their defaults.
  template <class T, std::size_t N>
  bool read(std::string_view name, const json& value, std::array<T, N>& out) {
    if (!value.is_array() || value.size() > N) {
      fail(name, fmt::format("expected an array of at most {} values, found {}", N,
                             value.is_array() ? fmt::format("{} values", value.size())
                                              : describeType(value)));
      return false;
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (!read(name, value[i], out[i])) return false;
    }
    return true;
  }

  const json& object_;
  std::string_view typeName_;
  std::vector<std::string_view> known_;
  std::vector<std::string_view> timeNames_;
  std::optional<Error> error_;
};

template <class T>
Expected<Event> readAs(const json& object) {
  T event{};
  JsonReader reader(object, T::kName);
  reader.header(event.header);
  schema::fields(reader, event);
  reader.rejectUnknownKeys();
  if (reader.failed()) return Unexpected(reader.takeError());
  if (const auto it = object.find("type_id"); it != object.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() != std::to_underlying(T::kType)) {
      return fail(kBadJson, fmt::format("{}: field 'type_id': {} does not match the type's id {}",
                                        T::kName, it->dump(), std::to_underlying(T::kType)));
    }
  }
  return Event(std::in_place_type<T>, event);
}

struct JsonDecoder {
  EventType type;
  Expected<Event> (*read)(const json&);
};

template <std::size_t... I>
constexpr std::array<JsonDecoder, kEventTypeCount> makeJsonDecoders(std::index_sequence<I...>) {
  return {JsonDecoder{std::variant_alternative_t<I, Event>::kType,
                      &readAs<std::variant_alternative_t<I, Event>>}...};
}

constexpr auto kJsonDecoders = makeJsonDecoders(std::make_index_sequence<kEventTypeCount>{});

// Captures nlohmann's description of a syntax error without letting it throw.
class SyntaxErrorCatcher : public nlohmann::json_sax<json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& error) override {
    message = error.what();
    return false;
  }

  std::string message;
};

}  // namespace

json toJson(const Event& event) {
  return std::visit(
      [](const auto& e) {
        using T = std::remove_cvref_t<decltype(e)>;
        json out = json::object();
        out["type"] = std::string(T::kName);
        out["type_id"] = std::to_underlying(T::kType);
        out["version"] = T::kVersion;
        out["tenant_id"] = e.header.tenant.value;
        out["ts_event"] = toIso8601(e.header.tsEvent);
        out["ts_event_ns"] = e.header.tsEvent;
        out["ts_recv"] = toIso8601(e.header.tsRecv);
        out["ts_recv_ns"] = e.header.tsRecv;
        out["sequence"] = e.header.sequence;
        JsonWriter writer(out);
        schema::fields(writer, e);
        return out;
      },
      event);
}

Expected<Event> fromJson(const json& object) {
  if (!object.is_object()) {
    return fail(kBadJson, fmt::format("event: expected a JSON object, found {}",
                                      describeType(object)));
  }
  auto typeField = object.find("type");
  if (typeField == object.end() || !typeField->is_string()) {
    return fail(kBadJson, "event: field 'type' is missing or not a string");
  }
  const auto& typeName = typeField->get_ref<const std::string&>();
  auto type = eventTypeFromName(typeName);
  if (!type) {
    return fail(kBadJson, fmt::format("event: unknown type {}", quoteForMessage(typeName)));
  }
  for (const auto& decoder : kJsonDecoders) {
    if (decoder.type == *type) return decoder.read(object);
  }
  return fail(kBadJson, fmt::format("event: unknown type {}", quoteForMessage(typeName)));
}

Expected<Event> commandFromJson(const json& object) {
  auto event = fromJson(object);
  if (!event) return event;
  EventType type = typeOf(*event);
  if (!isCommand(type)) {
    return fail(kBadJson, fmt::format("{} is not a command (expected submit_order, cancel_order "
                                      "or modify_order)",
                                      nameOf(type)));
  }
  if (auto valid = validateCommand(*event); !valid) return Unexpected(std::move(valid.error()));
  return event;
}

Expected<Event> fromJsonText(std::string_view text) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) {
    SyntaxErrorCatcher catcher;
    json::sax_parse(text, &catcher);
    return fail(kBadJson, fmt::format("event: malformed JSON: {}", catcher.message));
  }
  return fromJson(parsed);
}

}  // namespace ait::model
