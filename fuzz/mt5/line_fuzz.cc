// Feeds arbitrary bytes to the MT5 bridges' parsers: the native protocol (line splitting, then
// every line through a link that has said hello, so that ticks, executions and snapshots are
// reached) and the compatibility protocol's frames. Nothing may crash, hang or leak; every
// refusal must come back as an error line or reply.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "ait/mt5/compat.h"
#include "ait/mt5/errors.h"
#include "ait/mt5/line_reader.h"
#include "ait/mt5/native.h"

namespace {

using namespace ait;

class CountingFeed final : public mt5::Feed {
 public:
  Expected<void> quote(const mt5::RawQuote& q) override {
    if (!(q.bid > 0) || !(q.ask > 0)) return fail(mt5::errors::kRejected, "price");
    return {};
  }
  Expected<void> publish(const model::Event&) override { return {}; }
};

struct NullOutput final : mt5::NativeLink::Output {
  std::size_t lines = 0;
  void write(std::string_view line) override {
    if (line.empty() || line.back() != '\n') std::abort();
    ++lines;
  }
  void close(std::string_view) override {}
};

mt5::Mt5Config fuzzConfig() {
  mt5::Mt5Config config;
  config.tokens = {{"fuzz-token", 1, ""}};
  config.max_line_bytes = 4096;
  config.max_consecutive_errors = 1'000'000;
  return config;
}

mt5::FeedFactory feeds() {
  return [](model::TenantId, std::string_view) { return std::make_unique<CountingFeed>(); };
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static FakeClock clock;
  static metrics::Registry registry;
  static mt5::NativeCore core(fuzzConfig(), feeds(), clock, registry);
  static mt5::ProtocolStats compatStats(registry, "ws");
  if (size < 1) return 0;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 0) {
    NullOutput out;
    mt5::NativeLink link(core, out);
    mt5::LineReader reader(core.config().max_line_bytes);
    std::string hello = R"({"t":"hello","token":"fuzz-token","terminal":"F","account":1})";
    hello.append(mt5::kLinePadding, '\0');
    link.onLine(std::string_view(hello.data(), hello.size() - mt5::kLinePadding), 0);
    // Chunks of varying size, as TCP delivers them.
    std::size_t chunk = 1 + data[0] % 97;
    while (!input.empty()) {
      auto space = reader.prepare();
      std::size_t n = std::min({chunk, space.size(), input.size()});
      std::memcpy(space.data(), input.data(), n);
      reader.commit(n);
      input.remove_prefix(n);
      std::string_view line;
      for (auto status = reader.next(line); status != mt5::LineReader::Status::NeedMore;
           status = reader.next(line)) {
        if (status == mt5::LineReader::Status::TooLong) {
          link.onTooLong();
        } else {
          link.onLine(line, 0);
        }
      }
    }
    link.onDisconnect();
  } else {
    mt5::CompatConnection connection(model::TenantId{1}, mt5::ClientZone{},
                                     std::make_unique<CountingFeed>(), clock, compatStats,
                                     1'000'000);
    std::vector<std::string> replies;
    connection.handle(input, replies);
    if (replies.empty()) std::abort();  // every frame is answered
  }
  return 0;
}
