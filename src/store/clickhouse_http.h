#pragma once
// One keep-alive HTTP/1.1 connection to ClickHouse's HTTP interface (Boost.Beast), every
// operation bounded by a deadline. Kept out of the public headers so only this file's .cc pays
// for Beast/Asio.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "ait/core/error.h"

namespace ait::store::clickhouse {

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 8123;
  std::string database = "default";
  std::string user = "default";
  std::string password;
  std::chrono::milliseconds timeout{5000};  // connect, and each request
};

/// Parses "http://[user[:password]@]host[:port][/database]"; the password may also come from
/// the environment (see ClickHouseSettings).
Expected<Endpoint> parseUrl(std::string_view url);

class Connection {
 public:
  static Expected<std::unique_ptr<Connection>> open(const Endpoint& endpoint);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Runs one statement. With `data`, the statement goes in the URL and data is the body (an
  /// INSERT ... FORMAT TabSeparated); otherwise the statement is the body. Returns the response
  /// body, or the server's message on a non-200 answer.
  Expected<std::string> execute(std::string_view statement, std::string_view data = {});
  /// False once a request failed at the transport level: the pool drops the connection.
  bool healthy() const noexcept;

 private:
  struct Impl;
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Returns text as a ClickHouse string literal ('...' with \\ and \' escaped): 18.16 has no
/// bound query parameters, so every string reaches SQL through this one function.
std::string quote(std::string_view text);
/// Escapes a value for a TabSeparated row (\\, \t, \n, \r).
void appendTsv(std::string& out, std::string_view value);

}  // namespace ait::store::clickhouse
