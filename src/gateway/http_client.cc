// The gateway's client for services in other processes: one connection per call (the service
// ports are on a private network; a pool is a later optimisation), Beast with a deadline.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fmt/format.h>

#include "ait/gateway/backend.h"
#include "ait/gateway/errors.h"

namespace ait::gateway {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;

Expected<http::Response> sendHttp(const hub::ServiceLocation& where, const http::Request& request,
                                  std::chrono::milliseconds timeout) {
  net::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  const std::string target = where.toString();
  auto fault = [&](std::string_view stage) -> Expected<http::Response> {
    if (ec == beast::error::timeout) {
      return fail(errors::kBackendTimeout, fmt::format("{} {}: no answer within {} ms", target, stage, timeout.count()));
    }
    return fail(errors::kBackendDown, fmt::format("{} {}: {}", target, stage, ec.message()));
  };
  net::ip::tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(where.host, std::to_string(where.port), ec);
  if (ec) return fault("resolve");

  bhttp::request<bhttp::string_body> out;
  out.method_string(request.methodName.empty() ? std::string(http::toString(request.method))
                                               : request.methodName);
  out.target(request.target.empty() ? request.path : request.target);
  out.version(11);
  out.set(bhttp::field::host, target);
  out.set(bhttp::field::connection, "close");
  for (const auto& [name, value] : request.headers) out.set(name, value);
  out.body() = request.body;
  out.prepare_payload();

  // Asynchronous steps under one deadline: Beast enforces tcp_stream expiry on async operations
  // only, and a service that hangs must not hold the gateway's thread longer than the timeout.
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  std::string_view stage = "connect";
  stream.expires_after(timeout);
  stream.async_connect(endpoints, [&](beast::error_code e, const net::ip::tcp::endpoint&) {
    if ((ec = e)) return;
    stage = "send";
    bhttp::async_write(stream, out, [&](beast::error_code e2, std::size_t) {
      if ((ec = e2)) return;
      stage = "read";
      bhttp::async_read(stream, buffer, parser, [&](beast::error_code e3, std::size_t) { ec = e3; });
    });
  });
  io.run();
  if (ec) return fault(stage);
  auto& in = parser.get();
  http::Response response;
  response.status = static_cast<int>(in.result_int());
  response.body = std::move(in.body());
  for (const auto& field : in) {
    std::string name(field.name_string());
    if (http::iequals(name, "Content-Type")) {
      response.contentType = std::string(field.value());
    } else if (!http::iequals(name, "Content-Length") && !http::iequals(name, "Connection") &&
               !http::iequals(name, "Transfer-Encoding")) {
      response.headers.emplace_back(std::move(name), std::string(field.value()));
    }
  }
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  return response;
}

}  // namespace ait::gateway
