#include "ait/nats/dedup.h"

#include <array>

#include <gtest/gtest.h>

namespace ait::nats {
namespace {

TEST(NatsDedup, FormatsAndParsesMessageId) {
  std::array<char, 64> buffer{};
  const auto text = formatMessageId("node-1", 18446744073709551615ULL, buffer);
  EXPECT_EQ(text, "node-1:18446744073709551615");
  auto id = parseMessageId(text);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->source, "node-1");
  EXPECT_EQ(id->sequence, 18446744073709551615ULL);
}

TEST(NatsDedup, RefusesMalformedMessageIds) {
  for (std::string_view bad : {"", "node", ":5", "node:", "node:x1", "node:0", "node:-3",
                               "node:99999999999999999999"}) {
    auto id = parseMessageId(bad);
    EXPECT_FALSE(id.has_value()) << bad;
    if (!id) {
      EXPECT_EQ(id.error().codeString(), "AIT-NATS-0007");
    }
  }
}

TEST(NatsDedup, FormatRefusesTooSmallBuffer) {
  std::array<char, 8> buffer{};
  EXPECT_TRUE(formatMessageId("source", 1, buffer).empty());
}

TEST(NatsDedup, AppliesInOrderAndDropsRedeliveries) {
  Deduplicator dedup;
  EXPECT_EQ(dedup.check("a", 3, 0), Verdict::Apply);
  dedup.markApplied("a", 3);
  EXPECT_EQ(dedup.check("a", 3, 0), Verdict::Duplicate);
  EXPECT_EQ(dedup.check("a", 2, 0), Verdict::Duplicate);
  EXPECT_EQ(dedup.check("a", 7, 3), Verdict::Apply);
  dedup.markApplied("a", 7);
  EXPECT_EQ(dedup.lastApplied("a"), 7u);
}

TEST(NatsDedup, HoldsBackMessageWhosePredecessorIsMissing) {
  Deduplicator dedup;
  dedup.markApplied("a", 5);
  EXPECT_EQ(dedup.check("a", 9, 8), Verdict::Early);
  EXPECT_EQ(dedup.check("a", 8, 5), Verdict::Apply);
}

TEST(NatsDedup, TracksSourcesIndependently) {
  Deduplicator dedup;
  dedup.markApplied("a", 100);
  EXPECT_EQ(dedup.check("b", 1, 0), Verdict::Apply);
  EXPECT_EQ(dedup.check("a", 1, 0), Verdict::Duplicate);
  dedup.markApplied("b", 1);
  EXPECT_EQ(dedup.lastApplied("b"), 1u);
  EXPECT_EQ(dedup.lastApplied("c"), 0u);
}

TEST(NatsDedup, MarkAppliedNeverMovesBackwards) {
  Deduplicator dedup;
  dedup.markApplied("a", 10);
  dedup.markApplied("a", 4);
  EXPECT_EQ(dedup.lastApplied("a"), 10u);
}

TEST(NatsDedup, RestoredStateDropsWhatWasAppliedBeforeRestart) {
  Deduplicator before;
  before.markApplied("a", 12);
  Deduplicator after(before.state());
  EXPECT_EQ(after.check("a", 12, 11), Verdict::Duplicate);
  EXPECT_EQ(after.check("a", 13, 12), Verdict::Apply);
}

TEST(NatsDedup, ParsesSequenceDigitsOnly) {
  EXPECT_EQ(parseSequence("0"), 0u);
  EXPECT_EQ(parseSequence("123"), 123u);
  EXPECT_FALSE(parseSequence("").has_value());
  EXPECT_FALSE(parseSequence("12a").has_value());
  EXPECT_FALSE(parseSequence(" 1").has_value());
}

}  // namespace
}  // namespace ait::nats
