#include "ait/model/codec.h"

#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ait/model/errors.h"
#include "ait/model/json.h"
#include "unit/model/samples.h"

namespace ait::model {
namespace {

using Buffer = std::array<std::byte, kMaxEncodedSize>;

std::vector<std::byte> encoded(const Event& event) {
  Buffer buffer;
  auto size = encode(event, buffer);
  EXPECT_TRUE(size.has_value()) << size.error().describe();
  return {buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(size.value_or(0))};
}

std::string hex(std::span<const std::byte> bytes) {
  std::string out;
  for (auto b : bytes) out += fmt::format("{:02x}", static_cast<unsigned>(b));
  return out;
}

std::vector<std::byte> fromHex(std::string_view text) {
  std::vector<std::byte> out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out.push_back(static_cast<std::byte>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// Builds records byte by byte, independently of the codec, to pin the layout down.
class RecordBuilder {
 public:
  RecordBuilder& u8(std::uint8_t value) { return little(value, 1); }
  RecordBuilder& u16(std::uint16_t value) { return little(value, 2); }
  RecordBuilder& u32(std::uint32_t value) { return little(value, 4); }
  RecordBuilder& i64(std::int64_t value) { return little(static_cast<std::uint64_t>(value), 8); }
  RecordBuilder& text(std::string_view value) {
    u8(static_cast<std::uint8_t>(value.size()));
    for (char c : value) bytes.push_back(static_cast<std::byte>(c));
    return *this;
  }
  RecordBuilder& decimal(std::int64_t mantissa, std::uint8_t scale) {
    return i64(mantissa).u8(scale);
  }
  RecordBuilder& someDecimal(std::int64_t mantissa, std::uint8_t scale) {
    return u8(1).decimal(mantissa, scale);
  }
  std::vector<std::byte> bytes;

 private:
  RecordBuilder& little(std::uint64_t value, int width) {
    for (int i = 0; i < width; ++i) bytes.push_back(static_cast<std::byte>(value >> (8 * i)));
    return *this;
  }
};

// SubmitOrder as a v1 writer (before `confidence` existed) wrote the sample order.
std::vector<std::byte> submitOrderV1() {
  RecordBuilder r;
  r.u16(100).u16(1).u32(7).i64(1'704'164'645'123'456'789).i64(1'704'164'645'123'999'000);
  r.text("c-20240102-0001").text("ACC-1").text("EURUSD").text("MT5");
  r.u8(2).u8(4).u8(5);  // sell, stop_limit, gtd
  r.decimal(10, 2);
  r.someDecimal(110'200, 5).someDecimal(110'210, 5);
  r.u8(1).i64(1'704'240'000'000'000'000);
  r.someDecimal(110'500, 5).someDecimal(109'800, 5);
  r.text("oco-7").text("mean-rev-2");
  return r.bytes;
}

// The same v1 record as committed bytes: it must decode with every future build.
constexpr std::string_view kSubmitOrderV1Hex =
    "640001000700000015ff5c37b768a61718456537b768a6170f632d32303234303130322d3030303105414343"
    "2d3106455552555344034d54350204050a00000000000000020178ae010000000000050182ae010000000000"
    "05010000032440ada61701a4af0100000000000501e8ac01000000000005056f636f2d370a6d65616e2d7265"
    "762d32";

// The sample tick as committed bytes (current version 1).
constexpr std::string_view kTickV1Hex =
    "010001000700000015ff5c37b768a61718456537b768a61706455552555344034d54359bae01000000000005"
    "9dae010000000000059cae0100000000000596000000000000000213010000000000000240420f0000000000"
    "0007000000";

TEST(CodecRoundTrip, EveryEventTypeDecodesToWhatWasEncoded) {
  for (const Event& event : test::sampleEvents()) {
    SCOPED_TRACE(std::string(nameOf(typeOf(event))));
    auto bytes = encoded(event);
    EXPECT_EQ(bytes.size(), encodedSize(event));
    EXPECT_LE(bytes.size(), maxEncodedSize(typeOf(event)));
    EXPECT_LE(bytes.size(), kMaxEncodedSize);
    auto decoded = decode(bytes);
    ASSERT_TRUE(decoded.has_value()) << decoded.error().describe();
    EXPECT_EQ(*decoded, event);
    EXPECT_EQ(encoded(*decoded), bytes);
  }
}

TEST(CodecRoundTrip, KeepsScalesAndAbsentOptionals) {
  SubmitOrder order = test::sampleSubmitOrder();
  order.type = OrderType::Market;
  order.timeInForce = TimeInForce::Ioc;
  order.price.reset();
  order.stopPrice.reset();
  order.expireTime.reset();
  order.confidence.reset();
  order.quantity = Quantity::fromRaw(1000, 3);
  auto decoded = decode(encoded(order));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().describe();
  const auto& back = std::get<SubmitOrder>(*decoded);
  EXPECT_EQ(back, order);
  EXPECT_EQ(back.quantity.scale(), 3);
  EXPECT_FALSE(back.price.has_value());
  EXPECT_FALSE(back.confidence.has_value());
}

TEST(CodecRoundTrip, LeavesTheSequenceToTheJournal) {
  Tick tick = test::sampleTick();
  tick.header.sequence = 99;
  auto decoded = decode(encoded(tick));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(headerOf(*decoded).sequence, 0U);
}

TEST(CodecLayout, TickMatchesTheCommittedBytes) {
  auto bytes = encoded(test::sampleTick());
  RecordBuilder r;
  r.u16(1).u16(1).u32(7).i64(1'704'164'645'123'456'789).i64(1'704'164'645'123'999'000);
  r.text("EURUSD").text("MT5");
  r.decimal(110'235, 5).decimal(110'237, 5).decimal(110'236, 5);
  r.decimal(150, 2).decimal(275, 2).decimal(1'000'000, 0);
  r.u32(kTickBid | kTickAsk | kTickLast);
  EXPECT_EQ(bytes, r.bytes);
  EXPECT_EQ(hex(bytes), kTickV1Hex);
  auto decoded = decode(fromHex(kTickV1Hex));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().describe();
  EXPECT_EQ(*decoded, Event(test::sampleTick()));
}

TEST(CodecLayout, FrameHeaderExposesTypeVersionTenantAndTimes) {
  auto bytes = encoded(test::sampleOrderFilled());
  auto header = peekHeader(bytes);
  ASSERT_TRUE(header.has_value()) << header.error().describe();
  EXPECT_EQ(header->typeId, 204);
  EXPECT_EQ(header->version, 2);
  EXPECT_EQ(header->tenant, TenantId{7});
  EXPECT_EQ(header->tsEvent, 1'704'164'645'123'456'789);
  EXPECT_EQ(header->tsRecv, 1'704'164'645'123'999'000);
}

TEST(CodecVersioning, ReadsAVersion1SubmitOrderWithoutConfidence) {
  auto v1 = submitOrderV1();
  ASSERT_EQ(hex(v1), kSubmitOrderV1Hex) << "the v1 builder drifted from the committed bytes";
  auto decoded = decode(fromHex(kSubmitOrderV1Hex));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().describe();
  const auto& order = std::get<SubmitOrder>(*decoded);
  SubmitOrder expected = test::sampleSubmitOrder();
  expected.confidence.reset();
  EXPECT_EQ(order, expected);
  EXPECT_FALSE(order.confidence.has_value());
  EXPECT_EQ(peekHeader(v1)->version, 1);
  // Written again, it becomes a current (v3) record: absent confidence and trailing fields.
  auto rewritten = encoded(order);
  EXPECT_EQ(peekHeader(rewritten)->version, 3);
  EXPECT_EQ(rewritten.size(), v1.size() + 3);
}

TEST(CodecVersioning, ReadsAVersion2SubmitOrderAsNotTrailing) {
  // A v2 writer appended the confidence to the v1 fields and nothing after it.
  auto v2 = submitOrderV1();
  v2[2] = std::byte{2};
  RecordBuilder confidence;
  confidence.u8(1).i64(std::bit_cast<std::uint64_t>(0.8125));
  v2.insert(v2.end(), confidence.bytes.begin(), confidence.bytes.end());
  auto decoded = decode(v2);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().describe();
  const auto& order = std::get<SubmitOrder>(*decoded);
  EXPECT_EQ(order, test::sampleSubmitOrder());
  EXPECT_FALSE(order.trailingOffset.has_value());
  EXPECT_FALSE(order.trailingUnit.has_value());
  auto rewritten = encoded(order);
  EXPECT_EQ(peekHeader(rewritten)->version, 3);
  EXPECT_EQ(rewritten.size(), v2.size() + 2);
}

TEST(CodecVersioning, ATrailingStopRoundTripsInBinaryAndJson) {
  SubmitOrder order = test::sampleSubmitOrder();
  order.type = OrderType::Stop;
  order.price.reset();
  order.trailingOffset = Price::fromRaw(25, 2);
  order.trailingUnit = TrailingUnit::Percent;
  auto decoded = decode(encoded(order));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().describe();
  EXPECT_EQ(std::get<SubmitOrder>(*decoded), order);
  nlohmann::json out = toJson(Event(order));
  EXPECT_EQ(out["trailing_offset"], "0.25");
  EXPECT_EQ(out["trailing_unit"], "percent");
  auto back = fromJson(out);
  ASSERT_TRUE(back.has_value()) << back.error().describe();
  EXPECT_EQ(std::get<SubmitOrder>(*back), order);
}

TEST(CodecVersioning, ReadsAVersion1OrderFilledWithoutAnFxRate) {
  // A v1 fill is the v2 one without the trailing fx_rate presence flag.
  OrderFilled fill = test::sampleOrderFilled();
  auto v1 = encoded(fill);
  ASSERT_EQ(v1.back(), std::byte{0});
  v1.pop_back();
  v1[2] = std::byte{1};
  auto decoded = decode(v1);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().describe();
  EXPECT_EQ(std::get<OrderFilled>(*decoded), fill);
  EXPECT_FALSE(std::get<OrderFilled>(*decoded).fxRate.has_value());
  // A rate written now reads back exactly.
  fill.fxRate = Price::fromRaw(1'280'010, 6);
  decoded = decode(encoded(fill));
  ASSERT_TRUE(decoded.has_value()) << decoded.error().describe();
  EXPECT_EQ(std::get<OrderFilled>(*decoded).fxRate, Price::fromRaw(1'280'010, 6));
}

TEST(CodecVersioning, ReadsAVersion1BarAsRevisionZero) {
  // Bar as a v1 writer (before `revision` existed) wrote it.
  RecordBuilder r;
  r.u16(2).u16(1).u32(7).i64(1'704'164'645'123'456'789).i64(1'704'164'645'123'999'000);
  r.text("EURUSD").text("MT5").u32(60).i64(1'704'164'580'000'000'000);
  r.decimal(110'200, 5).decimal(110'260, 5).decimal(110'190, 5).decimal(110'235, 5);
  r.decimal(4'200, 0).u32(131);
  auto decoded = decode(r.bytes);
  ASSERT_TRUE(decoded.has_value()) << decoded.error().describe();
  const auto& bar = std::get<Bar>(*decoded);
  EXPECT_EQ(bar.tickCount, 131U);
  EXPECT_EQ(bar.revision, 0U);
  EXPECT_EQ(bar.close, Price::fromRaw(110'235, 5));
  auto rewritten = encoded(bar);
  EXPECT_EQ(peekHeader(rewritten)->version, 2);
  EXPECT_EQ(rewritten.size(), r.bytes.size() + 4);
}

TEST(CodecVersioning, RefusesAVersionNewerThanTheReader) {
  auto bytes = encoded(test::sampleSubmitOrder());
  bytes[2] = std::byte{4};
  auto decoded = decode(bytes);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().codeString(), kUnsupportedVersion.code);
  EXPECT_NE(decoded.error().message().find("submit_order: schema version 4 at offset 2"),
            std::string::npos)
      << decoded.error().message();
  bytes[2] = std::byte{0};
  EXPECT_FALSE(decode(bytes).has_value());
}

TEST(CodecVersioning, AVersion1PayloadLabelledVersion2IsTruncated) {
  auto v1 = submitOrderV1();
  v1[2] = std::byte{2};
  auto decoded = decode(v1);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message().find("field 'confidence'"), std::string::npos)
      << decoded.error().message();
}

TEST(CodecErrors, NamesAnUnknownTypeId) {
  auto bytes = encoded(test::sampleTick());
  bytes[0] = std::byte{0xe7};
  bytes[1] = std::byte{0x03};
  auto decoded = decode(bytes);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().codeString(), kUnknownEventType.code);
  EXPECT_EQ(decoded.error().message(), "decode: unknown type id 999 at offset 0");
}

TEST(CodecErrors, TruncationAtEveryOffsetOfEveryTypeIsAnError) {
  for (const Event& event : test::sampleEvents()) {
    auto bytes = encoded(event);
    for (std::size_t length = 0; length < bytes.size(); ++length) {
      auto decoded = decode(std::span(bytes).first(length));
      ASSERT_FALSE(decoded.has_value())
          << nameOf(typeOf(event)) << " decoded from " << length << " of " << bytes.size();
      EXPECT_EQ(decoded.error().codeString(), kMalformedEvent.code);
      if (length >= kFrameHeaderSize) {
        EXPECT_NE(decoded.error().message().find(nameOf(typeOf(event))), std::string::npos)
            << decoded.error().message();
      }
    }
  }
}

TEST(CodecErrors, TruncationNamesTheFieldAndOffset) {
  auto bytes = encoded(test::sampleTick());
  // Header 24 + symbol 7 + venue 4 = 35: the bid starts there; keep 3 of its 9 bytes.
  auto decoded = decode(std::span(bytes).first(38));
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().message(),
            "decode tick v1: field 'bid' at offset 35: truncated, needs 8 bytes, 3 left");
  auto tiny = decode(std::span(bytes).first(5));
  ASSERT_FALSE(tiny.has_value());
  EXPECT_EQ(tiny.error().message(), "decode: 5 bytes, shorter than the 24-byte frame header");
}

TEST(CodecErrors, RejectsTrailingBytes) {
  auto bytes = encoded(test::sampleTick());
  std::size_t size = bytes.size();
  bytes.push_back(std::byte{0});
  auto decoded = decode(bytes);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().message(),
            fmt::format("decode tick v1: 1 trailing bytes at offset {}", size));
}

TEST(CodecErrors, RejectsFieldValuesNoWriterProduces) {
  auto fill = encoded(test::sampleOrderFilled());
  // Offset of `side`: header, four ids, account and instrument.
  std::size_t side = kFrameHeaderSize + (1 + 15) + (1 + 6) + (1 + 4) + (1 + 3) + (1 + 5) +
                     (1 + 6) + (1 + 3);
  ASSERT_EQ(fill[side], std::byte{2});
  auto badEnum = fill;
  badEnum[side] = std::byte{9};
  auto decoded = decode(badEnum);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_EQ(decoded.error().message(),
            fmt::format("decode order_filled v2: field 'side' at offset {}: value 9 is not one of "
                        "the defined values",
                        side));

  auto badScale = fill;
  badScale[side + 2 + 8] = std::byte{19};  // fill_quantity's scale
  decoded = decode(badScale);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message().find("field 'fill_quantity'"), std::string::npos);
  EXPECT_NE(decoded.error().message().find("scale 19 above 18"), std::string::npos);

  auto badLength = fill;
  badLength[kFrameHeaderSize] = std::byte{41};
  decoded = decode(badLength);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message().find("field 'client_order_id' at offset 24: length 41 "
                                           "exceeds the capacity 40"),
            std::string::npos)
      << decoded.error().message();

  auto badChar = fill;
  badChar[kFrameHeaderSize + 1] = std::byte{0x07};
  decoded = decode(badChar);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message().find("not printable ASCII"), std::string::npos);
}

TEST(CodecErrors, RejectsBadPresenceFlagsAndNaN) {
  SubmitOrder order = test::sampleSubmitOrder();
  auto bytes = encoded(order);
  std::size_t priceFlag = kFrameHeaderSize + (1 + 15) + (1 + 5) + (1 + 6) + (1 + 3) + 3 + 9;
  ASSERT_EQ(bytes[priceFlag], std::byte{1});
  auto badFlag = bytes;
  badFlag[priceFlag] = std::byte{2};
  auto decoded = decode(badFlag);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message().find("field 'price'"), std::string::npos);
  EXPECT_NE(decoded.error().message().find("presence flag 2 is neither 0 nor 1"),
            std::string::npos);

  auto nan = bytes;
  std::uint64_t quietNaN = 0x7ff8000000000000ULL;
  // The confidence is followed by the two absent trailing fields' presence flags.
  std::memcpy(nan.data() + nan.size() - 8 - 2, &quietNaN, 8);
  decoded = decode(nan);
  ASSERT_FALSE(decoded.has_value());
  EXPECT_NE(decoded.error().message().find("field 'confidence'"), std::string::npos);
  EXPECT_NE(decoded.error().message().find("not a finite number"), std::string::npos);
}

TEST(CodecErrors, MutatedRecordsNeverCrashAndDecodeCanonically) {
  std::mt19937_64 random(1234);
  auto samples = test::sampleEvents();
  int accepted = 0;
  for (int round = 0; round < 40000; ++round) {
    const Event& event = samples[random() % samples.size()];
    auto bytes = encoded(event);
    int flips = 1 + static_cast<int>(random() % 3);
    for (int i = 0; i < flips; ++i) {
      bytes[random() % bytes.size()] = static_cast<std::byte>(random());
    }
    if (random() % 4 == 0) bytes.resize(random() % (bytes.size() + 1));
    auto decoded = decode(bytes);
    if (!decoded) continue;
    ++accepted;
    if (peekHeader(bytes)->version == schemaVersionOf(typeOf(*decoded))) {
      ASSERT_EQ(encoded(*decoded), bytes) << "accepted bytes are not the canonical encoding";
    }
  }
  EXPECT_GT(accepted, 0);
}

TEST(CodecEncode, ReportsABufferTooSmallWithTheSizeNeeded) {
  std::array<std::byte, 10> small{};
  Event tick = test::sampleTick();
  auto result = encode(tick, small);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().codeString(), kBufferTooSmall.code);
  EXPECT_EQ(result.error().message(),
            fmt::format("encode tick: buffer of 10 bytes is too small, needs {}",
                        encodedSize(tick)));
  std::vector<std::byte> exact(encodedSize(tick));
  EXPECT_TRUE(encode(tick, exact).has_value());
}

TEST(CodecEncode, RefusesValuesTheDecoderWouldReject) {
  SubmitOrder order = test::sampleSubmitOrder();
  order.side = static_cast<Side>(9);
  Buffer buffer;
  auto result = encode(order, buffer);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().codeString(), kInvalidEvent.code);
  EXPECT_EQ(result.error().message(), "encode submit_order: field 'side': value outside the enum");

  order = test::sampleSubmitOrder();
  order.quantity = Quantity::fromRaw(1, 19);
  result = encode(order, buffer);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().message(), "encode submit_order: field 'quantity': scale above 18");

  order = test::sampleSubmitOrder();
  order.confidence = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(encode(order, buffer).has_value());
}

TEST(CodecSizes, MaximumCoversTheLargestPossibleEvent) {
  OrderFilled fill;
  std::string forty(40, 'x');
  fill.clientOrderId = *ClientOrderId::from(forty);
  fill.venueOrderId = *VenueOrderId::from(forty);
  fill.tradeId = *TradeId::from(forty);
  fill.positionId = *PositionId::from(std::string(24, 'p'));
  fill.account = *AccountId::from(std::string(24, 'a'));
  fill.instrument = InstrumentId{*Symbol::from(std::string(16, 's')),
                                 *Venue::from(std::string(16, 'v'))};
  fill.commissionCurrency = *Currency::from("ABCDEFGH");
  fill.fxRate = Price::fromRaw(1, 18);
  EXPECT_EQ(encodedSize(fill), 288U);
  EXPECT_EQ(maxEncodedSize(EventType::OrderFilled), 288U);

  // The largest: a decision (fixed model arrays) with its ids at capacity.
  Decision decision = test::sampleDecision();
  decision.strategy = *StrategyId::from(std::string(24, 'g'));
  decision.instrument = fill.instrument;
  EXPECT_EQ(encodedSize(decision), kMaxEncodedSize);
  EXPECT_EQ(maxEncodedSize(EventType::Decision), kMaxEncodedSize);
}

TEST(CodecDecision, RefusesANonFiniteModelScore) {
  Decision decision = test::sampleDecision();
  decision.modelScores[1] = std::numeric_limits<float>::quiet_NaN();
  Buffer buffer{};
  auto encoded = encode(decision, buffer);
  ASSERT_FALSE(encoded.has_value());
  EXPECT_NE(encoded.error().message().find("model_scores"), std::string::npos)
      << encoded.error().message();
}

}  // namespace
}  // namespace ait::model
