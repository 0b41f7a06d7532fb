#pragma once
// The Expert Advisor's side of the native protocol in C++: what clients/mt5/AitBridge.mq5 does in
// the terminal, for tests, the benchmark and tools. Blocking sockets; one thread uses a client.

#include <chrono>
#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ait/core/error.h"

namespace ait::mt5 {

/// One tick as the EA sends it: [time_msc, bid, ask, last, volume, flags].
struct EaTick {
  std::int64_t timeMsc = 0;
  double bid = 0;
  double ask = 0;
  double last = 0;
  double volume = 0;
  std::int64_t flags = 6;  // TICK_FLAG_BID | TICK_FLAG_ASK
};

class EaClient {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8101;
    std::string token;
    std::string terminal = "terminal";
    std::string account = "1";
    std::string session;  // empty: the server keys the session by terminal and account
    std::int64_t utcOffsetS = 0;
    std::size_t resendCapacity = 100000;  // messages kept until the server confirms them
  };

  explicit EaClient(Options options);
  ~EaClient();
  EaClient(const EaClient&) = delete;
  EaClient& operator=(const EaClient&) = delete;

  /// Connects, says hello with the last server seq seen, waits for the welcome and resends what
  /// the server has not seen. Returns the welcome.
  Expected<nlohmann::json> connect(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  /// Closes the socket at once (what a network failure does).
  void disconnect() noexcept;
  bool connected() const noexcept { return fd_ >= 0; }

  /// Sends a ticks batch as the next sequenced message; returns its seq. While disconnected the
  /// message is only buffered (sent on the next connect()).
  Expected<std::uint64_t> sendTicks(std::string_view symbol, int digits,
                                    std::span<const EaTick> ticks);
  /// Sends {"t": type, "seq": next, ...fields} and keeps it for resending.
  Expected<std::uint64_t> sendMessage(std::string_view type, const nlohmann::json& fields);
  /// Buffers the next sequenced ticks batch, writes only its first `bytes` and drops the
  /// connection: a disconnect in the middle of a line.
  Expected<std::uint64_t> sendTicksAndCut(std::string_view symbol, int digits,
                                          std::span<const EaTick> ticks, std::size_t bytes);
  /// Writes bytes as they are (bad input for tests).
  Expected<void> sendRaw(std::string_view bytes);
  /// Sends a heartbeat carrying the last server seq seen.
  Expected<void> heartbeat();

  /// Reads the next line from the server, or nullopt after the timeout; a sequenced server
  /// message advances lastServerSeq() (a repeated one is returned with "duplicate": true).
  Expected<std::optional<nlohmann::json>> read(std::chrono::milliseconds timeout);

  std::uint64_t lastSeqSent() const noexcept { return nextSeq_ - 1; }
  std::uint64_t lastServerSeq() const noexcept { return lastServerSeq_; }
  std::size_t resendBuffered() const noexcept { return resend_.size(); }

 private:
  Expected<void> writeAll(std::string_view bytes);
  std::uint64_t buffer(std::string line);
  void confirm(std::uint64_t seenByServer);
  Expected<std::optional<std::string>> readLine(std::chrono::milliseconds timeout);

  Options options_;
  int fd_ = -1;
  std::uint64_t nextSeq_ = 1;
  std::uint64_t lastServerSeq_ = 0;
  std::deque<std::pair<std::uint64_t, std::string>> resend_;
  std::string inbox_;
  std::string scratch_;
};

}  // namespace ait::mt5
