#pragma once
// The native Expert Advisor protocol: TCP, one JSON object per line (at most max_line_bytes),
// every data message numbered per direction ("seq" from 1) so that both sides resend what the
// other missed after a reconnect. See docs/mt5.md for the messages.
//
// One I/O thread serves every EA connection: sessions need no locks on the tick path; commands
// from other threads take the session's outbound lock and wake the I/O thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "ait/core/clock.h"
#include "ait/core/error.h"
#include "ait/metrics/metrics.h"
#include "ait/mt5/config.h"
#include "ait/mt5/feed.h"
#include "ait/mt5/stats.h"

namespace ait::mt5 {

class NativeCore;

/// One connection's protocol state without its socket, for the server, tests and fuzzing.
class NativeLink {
 public:
  /// Where the link writes; implemented by the server's connection (and by tests).
  class Output {
   public:
    virtual ~Output() = default;
    /// Queues one line (newline included).
    virtual void write(std::string_view line) = 0;
    /// Asks for the connection to be closed once what is queued is written.
    virtual void close(std::string_view reason) = 0;
  };

  NativeLink(NativeCore& core, Output& output);
  ~NativeLink();
  NativeLink(const NativeLink&) = delete;
  NativeLink& operator=(const NativeLink&) = delete;

  /// Handles one line (without its newline; kLinePadding readable bytes must follow it).
  /// `recvMonoNs` is when its bytes arrived, for the latency histogram.
  void onLine(std::string_view line, std::int64_t recvMonoNs);
  /// Reports a line over the limit.
  void onTooLong();
  /// Writes the session's outbound messages not yet written on this connection.
  void flushOutbound();
  /// Sends a heartbeat, or closes the link after the silence timeout; `nowMonoNs` monotonic.
  void onTimer(std::int64_t nowMonoNs);
  /// Detaches from the session (the connection is gone).
  void onDisconnect();
  bool authenticated() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Sessions, tenants and counters shared by every link of one server.
class NativeCore {
 public:
  NativeCore(const Mt5Config& config, FeedFactory feeds, Clock& clock, metrics::Registry& registry);
  ~NativeCore();
  NativeCore(const NativeCore&) = delete;
  NativeCore& operator=(const NativeCore&) = delete;

  /// Appends a command {"t": type, "seq": N, ...fields} to the outbound log of the tenant's most
  /// recently connected session and wakes its connection; returns N, or kNotConnected when no EA
  /// of the tenant is connected. Thread-safe; never blocks on I/O.
  Expected<std::uint64_t> send(model::TenantId tenant, std::string_view type,
                               const nlohmann::json& fields);
  /// Returns how many EA connections of the tenant are authenticated.
  std::size_t clients(model::TenantId tenant) const;
  ProtocolStats& stats() noexcept;
  const Mt5Config& config() const noexcept;

  /// Sets how a command's wake-up reaches the I/O thread (the server posts it to its loop;
  /// without one, commands wait for the next flush).
  void setPoster(std::function<void(std::function<void()>)> post);

 private:
  friend class NativeLink;
  struct State;
  std::unique_ptr<State> state_;
};

/// The TCP server: accepts EA connections on config.native_host:native_port.
class NativeServer {
 public:
  NativeServer(const Mt5Config& config, FeedFactory feeds, Clock& clock,
               metrics::Registry& registry);
  ~NativeServer();
  NativeServer(const NativeServer&) = delete;
  NativeServer& operator=(const NativeServer&) = delete;

  /// Binds and starts the I/O thread; kListen naming the address when the port is taken.
  Expected<void> start();
  /// Closes every connection and joins the I/O thread; idempotent.
  void stop() noexcept;
  /// Returns the bound port (the ephemeral one when the config says 0), 0 before start().
  std::uint16_t port() const noexcept;
  NativeCore& core() noexcept { return core_; }

 private:
  struct Impl;
  Clock& clock_;
  NativeCore core_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ait::mt5
