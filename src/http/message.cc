#include "ait/http/message.h"

#include <array>

#include <nlohmann/json.hpp>

namespace ait::http {

namespace {

constexpr std::array<std::string_view, 8> kMethodNames{"GET",    "HEAD",  "POST",    "PUT",
                                                       "DELETE", "PATCH", "OPTIONS", "OTHER"};

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

int hexValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

template <class List>
std::optional<std::string_view> findHeader(const List& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

}  // namespace

std::string_view toString(Method method) noexcept {
  return kMethodNames[static_cast<std::size_t>(method)];
}

Method parseMethod(std::string_view name) noexcept {
  for (std::size_t i = 0; i + 1 < kMethodNames.size(); ++i) {
    if (kMethodNames[i] == name) return static_cast<Method>(i);
  }
  return Method::Other;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string percentDecode(std::string_view text, bool plusAsSpace) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = hexValue(text[i + 1]);
      int lo = hexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plusAsSpace && c == '+') ? ' ' : c;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      params.emplace_back(percentDecode(part, true), std::string{});
    } else {
      params.emplace_back(percentDecode(part.substr(0, eq), true),
                          percentDecode(part.substr(eq + 1), true));
    }
  }
  return params;
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  return findHeader(headers, name);
}

std::optional<std::string_view> Request::query(std::string_view name) const {
  for (const auto& [key, value] : queryParams) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::string_view Request::param(std::string_view name) const {
  for (const auto& [key, value] : pathParams) {
    if (key == name) return value;
  }
  return {};
}

Request Request::make(Method method, std::string_view target, std::string body) {
  Request request;
  request.method = method;
  request.methodName = std::string(toString(method));
  request.target = std::string(target);
  auto question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.queryParams = parseQuery(target.substr(question + 1));
  request.body = std::move(body);
  return request;
}

Response& Response::setHeader(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::optional<std::string_view> Response::header(std::string_view name) const {
  return findHeader(headers, name);
}

Response Response::json(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  response.contentType = "application/json";
  // Replacing invalid UTF-8 keeps a handler's bad string from turning into an exception here.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

Response Response::text(int status, std::string body, std::string contentType) {
  Response response;
  response.status = status;
  response.contentType = std::move(contentType);
  response.body = std::move(body);
  return response;
}

Response problem(int status, const ErrorCode& code, std::string_view detail,
                 std::string_view instance) {
  nlohmann::json body{{"type", "urn:ait:error:" + std::string(code.code)},
                      {"title", code.title},
                      {"status", status},
                      {"detail", detail},
                      {"code", code.code}};
  if (!instance.empty()) body["instance"] = instance;
  auto response = Response::json(status, body);
  response.contentType = "application/problem+json";
  return response;
}

Response problem(const Error& error, std::string_view instance) {
  return problem(statusFor(error), error.code(), error.message(), instance);
}

int statusFor(const Error& error) noexcept {
  switch (error.category()) {
    case Category::Validation: return 400;
    case Category::Auth: return 401;
    case Category::Risk: return 422;
    case Category::Resource: return 503;
    case Category::Database:
    case Category::Network:
    case Category::Venue: return 502;
    case Category::Model:
    case Category::Config:
    case Category::Internal:
    case Category::Io:
    case Category::Data: return 500;
  }
  return 500;
}

std::string_view reasonPhrase(int status) noexcept {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

}  // namespace ait::http
