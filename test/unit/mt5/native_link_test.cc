#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ait/mt5/line_reader.h"
#include "ait/mt5/native.h"
#include "mocks/mt5/recording_feed.h"

namespace ait::mt5 {
namespace {

using nlohmann::json;

struct CapturedOutput final : NativeLink::Output {
  std::vector<json> lines;
  bool closed = false;
  std::string reason;
  void write(std::string_view line) override {
    ASSERT_TRUE(line.ends_with('\n'));
    lines.push_back(json::parse(line));
  }
  void close(std::string_view why) override {
    closed = true;
    reason = std::string(why);
  }
  std::vector<json> take() { return std::exchange(lines, {}); }
};

Mt5Config testConfig() {
  Mt5Config config;
  config.tokens = {{"secret-7", 7, ""}, {"secret-8", 8, ""}};
  config.max_consecutive_errors = 5;
  config.outbound_log_size = 100;
  return config;
}

class NativeLinkTest : public ::testing::Test {
 protected:
  NativeLinkTest() : core(testConfig(), test::recordingFeeds(recorder), clock, registry) {}

  // Hands a line to the link as the server does, with the padding simdjson reads.
  void line(NativeLink& link, std::string_view text) {
    std::string padded(text);
    padded.append(kLinePadding, '\0');
    link.onLine(std::string_view(padded.data(), text.size()), clock.monotonicNs());
  }

  std::string hello(std::string_view token = "secret-7", std::uint64_t lastSeen = 0,
                    int offset = 0) {
    return json{{"t", "hello"},          {"seq", 1},           {"token", token},
                {"terminal", "T1"},      {"account", 5012345}, {"last_seq_seen", lastSeen},
                {"utc_offset_s", offset}}
        .dump();
  }

  metrics::Registry registry;
  FakeClock clock;
  std::shared_ptr<test::Recorder> recorder = std::make_shared<test::Recorder>();
  NativeCore core;
};

TEST_F(NativeLinkTest, RefusesEverythingBeforeHelloAndUnknownTokens) {
  CapturedOutput out;
  NativeLink link(core, out);
  line(link, R"({"t":"ticks","seq":1,"symbol":"EURUSD","ticks":[[1,1.1,1.2]]})");
  ASSERT_EQ(out.lines.size(), 1U);
  EXPECT_EQ(out.lines[0]["code"], "AIT-MT5-0006");
  EXPECT_TRUE(out.closed);

  CapturedOutput out2;
  NativeLink link2(core, out2);
  line(link2, hello("wrong"));
  EXPECT_EQ(out2.lines.at(0)["code"], "AIT-MT5-0005");
  EXPECT_TRUE(out2.closed);
  EXPECT_FALSE(link2.authenticated());
  EXPECT_TRUE(recorder->quotesCopy().empty());
}

TEST_F(NativeLinkTest, WelcomesAndPublishesTicksConvertedFromBrokerTime) {
  CapturedOutput out;
  NativeLink link(core, out);
  line(link, hello("secret-7", 0, 7200));
  auto welcome = out.take();
  ASSERT_EQ(welcome.size(), 1U);
  EXPECT_EQ(welcome[0]["t"], "welcome");
  EXPECT_EQ(welcome[0]["last_seq_seen"], 0);
  line(link, R"({"t":"ticks","seq":1,"symbol":"EURUSD","digits":5,
                 "ticks":[[1758370530500,1.17412,1.17425,0,0,6],[1758370530600,1.17413,1.17425,1.17419,2,60]]})");
  EXPECT_TRUE(out.lines.empty());
  auto quotes = recorder->quotesCopy();
  ASSERT_EQ(quotes.size(), 2U);
  EXPECT_EQ(quotes[0].tenant, 7U);
  EXPECT_EQ(quotes[0].digits, 5);
  EXPECT_EQ(quotes[0].tsEvent, (1758370530500LL - 7'200'000) * 1'000'000);
  EXPECT_EQ(quotes[0].flags, model::kTickBid | model::kTickAsk);
  EXPECT_EQ(quotes[1].flags,
            model::kTickAsk | model::kTickLast | model::kTickVolume | model::kTickBuy);
  EXPECT_EQ(core.clients(model::TenantId{7}), 1U);
}

TEST_F(NativeLinkTest, DropsDuplicatesAndReportsSequenceGaps) {
  CapturedOutput out;
  NativeLink link(core, out);
  line(link, hello());
  out.take();
  line(link, R"({"t":"ticks","seq":1,"symbol":"EURUSD","ticks":[[1,1.1,1.2]]})");
  line(link, R"({"t":"ticks","seq":1,"symbol":"EURUSD","ticks":[[1,1.1,1.2]]})");
  line(link, R"({"t":"ticks","seq":4,"symbol":"EURUSD","ticks":[[4,1.1,1.2]]})");
  EXPECT_EQ(recorder->quotesCopy().size(), 2U);
  auto events = recorder->eventsCopy();
  ASSERT_EQ(events.size(), 1U);
  const auto& gap = std::get<model::GapDetected>(events[0]);
  EXPECT_EQ(gap.expectedSequence, 2U);
  EXPECT_EQ(gap.receivedSequence, 4U);
  EXPECT_EQ(core.stats().duplicates.value(), 1U);
}

TEST_F(NativeLinkTest, AnswersBadLinesWithErrorsAndClosesAFlood) {
  CapturedOutput out;
  NativeLink link(core, out);
  line(link, hello());
  out.take();
  line(link, "{oops");
  line(link, R"({"t":"ticks","symbol":"EURUSD","ticks":[]})");  // no seq
  line(link,
       R"({"t":"ticks","seq":1,"symbol":"EURUSD","ticks":[[1,"a",1.2],[2,1.3,1.2],[3,1.1,1.2]]})");
  line(link, R"({"t":"teleport","seq":2})");
  auto errors = out.take();
  ASSERT_EQ(errors.size(), 4U);
  EXPECT_EQ(errors[0]["code"], "AIT-MT5-0001");
  EXPECT_EQ(errors[1]["field"], "seq");
  EXPECT_EQ(errors[2]["code"], "AIT-MT5-0010");
  EXPECT_NE(errors[2]["message"].get<std::string>().find("ticks[0]: bid must be a number"),
            std::string::npos);
  EXPECT_NE(errors[2]["message"].get<std::string>().find("1 more"), std::string::npos);
  EXPECT_EQ(errors[3]["code"], "AIT-MT5-0003");
  EXPECT_EQ(recorder->quotesCopy().size(), 1U);  // the good tick of the batch
  EXPECT_FALSE(out.closed);
  link.onTooLong();
  EXPECT_EQ(out.take().at(0)["code"], "AIT-MT5-0004");
  for (int i = 0; i < 5; ++i) line(link, "[]");
  EXPECT_TRUE(out.closed);
  EXPECT_EQ(core.stats().floods.value(), 1U);
}

TEST_F(NativeLinkTest, ResumesAPartlyTakenBatchWithoutRepeatingTicks) {
  {
    CapturedOutput out;
    NativeLink link(core, out);
    line(link, hello());
    recorder->acceptBeforeOverload = 2;  // the third tick finds the platform full
    line(
        link,
        R"({"t":"ticks","seq":1,"symbol":"EURUSD","ticks":[[1,1.1,1.2],[2,1.1,1.2],[3,1.1,1.2],[4,1.1,1.2]]})");
    EXPECT_TRUE(out.closed);
    EXPECT_EQ(out.lines.back()["code"], "AIT-MT5-0011");
  }
  CapturedOutput out;
  NativeLink link(core, out);
  line(link, hello());
  EXPECT_EQ(out.take().at(0)["last_seq_seen"], 0);  // seq 1 was not complete
  line(
      link,
      R"({"t":"ticks","seq":1,"symbol":"EURUSD","ticks":[[1,1.1,1.2],[2,1.1,1.2],[3,1.1,1.2],[4,1.1,1.2]]})");
  auto quotes = recorder->quotesCopy();
  ASSERT_EQ(quotes.size(), 4U);
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_EQ(quotes[i].tsEvent, static_cast<TimestampNs>(i + 1) * 1'000'000);
}

TEST_F(NativeLinkTest, ResendsCommandsTheEaMissedAfterReconnecting) {
  CapturedOutput out;
  auto first = std::make_unique<NativeLink>(core, out);
  line(*first, hello());
  out.take();
  for (int i = 1; i <= 3; ++i) {
    auto seq = core.send(model::TenantId{7}, "order", {{"cid", "C" + std::to_string(i)}});
    ASSERT_TRUE(seq);
    EXPECT_EQ(*seq, static_cast<std::uint64_t>(i));
  }
  first->flushOutbound();
  ASSERT_EQ(out.take().size(), 3U);
  first->onDisconnect();
  first.reset();
  EXPECT_FALSE(core.send(model::TenantId{7}, "order", {{"cid", "C4"}}));  // nobody to take it
  EXPECT_FALSE(core.send(model::TenantId{8}, "order", {{"cid", "X"}}));

  CapturedOutput out2;
  NativeLink second(core, out2);
  line(second, hello("secret-7", 1));  // the EA processed only seq 1
  auto lines = out2.take();
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0]["t"], "welcome");
  EXPECT_EQ(lines[0]["next_seq"], 4);
  EXPECT_EQ(lines[1]["seq"], 2);
  EXPECT_EQ(lines[1]["cid"], "C2");
  EXPECT_EQ(lines[2]["seq"], 3);
  EXPECT_EQ(core.stats().resent.value(), 2U);
}

TEST_F(NativeLinkTest, SendsHeartbeatsAndClosesASilentConnection) {
  CapturedOutput out;
  NativeLink link(core, out);
  line(link, hello());
  line(link, R"({"t":"ticks","seq":1,"symbol":"EURUSD","ticks":[[1,1.1,1.2]]})");
  out.take();
  clock.advance(std::chrono::milliseconds(5001));
  link.onTimer(clock.monotonicNs());
  auto hb = out.take();
  ASSERT_EQ(hb.size(), 1U);
  EXPECT_EQ(hb[0]["t"], "hb");
  EXPECT_EQ(hb[0]["last_seq_seen"], 1);
  EXPECT_FALSE(out.closed);
  clock.advance(std::chrono::milliseconds(10001));
  link.onTimer(clock.monotonicNs());
  EXPECT_TRUE(out.closed);
}

TEST_F(NativeLinkTest, HandsTheClockToTheSessionsFeedOnEveryTimerTick) {
  CapturedOutput out;
  NativeLink link(core, out);
  link.onTimer(clock.monotonicNs());  // no session before the hello: no feed to tick
  EXPECT_TRUE(recorder->timersCopy().empty());
  line(link, hello());
  clock.advance(std::chrono::milliseconds(100));
  link.onTimer(clock.monotonicNs());
  clock.advance(std::chrono::milliseconds(100));
  link.onTimer(clock.monotonicNs());
  EXPECT_EQ(recorder->timersCopy(), (std::vector<TimestampNs>{clock.now() - 100'000'000, clock.now()}));
  clock.advance(std::chrono::seconds(16));
  link.onTimer(clock.monotonicNs());  // the silence timeout closes the link instead
  EXPECT_TRUE(out.closed);
  EXPECT_EQ(recorder->timersCopy().size(), 2U);
}

TEST_F(NativeLinkTest, TurnsExecutionReportsAndSnapshotsIntoEvents) {
  CapturedOutput out;
  NativeLink link(core, out);
  line(link, hello());
  line(
      link,
      R"({"t":"account","seq":1,"login":5012345,"balance":1000,"equity":1001.5,"margin":0,"free_margin":1001.5,"currency":"EUR"})");
  line(
      link,
      R"({"t":"exec","seq":2,"cid":"C1","order":9001,"deal":7001,"state":"filled","retcode":10009,"price":1.17425,"volume":0.1,"side":"buy","symbol":"EURUSD","time_msc":1758370530500})");
  line(
      link,
      R"({"t":"exec","seq":3,"cid":"C2","order":9002,"state":"rejected","retcode":10019,"message":"no money"})");
  line(
      link,
      R"({"t":"positions","seq":4,"positions":[{"ticket":9001,"symbol":"EURUSD","type":0,"volume":0.1,"price_open":1.17425}]})");
  line(link, R"({"t":"exec","seq":5,"cid":"C3","state":"exploded"})");
  // The EA's own refusal of an order it cannot place: retcode 0 and the field at fault.
  line(
      link,
      R"j({"t":"exec","seq":6,"cid":"C4","order":0,"deal":0,"state":"rejected","retcode":0,"message":"type_time 3 is not 0 (GTC), 1 (DAY) or 2 (SPECIFIED)","symbol":"EURUSD"})j");
  auto events = recorder->eventsCopy();
  ASSERT_EQ(events.size(), 5U);
  const auto& refused = std::get<model::OrderRejected>(events[4]);
  EXPECT_EQ(refused.clientOrderId.view(), "C4");
  EXPECT_EQ(refused.reasonCode.view(), "MT5-REJECT");
  EXPECT_EQ(refused.reason.view(), "type_time 3 is not 0 (GTC), 1 (DAY) or 2 (SPECIFIED)");
  EXPECT_TRUE(refused.venueOrderId.empty());
  EXPECT_EQ(std::get<model::AccountState>(events[0]).currency.view(), "EUR");
  const auto& fill = std::get<model::OrderFilled>(events[1]);
  EXPECT_EQ(fill.clientOrderId.view(), "C1");
  EXPECT_EQ(fill.venueOrderId.view(), "9001");
  EXPECT_EQ(fill.tradeId.view(), "7001");
  EXPECT_EQ(fill.fillQuantity, model::Quantity::fromRaw(10, 2));
  EXPECT_EQ(fill.fillPrice, model::Price::fromRaw(117425, 5));
  EXPECT_EQ(fill.account.view(), "5012345");
  EXPECT_EQ(std::get<model::OrderRejected>(events[2]).reasonCode.view(), "MT5-10019");
  EXPECT_EQ(std::get<model::PositionChanged>(events[3]).quantity, model::Quantity::fromRaw(10, 2));
  auto errors = out.take();
  ASSERT_EQ(errors.size(), 2U);  // welcome, then the bad state
  EXPECT_EQ(errors[1]["code"], "AIT-MT5-0002");
  EXPECT_EQ(errors[1]["ref_seq"], 5);
}

}  // namespace
}  // namespace ait::mt5
