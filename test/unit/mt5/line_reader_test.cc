#include "ait/mt5/line_reader.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "ait/model/time.h"
#include "ait/mt5/zone.h"

namespace ait::mt5 {
namespace {

void feed(LineReader& reader, std::string_view bytes) {
  while (!bytes.empty()) {
    auto space = reader.prepare();
    std::size_t n = std::min(space.size(), bytes.size());
    std::memcpy(space.data(), bytes.data(), n);
    reader.commit(n);
    bytes.remove_prefix(n);
  }
}

std::vector<std::string> drain(LineReader& reader, int* tooLong = nullptr) {
  std::vector<std::string> lines;
  std::string_view line;
  while (true) {
    auto status = reader.next(line);
    if (status == LineReader::Status::NeedMore) break;
    if (status == LineReader::Status::TooLong) {
      if (tooLong != nullptr) ++*tooLong;
      continue;
    }
    lines.emplace_back(line);
  }
  return lines;
}

TEST(LineReader, SplitsLinesAcrossReadsAndStripsCarriageReturns) {
  LineReader reader(1024);
  feed(reader, "{\"a\":1}\n{\"b\"");
  EXPECT_EQ(drain(reader), std::vector<std::string>{"{\"a\":1}"});
  feed(reader, ":2}\r\n\n");
  EXPECT_EQ(drain(reader), (std::vector<std::string>{"{\"b\":2}", ""}));
  EXPECT_EQ(reader.buffered(), 0U);
}

TEST(LineReader, DropsAnOverlongLineOnceAndKeepsTheNextOnes) {
  LineReader reader(1024);
  int tooLong = 0;
  feed(reader, "ok1\n");
  feed(reader, std::string(3000, 'x'));
  auto lines = drain(reader, &tooLong);
  feed(reader, std::string(5000, 'y'));
  auto more = drain(reader, &tooLong);
  feed(reader, "zzz\nok2\n");
  auto last = drain(reader, &tooLong);
  EXPECT_EQ(lines, std::vector<std::string>{"ok1"});
  EXPECT_TRUE(more.empty());
  EXPECT_EQ(last, std::vector<std::string>{"ok2"});
  EXPECT_EQ(tooLong, 1);
}

TEST(LineReader, ReportsAnOverlongLineThatArrivesWhole) {
  LineReader reader(1024);
  int tooLong = 0;
  feed(reader, std::string(1500, 'x') + "\nnext\n");
  EXPECT_EQ(drain(reader, &tooLong), std::vector<std::string>{"next"});
  EXPECT_EQ(tooLong, 1);
}

TEST(LineReader, KeepsManyLinesOfTheMaximumLengthIntact) {
  LineReader reader(2048);
  std::string stream;
  for (int i = 0; i < 50; ++i) stream += std::string(2048, static_cast<char>('a' + i % 26)) + "\n";
  std::vector<std::string> lines;
  for (std::size_t at = 0; at < stream.size(); at += 777) {
    feed(reader, std::string_view(stream).substr(at, 777));
    for (auto& l : drain(reader)) lines.push_back(l);
  }
  ASSERT_EQ(lines.size(), 50U);
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(lines[i], std::string(2048, static_cast<char>('a' + i % 26)));
}

TEST(ClientZone, ReadsZoneLessTimesInTheZoneAndZonedOnesAsTheySay) {
  auto athens = ClientZone::make("Europe/Athens");
  ASSERT_TRUE(athens);
  EXPECT_EQ(*athens->parse("2025-01-15T12:00:00"), *model::parseIso8601("2025-01-15T10:00:00Z"));
  EXPECT_EQ(*athens->parse("2025-07-15T12:00:00"), *model::parseIso8601("2025-07-15T09:00:00Z"));
  EXPECT_EQ(*athens->parse("2025-07-15T12:00:00+01:00"),
            *model::parseIso8601("2025-07-15T11:00:00Z"));
  EXPECT_EQ(*ClientZone().parse("2025-07-15T12:00:00"),
            *model::parseIso8601("2025-07-15T12:00:00Z"));
  // 03:30 on 2025-03-30 does not exist in Athens (clocks jump 03:00 -> 04:00 local).
  EXPECT_EQ(*athens->parse("2025-03-30T03:30:00"), *model::parseIso8601("2025-03-30T01:00:00Z"));
  EXPECT_FALSE(athens->parse("2025-13-01T00:00:00"));
}

TEST(ClientZone, RefusesAnUnknownZoneByName) {
  auto zone = ClientZone::make("Mars/Olympus_Mons");
  ASSERT_FALSE(zone);
  EXPECT_NE(zone.error().message().find("Mars/Olympus_Mons"), std::string::npos);
}

TEST(ClientZone, TellsZonedFromZoneLessText) {
  EXPECT_TRUE(hasZone("2025-01-01T00:00:00Z"));
  EXPECT_TRUE(hasZone("2025-01-01T00:00:00-05:00"));
  EXPECT_TRUE(hasZone("2025-01-01 00:00:00+0200"));
  EXPECT_FALSE(hasZone("2025-01-01T00:00:00.123"));
  EXPECT_FALSE(hasZone("2025-01-01"));
}

}  // namespace
}  // namespace ait::mt5
