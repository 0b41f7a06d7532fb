// The only store file that includes Beast and Asio. Synchronous calls with a deadline: each
// operation is started asynchronously and the io_context runs for at most the timeout; a call
// that does not finish in time closes the socket and fails.

#include "clickhouse_http.h"

#include <openssl/evp.h>

#include <utility>  // before Asio: its headers use std::exchange

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "ait/store/errors.h"

namespace ait::store::clickhouse {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

std::string urlEncode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3);
  for (const unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string base64(std::string_view text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

Expected<Endpoint> parseUrl(std::string_view url) {
  Endpoint endpoint;
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) {
    return fail(errors::kConfig, fmt::format("clickhouse url '{}' must start with http:// (the HTTP interface)",
                                             url.substr(0, 16)));
  }
  std::string_view rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (const auto q = db.find('?'); q != std::string_view::npos) db = db.substr(0, q);
    if (!db.empty()) endpoint.database = std::string(db);
  }
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const auto colon = userinfo.find(':');
    endpoint.user = std::string(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) endpoint.password = std::string(userinfo.substr(colon + 1));
  }
  if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    int value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value <= 0 || value > 65535) {
      return fail(errors::kConfig, fmt::format("clickhouse url: port '{}' is not 1..65535", port));
    }
    endpoint.port = value;
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return fail(errors::kConfig, "clickhouse url: no host");
  endpoint.host = std::string(authority);
  for (const char c : endpoint.database) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') {
      return fail(errors::kConfig, fmt::format("clickhouse url: database '{}' must be letters, digits and _",
                                               endpoint.database));
    }
  }
  return endpoint;
}

struct Connection::Impl {
  Endpoint endpoint;
  net::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  std::string authorization;
  bool healthy = true;

  // Runs the io_context until the started operation completes or the deadline passes.
  bool runFor(std::chrono::milliseconds timeout, const bool& done) {
    io.restart();
    io.run_for(timeout);
    if (!done) {
      beast::error_code ignored;
      stream.socket().close(ignored);
      io.restart();
      io.run_for(std::chrono::milliseconds(100));  // let the cancelled handler run
      return false;
    }
    return true;
  }
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::~Connection() = default;

Expected<std::unique_ptr<Connection>> Connection::open(const Endpoint& endpoint) {
  auto impl = std::make_unique<Impl>();
  impl->endpoint = endpoint;
  impl->authorization = "Basic " + base64(endpoint.user + ":" + endpoint.password);
  beast::error_code ec;
  net::ip::tcp::resolver resolver(impl->io);
  const auto results = resolver.resolve(endpoint.host, std::to_string(endpoint.port), ec);
  if (ec) {
    return fail(errors::kBackend, fmt::format("clickhouse: cannot resolve {}: {}", endpoint.host, ec.message()));
  }
  bool done = false;
  impl->stream.async_connect(results, [&](beast::error_code e, const auto&) {
    ec = e;
    done = true;
  });
  if (!impl->runFor(endpoint.timeout, done)) {
    return fail(errors::kBackend, fmt::format("clickhouse: cannot connect to {}:{} within {} ms", endpoint.host,
                                              endpoint.port, endpoint.timeout.count()));
  }
  if (ec) {
    return fail(errors::kBackend,
                fmt::format("clickhouse: cannot connect to {}:{}: {}", endpoint.host, endpoint.port, ec.message()));
  }
  impl->stream.socket().set_option(net::ip::tcp::no_delay(true), ec);
  return std::unique_ptr<Connection>(new Connection(std::move(impl)));
}

bool Connection::healthy() const noexcept { return impl_->healthy; }

Expected<std::string> Connection::execute(std::string_view statement, std::string_view data) {
  Impl& c = *impl_;
  std::string target = "/?database=" + urlEncode(c.endpoint.database);
  bhttp::request<bhttp::string_body> request;
  request.method(bhttp::verb::post);
  request.version(11);
  request.set(bhttp::field::host, c.endpoint.host);
  request.set(bhttp::field::authorization, c.authorization);
  request.keep_alive(true);
  if (data.empty()) {
    request.body() = std::string(statement);
  } else {
    target += "&query=" + urlEncode(statement);
    request.body() = std::string(data);
  }
  request.target(target);
  request.prepare_payload();

  beast::error_code ec;
  bool done = false;
  bhttp::async_write(c.stream, request, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  const auto broken = [&](std::string_view what) {
    c.healthy = false;
    return fail(errors::kBackend, fmt::format("clickhouse {}:{}: {}", c.endpoint.host, c.endpoint.port, what));
  };
  if (!c.runFor(c.endpoint.timeout, done)) return broken("request timed out");
  if (ec) return broken(ec.message());

  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(256U * 1024 * 1024);
  done = false;
  bhttp::async_read(c.stream, c.buffer, parser, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!c.runFor(c.endpoint.timeout, done)) return broken("response timed out");
  if (ec) return broken(ec.message());
  auto response = parser.release();
  if (!response.keep_alive()) c.healthy = false;
  if (response.result() != bhttp::status::ok) {
    std::string message = response.body();
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return fail(errors::kBackend, fmt::format("clickhouse: HTTP {}: {}", response.result_int(), message));
  }
  return std::move(response.body());
}

std::string quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\0') {
      out += "\\0";
      continue;
    }
    if (c == '\\' || c == '\'') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

void appendTsv(std::string& out, std::string_view value) {
  for (const char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\0': out += "\\0"; break;
      default: out.push_back(c);
    }
  }
}

}  // namespace ait::store::clickhouse
