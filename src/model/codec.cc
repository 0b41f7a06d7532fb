#include "ait/model/codec.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <optional>

#include "ait/model/errors.h"
#include "model/schema.h"
#include "model/text.h"

namespace ait::model {

namespace {

template <class U>
void storeLe(std::byte* at, U value) noexcept {
  if constexpr (std::endian::native == std::endian::big) value = std::byteswap(value);
  std::memcpy(at, &value, sizeof(U));
}

template <class U>
U loadLe(const std::byte* at) noexcept {
  U value;
  std::memcpy(&value, at, sizeof(U));
  if constexpr (std::endian::native == std::endian::big) value = std::byteswap(value);
  return value;
}

// Writes fields in schema order. It keeps counting past the end of the buffer so that one pass
// yields the size needed, and remembers the first field holding a value no reader would accept.
class Writer {
 public:
  explicit Writer(std::span<std::byte> out) noexcept : out_(out) {}

  template <class T>
  void operator()(std::string_view name, const T& value, std::uint16_t = 1) noexcept {
    put(name, value);
  }
  template <class T>
  void time(std::string_view name, const T& value, std::uint16_t = 1) noexcept {
    put(name, value);
  }

  template <class U>
  void scalar(U value) noexcept {
    if (out_.size() >= sizeof(U) && pos_ <= out_.size() - sizeof(U)) {
      storeLe(out_.data() + pos_, value);
    }
    pos_ += sizeof(U);
  }

  std::size_t size() const noexcept { return pos_; }
  bool fits() const noexcept { return pos_ <= out_.size(); }
  std::string_view invalidField() const noexcept { return invalidField_; }
  std::string_view invalidReason() const noexcept { return invalidReason_; }

 private:
  void invalid(std::string_view name, std::string_view reason) noexcept {
    if (invalidField_.empty()) {
      invalidField_ = name;
      invalidReason_ = reason;
    }
  }

  void text(std::string_view value) noexcept {
    scalar(static_cast<std::uint8_t>(value.size()));
    if (pos_ <= out_.size() && out_.size() - pos_ >= value.size()) {
      std::memcpy(out_.data() + pos_, value.data(), value.size());
    }
    pos_ += value.size();
  }

  void put(std::string_view, std::int64_t value) noexcept {
    scalar(static_cast<std::uint64_t>(value));
  }
  void put(std::string_view, std::uint64_t value) noexcept { scalar(value); }
  void put(std::string_view, std::uint32_t value) noexcept { scalar(value); }
  void put(std::string_view name, double value) noexcept {
    if (!std::isfinite(value)) invalid(name, "not a finite number");
    scalar(std::bit_cast<std::uint64_t>(value));
  }
  void put(std::string_view name, float value) noexcept {
    if (!std::isfinite(value)) invalid(name, "not a finite number");
    scalar(std::bit_cast<std::uint32_t>(value));
  }
  // Fixed arrays are written whole, element by element.
  template <class T, std::size_t N>
  void put(std::string_view name, const std::array<T, N>& values) noexcept {
    for (const auto& value : values) put(name, value);
  }
  template <class Tag>
  void put(std::string_view name, FixedPoint<Tag> value) noexcept {
    if (!value.hasValidScale()) invalid(name, "scale above 18");
    scalar(static_cast<std::uint64_t>(value.mantissa()));
    scalar(value.scale());
  }
  template <class Tag>
  void put(std::string_view, const Id<Tag>& id) noexcept {
    text(id.view());
  }
  template <std::size_t N>
  void put(std::string_view, const FixedString<N>& value) noexcept {
    text(value.view());
  }
  void put(std::string_view, const InstrumentId& id) noexcept {
    text(id.symbol.view());
    text(id.venue.view());
  }
  void put(std::string_view, Timeframe timeframe) noexcept { scalar(timeframe.seconds); }
  template <class E>
    requires std::is_enum_v<E>
  void put(std::string_view name, E value) noexcept {
    if (!isValidEnum(value)) invalid(name, "value outside the enum");
    scalar(static_cast<std::uint8_t>(value));
  }
  template <class T>
  void put(std::string_view name, const std::optional<T>& value) noexcept {
    scalar(static_cast<std::uint8_t>(value ? 1 : 0));
    if (value) put(name, *value);
  }

  std::span<std::byte> out_;
  std::size_t pos_ = 0;
  std::string_view invalidField_;
  std::string_view invalidReason_;
};

// Reads fields in schema order, skipping those added after the record's version. The first
// problem stops reading and is kept, described with the type, version, field and offset.
class Reader {
 public:
  Reader(std::span<const std::byte> in, std::size_t pos, std::uint16_t version,
         std::string_view typeName) noexcept
      : in_(in), pos_(pos), version_(version), typeName_(typeName) {}

  template <class T>
  void operator()(std::string_view name, T& value, std::uint16_t since = 1) {
    if (!error_ && since <= version_) get(name, value);
  }
  template <class T>
  void time(std::string_view name, T& value, std::uint16_t since = 1) {
    if (!error_ && since <= version_) get(name, value);
  }

  bool failed() const noexcept { return error_.has_value(); }
  Error takeError() { return std::move(*error_); }
  std::size_t pos() const noexcept { return pos_; }

 private:
  void fail(std::string_view name, std::string problem) {
    if (!error_) {
      error_.emplace(kMalformedEvent, fmt::format("decode {} v{}: field '{}' at offset {}: {}",
                                                  typeName_, version_, name, pos_, problem));
    }
  }

  bool need(std::string_view name, std::size_t bytes) {
    if (in_.size() - pos_ >= bytes) return true;
    fail(name, fmt::format("truncated, needs {} bytes, {} left", bytes, in_.size() - pos_));
    return false;
  }

  template <class U>
  bool scalar(std::string_view name, U& value) {
    if (!need(name, sizeof(U))) return false;
    value = loadLe<U>(in_.data() + pos_);
    pos_ += sizeof(U);
    return true;
  }

  // Reads a length-prefixed string into T (a FixedString or an Id) of capacity N.
  template <class T, std::size_t N>
  bool text(std::string_view name, T& value, std::string_view what) {
    std::uint8_t length = 0;
    if (!scalar(name, length)) return false;
    if (length > N) {
      pos_ -= 1;
      fail(name, fmt::format("length {} exceeds the capacity {}", length, N));
      return false;
    }
    if (!need(name, length)) return false;
    std::string_view raw(reinterpret_cast<const char*>(in_.data() + pos_), length);
    for (char c : raw) {
      if (!isPrintableAscii(c)) {
        fail(name, detail::checkFixedText(raw, N, what).error().message());
        return false;
      }
    }
    // Checked above, so the copy that would mask bad bytes copies them unchanged.
    value = T::truncated(raw);
    pos_ += length;
    return true;
  }

  void get(std::string_view name, std::int64_t& value) {
    std::uint64_t raw = 0;
    if (scalar(name, raw)) value = static_cast<std::int64_t>(raw);
  }
  void get(std::string_view name, std::uint64_t& value) { scalar(name, value); }
  void get(std::string_view name, std::uint32_t& value) { scalar(name, value); }
  void get(std::string_view name, double& value) {
    std::uint64_t raw = 0;
    if (!scalar(name, raw)) return;
    value = std::bit_cast<double>(raw);
    if (!std::isfinite(value)) {
      pos_ -= sizeof(raw);
      fail(name, "not a finite number");
    }
  }
  void get(std::string_view name, float& value) {
    std::uint32_t raw = 0;
    if (!scalar(name, raw)) return;
    value = std::bit_cast<float>(raw);
    if (!std::isfinite(value)) {
      pos_ -= sizeof(raw);
      fail(name, "not a finite number");
    }
  }
  template <class T, std::size_t N>
  void get(std::string_view name, std::array<T, N>& values) {
    for (auto& value : values) {
      if (error_) return;
      get(name, value);
    }
  }
  template <class Tag>
  void get(std::string_view name, FixedPoint<Tag>& value) {
    std::uint64_t mantissa = 0;
    std::uint8_t scale = 0;
    if (!scalar(name, mantissa) || !scalar(name, scale)) return;
    if (scale > kMaxScale) {
      pos_ -= 1;
      fail(name, fmt::format("scale {} above {}", scale, kMaxScale));
      return;
    }
    value = FixedPoint<Tag>::fromRaw(static_cast<std::int64_t>(mantissa), scale);
  }
  template <class Tag>
  void get(std::string_view name, Id<Tag>& id) {
    text<Id<Tag>, Tag::kCapacity>(name, id, Tag::kName);
  }
  template <std::size_t N>
  void get(std::string_view name, FixedString<N>& value) {
    text<FixedString<N>, N>(name, value, name);
  }
  void get(std::string_view name, InstrumentId& id) {
    if (!text<Symbol, Symbol::kCapacity>(name, id.symbol, SymbolTag::kName)) return;
    text<Venue, Venue::kCapacity>(name, id.venue, VenueTag::kName);
  }
  void get(std::string_view name, Timeframe& timeframe) { scalar(name, timeframe.seconds); }
  template <class E>
    requires std::is_enum_v<E>
  void get(std::string_view name, E& value) {
    std::uint8_t raw = 0;
    if (!scalar(name, raw)) return;
    auto candidate = static_cast<E>(raw);
    if (!isValidEnum(candidate)) {
      pos_ -= 1;
      fail(name, fmt::format("value {} is not one of the defined values", raw));
      return;
    }
    value = candidate;
  }
  template <class T>
  void get(std::string_view name, std::optional<T>& value) {
    std::uint8_t present = 0;
    if (!scalar(name, present)) return;
    if (present > 1) {
      pos_ -= 1;
      fail(name, fmt::format("presence flag {} is neither 0 nor 1", present));
      return;
    }
    if (present == 0) {
      value.reset();
      return;
    }
    // Read in place; on failure the whole event is discarded, so a half-read value is harmless.
    get(name, value.emplace());
  }

  std::span<const std::byte> in_;
  std::size_t pos_;
  std::uint16_t version_;
  std::string_view typeName_;
  std::optional<Error> error_;
};

// Adds up the largest encoding of each field, for kMaxEncodedSize.
struct MaxSizer {
  std::size_t total = 0;

  template <class T>
  constexpr void operator()(std::string_view, const T& value, std::uint16_t = 1) {
    total += sizeOf(value);
  }
  template <class T>
  constexpr void time(std::string_view, const T& value, std::uint16_t = 1) {
    total += sizeOf(value);
  }

  template <class T>
  static constexpr std::size_t sizeOf(const T&) {
    if constexpr (schema::IsFixedPoint<T>::value) {
      return 9;
    } else if constexpr (schema::IsId<T>::value) {
      return 1 + T::kCapacity;
    } else if constexpr (schema::IsFixedString<T>::value) {
      return 1 + T::kCapacity;
    } else if constexpr (std::is_same_v<T, InstrumentId>) {
      return 2 + Symbol::kCapacity + Venue::kCapacity;
    } else if constexpr (std::is_same_v<T, Timeframe>) {
      return 4;
    } else if constexpr (std::is_enum_v<T>) {
      return 1;
    } else if constexpr (schema::IsOptional<T>::value) {
      return 1 + sizeOf(typename T::value_type{});
    } else if constexpr (schema::IsArray<T>::value) {
      return std::tuple_size_v<T> * sizeOf(typename T::value_type{});
    } else {
      static_assert(std::is_arithmetic_v<T>);
      return sizeof(T);
    }
  }
};

template <class T>
constexpr std::size_t maxSizeOf() {
  MaxSizer sizer;
  T event{};
  schema::fields(sizer, event);
  return kFrameHeaderSize + sizer.total;
}

template <std::size_t... I>
constexpr std::size_t computeMaxEncodedSize(std::index_sequence<I...>) {
  std::size_t largest = 0;
  ((largest = std::max(largest, maxSizeOf<std::variant_alternative_t<I, Event>>())), ...);
  return largest;
}

static_assert(computeMaxEncodedSize(std::make_index_sequence<kEventTypeCount>{}) ==
                  kMaxEncodedSize,
              "update kMaxEncodedSize in codec.h to the largest encoding");

template <class T>
Expected<Event> decodeAs(std::span<const std::byte> bytes, std::uint16_t version) {
  // Built in place: an Event is a few hundred bytes, and decoding is on the replay path.
  Expected<Event> result(std::in_place, std::in_place_type<T>);
  T& event = std::get<T>(*result);
  event.header.tenant = TenantId{loadLe<std::uint32_t>(bytes.data() + 4)};
  event.header.tsEvent = static_cast<TimestampNs>(loadLe<std::uint64_t>(bytes.data() + 8));
  event.header.tsRecv = static_cast<TimestampNs>(loadLe<std::uint64_t>(bytes.data() + 16));
  Reader reader(bytes, kFrameHeaderSize, version, T::kName);
  schema::fields(reader, event);
  // One named return value throughout, so that the event is not copied on the way out.
  if (reader.failed()) {
    result = Unexpected(reader.takeError());
  } else if (reader.pos() != bytes.size()) {
    result = fail(kMalformedEvent,
                  fmt::format("decode {} v{}: {} trailing bytes at offset {}", T::kName, version,
                              bytes.size() - reader.pos(), reader.pos()));
  }
  return result;
}

struct Decoder {
  EventType type;
  std::uint16_t version;
  std::string_view name;
  Expected<Event> (*decode)(std::span<const std::byte>, std::uint16_t);
  std::size_t maxSize;
};

template <std::size_t... I>
constexpr std::array<Decoder, kEventTypeCount> makeDecoders(std::index_sequence<I...>) {
  return {Decoder{std::variant_alternative_t<I, Event>::kType,
                  std::variant_alternative_t<I, Event>::kVersion,
                  std::variant_alternative_t<I, Event>::kName, &decodeAs<std::variant_alternative_t<I, Event>>,
                  maxSizeOf<std::variant_alternative_t<I, Event>>()}...};
}

constexpr auto kDecoders = makeDecoders(std::make_index_sequence<kEventTypeCount>{});

// Type ids are sparse but small: a direct index from id to decoder avoids a search per record.
constexpr std::size_t kIdSpace = 1024;
constexpr auto kDecoderById = [] {
  std::array<std::uint8_t, kIdSpace> index{};
  index.fill(0xff);
  for (std::size_t i = 0; i < kDecoders.size(); ++i) {
    index[std::to_underlying(kDecoders[i].type)] = static_cast<std::uint8_t>(i);
  }
  return index;
}();
static_assert(kEventTypeCount < 0xff);
static_assert(std::to_underlying(EventType::Alert) < kIdSpace);
static_assert(std::to_underlying(EventType::Decision) < kIdSpace);

const Decoder* findDecoder(std::uint16_t typeId) noexcept {
  if (typeId >= kIdSpace || kDecoderById[typeId] == 0xff) return nullptr;
  return &kDecoders[kDecoderById[typeId]];
}

Expected<FrameHeader> readHeader(std::span<const std::byte> bytes) {
  if (bytes.size() < kFrameHeaderSize) {
    return fail(kMalformedEvent,
                fmt::format("decode: {} bytes, shorter than the {}-byte frame header",
                            bytes.size(), kFrameHeaderSize));
  }
  FrameHeader header;
  header.typeId = loadLe<std::uint16_t>(bytes.data());
  header.version = loadLe<std::uint16_t>(bytes.data() + 2);
  header.tenant = TenantId{loadLe<std::uint32_t>(bytes.data() + 4)};
  header.tsEvent = static_cast<TimestampNs>(loadLe<std::uint64_t>(bytes.data() + 8));
  header.tsRecv = static_cast<TimestampNs>(loadLe<std::uint64_t>(bytes.data() + 16));
  const Decoder* decoder = findDecoder(header.typeId);
  if (decoder == nullptr) {
    return fail(kUnknownEventType,
                fmt::format("decode: unknown type id {} at offset 0", header.typeId));
  }
  if (header.version == 0 || header.version > decoder->version) {
    return fail(kUnsupportedVersion,
                fmt::format("decode {}: schema version {} at offset 2 is not supported (this "
                            "reader reads versions 1..{})",
                            decoder->name, header.version, decoder->version));
  }
  return header;
}

}  // namespace

Expected<std::size_t> encode(const Event& event, std::span<std::byte> out) {
  return std::visit(
      [&](const auto& e) -> Expected<std::size_t> {
        using T = std::remove_cvref_t<decltype(e)>;
        Writer writer(out);
        writer.scalar(std::to_underlying(T::kType));
        writer.scalar(T::kVersion);
        writer.scalar(e.header.tenant.value);
        writer.scalar(static_cast<std::uint64_t>(e.header.tsEvent));
        writer.scalar(static_cast<std::uint64_t>(e.header.tsRecv));
        schema::fields(writer, e);
        if (!writer.invalidField().empty()) {
          return fail(kInvalidEvent, fmt::format("encode {}: field '{}': {}", T::kName,
                                                 writer.invalidField(), writer.invalidReason()));
        }
        if (!writer.fits()) {
          return fail(kBufferTooSmall,
                      fmt::format("encode {}: buffer of {} bytes is too small, needs {}", T::kName,
                                  out.size(), writer.size()));
        }
        return writer.size();
      },
      event);
}

std::size_t encodedSize(const Event& event) noexcept {
  return std::visit(
      [](const auto& e) {
        Writer writer({});
        schema::fields(writer, e);
        return kFrameHeaderSize + writer.size();
      },
      event);
}

Expected<Event> decode(std::span<const std::byte> bytes) {
  auto header = readHeader(bytes);
  if (!header) return Unexpected(std::move(header.error()));
  return findDecoder(header->typeId)->decode(bytes, header->version);
}

Expected<FrameHeader> peekHeader(std::span<const std::byte> bytes) { return readHeader(bytes); }

std::size_t maxEncodedSize(EventType type) noexcept {
  const Decoder* decoder = findDecoder(std::to_underlying(type));
  return decoder != nullptr ? decoder->maxSize : 0;
}

}  // namespace ait::model
