#pragma once
// Routes by method and path pattern: literal segments and named parameters
// ("/api/v1/databases/{type}/health"), and a trailing catch-all ("/static/{file*}").
// Among the routes of the request's method the most specific wins, segment by segment:
// a literal beats a parameter, a parameter beats a catch-all.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ait/core/error.h"
#include "ait/http/message.h"
#include "ait/http/websocket.h"

namespace ait::http {

/// Answers one request; runs on an I/O thread, so it must not block for long. An exception
/// it throws becomes a 500 problem response.
using Handler = std::function<Response(const Request&)>;

/// What a request resolved to.
struct RouteMatch {
  enum class Kind : std::uint8_t { Http, WebSocket, NotFound, MethodNotAllowed };
  Kind kind = Kind::NotFound;
  const Handler* handler = nullptr;            // Kind::Http (and NotFound with a fallback)
  const WebSocketFactory* factory = nullptr;   // Kind::WebSocket
  std::string allow;                           // Kind::MethodNotAllowed: "GET, HEAD, POST"
};

/// How Router::handle went, for the server's metrics and logs.
struct DispatchInfo {
  bool handlerThrew = false;
  std::string error;  // the exception's message when handlerThrew
};

class Router {
 public:
  /// Adds a route. A malformed or duplicate pattern is recorded and reported by check(), so
  /// that all problems surface at once when the server starts.
  Router& add(Method method, std::string_view pattern, Handler handler);
  Router& get(std::string_view pattern, Handler handler);
  Router& post(std::string_view pattern, Handler handler);
  Router& put(std::string_view pattern, Handler handler);
  Router& patch(std::string_view pattern, Handler handler);
  Router& del(std::string_view pattern, Handler handler);
  /// Adds a WebSocket endpoint: a GET upgrade request on the pattern runs the factory.
  Router& addWebSocket(std::string_view pattern, WebSocketFactory factory);
  /// Sets the handler for paths that no route matches (default: a 404 problem).
  Router& setNotFound(Handler handler);

  /// Returns an error listing every malformed or duplicate route, or success.
  Expected<void> check() const;
  std::size_t size() const noexcept { return routes_.size(); }

  struct RouteInfo {
    Method method;
    std::string pattern;
    bool webSocket = false;
  };
  /// Returns every route added, in order (for generated documents and the tests that check them).
  std::vector<RouteInfo> routes() const;

  /// Resolves the request; on a match fills request.pathParams and request.route.
  /// `upgrade` says whether the request asks for a WebSocket upgrade.
  RouteMatch resolve(Request& request, bool upgrade = false) const;

  /// Resolves and runs the handler, answering 404, 405 (with Allow), 426 for a WebSocket route
  /// and 500 for a handler that throws, as the server does. Usable without a server in tests.
  Response handle(Request& request, DispatchInfo* info = nullptr) const;

 private:
  struct Segment {
    enum class Kind : std::uint8_t { Literal, Param, Tail };
    Kind kind;
    std::string text;  // the literal, or the parameter name
  };
  struct Route {
    Method method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
    WebSocketFactory factory;  // set for WebSocket routes (method Get)
  };

  bool addRoute(Method method, std::string_view pattern, Route& route);
  static bool matches(const Route& route, const std::vector<std::string>& segments);
  static bool moreSpecific(const Route& a, const Route& b);

  std::vector<Route> routes_;
  std::vector<std::string> problems_;
  Handler notFound_;
};

}  // namespace ait::http
