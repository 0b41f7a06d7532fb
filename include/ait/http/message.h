#pragma once
// HTTP requests and responses as plain values, independent of the network library, so that
// services and their tests include this header without pulling in Beast or Asio.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ait/core/error.h"

namespace ait::http {

enum class Method : std::uint8_t { Get, Head, Post, Put, Delete, Patch, Options, Other };

/// Returns the method's name as sent on the wire ("GET"); "OTHER" for Method::Other.
std::string_view toString(Method method) noexcept;
/// Returns the method for a wire name (case-sensitive, as HTTP is); Method::Other if unknown.
Method parseMethod(std::string_view name) noexcept;

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// Who is calling a service route, as the gateway authenticated them. Set only in process (by the
/// gateway calling a service's router directly) or from a verified internally signed identity
/// (callerOf in ait/http/caller.h): the server never fills it from the wire.
struct Caller {
  std::uint32_t tenant = 0;
  std::int64_t userId = 0;
  std::string role;  // "viewer", "trader", "admin"
};

struct Request {
  Method method = Method::Get;
  std::string methodName;  // as received, also for methods outside Method
  std::string target;      // as received: path plus query, still percent-encoded
  std::string path;        // target before '?', still percent-encoded
  std::vector<std::pair<std::string, std::string>> queryParams;  // decoded, in order
  HeaderList headers;                                            // names as received
  std::string body;
  std::vector<std::pair<std::string, std::string>> pathParams;  // decoded, by pattern name
  std::string route;          // the pattern that matched, e.g. "/api/v1/databases/{type}/health"
  std::string remoteAddress;  // peer IP, e.g. "127.0.0.1"
  std::uint16_t remotePort = 0;
  std::uint16_t localPort = 0;  // the server port that received the request
  unsigned version = 11;        // 10 or 11
  std::optional<Caller> caller;  // in-process calls only; see Caller

  /// Returns the first header with this name (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
  /// Returns the first decoded query parameter with this name, or nullopt.
  std::optional<std::string_view> query(std::string_view name) const;
  /// Returns the decoded path parameter captured by `{name}`, or an empty view.
  std::string_view param(std::string_view name) const;

  /// Returns a request for `target` with path and query parsed, for tests and in-process calls.
  static Request make(Method method, std::string_view target, std::string body = {});
};

struct Response {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  HeaderList headers;  // besides Content-Type and Content-Length, which the server sets
  std::string body;

  /// Adds a header; returns *this for chaining.
  Response& setHeader(std::string name, std::string value);
  /// Returns the first header with this name (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;

  /// Returns a response carrying `body` serialised as application/json.
  static Response json(int status, const nlohmann::json& body);
  /// Returns a response with a plain text body.
  static Response text(int status, std::string body,
                       std::string contentType = "text/plain; charset=utf-8");
};

/// Returns an RFC 7807 application/problem+json response:
/// {"type": "urn:ait:error:<code>", "title": code.title, "status": status, "detail": detail,
///  "code": "<code>"}, plus "instance" when given.
Response problem(int status, const ErrorCode& code, std::string_view detail,
                 std::string_view instance = {});
/// Returns a problem response for an ErrorDNA error, with the status from statusFor(error).
Response problem(const Error& error, std::string_view instance = {});

/// Returns the HTTP status that fits an error's category (validation 400, auth 401,
/// risk 422, resource 503, database/network/venue 502, others 500).
int statusFor(const Error& error) noexcept;

/// Returns the standard reason phrase for a status ("Not Found"), or "Unknown".
std::string_view reasonPhrase(int status) noexcept;

/// Returns `text` with %XX sequences decoded, and '+' as space when plusAsSpace; malformed
/// escapes are kept verbatim.
std::string percentDecode(std::string_view text, bool plusAsSpace);

/// Returns the decoded name/value pairs of a query string ("a=1&b=x%20y").
std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view query);

/// Returns true when the ASCII strings are equal ignoring case.
bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace ait::http
