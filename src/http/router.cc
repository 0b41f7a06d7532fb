#include "ait/http/router.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "ait/http/errors.h"

namespace ait::http {

namespace {

constexpr std::array<Method, 7> kAllowOrder{Method::Get,    Method::Head,  Method::Post,
                                            Method::Put,    Method::Delete, Method::Patch,
                                            Method::Options};

unsigned bit(Method method) { return 1U << static_cast<unsigned>(method); }

// "/" has no segments; "/a/b/" has three ("a", "b", "") so that a trailing slash is a
// different path, as it is on the wire.
std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.empty() || path.front() != '/') return segments;
  path.remove_prefix(1);
  if (path.empty()) return segments;
  while (true) {
    auto slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool validParamName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

bool Router::addRoute(Method method, std::string_view pattern, Route& route) {
  route.method = method;
  route.pattern = std::string(pattern);
  auto complain = [&](std::string_view why) {
    problems_.push_back(fmt::format("route {} '{}': {}", toString(method), pattern, why));
    return false;
  };
  if (pattern.empty() || pattern.front() != '/') return complain("pattern must start with '/'");
  if (pattern.find_first_of("?#") != std::string_view::npos) {
    return complain("pattern must not contain '?' or '#'");
  }
  auto parts = splitPath(pattern);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto part = parts[i];
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      auto name = part.substr(1, part.size() - 2);
      auto kind = Segment::Kind::Param;
      if (!name.empty() && name.back() == '*') {
        name.remove_suffix(1);
        kind = Segment::Kind::Tail;
        if (i + 1 != parts.size()) return complain("a catch-all {name*} must be the last segment");
      }
      if (!validParamName(name)) {
        return complain(fmt::format("parameter name '{}' must be letters, digits or '_'", name));
      }
      for (const auto& seen : route.segments) {
        if (seen.kind != Segment::Kind::Literal && seen.text == name) {
          return complain(fmt::format("parameter '{}' appears twice", name));
        }
      }
      route.segments.push_back({kind, std::string(name)});
    } else if (part.find_first_of("{}") != std::string_view::npos) {
      return complain("a parameter must be a whole segment, like /{name}/");
    } else {
      route.segments.push_back({Segment::Kind::Literal, std::string(part)});
    }
  }
  bool webSocket = static_cast<bool>(route.factory);
  for (const auto& other : routes_) {
    if (other.method != method || static_cast<bool>(other.factory) != webSocket) continue;
    if (other.segments.size() != route.segments.size()) continue;
    bool same = std::equal(other.segments.begin(), other.segments.end(), route.segments.begin(),
                           [](const Segment& a, const Segment& b) {
                             return a.kind == b.kind &&
                                    (a.kind != Segment::Kind::Literal || a.text == b.text);
                           });
    if (same) return complain(fmt::format("duplicates route '{}'", other.pattern));
  }
  return true;
}

Router& Router::add(Method method, std::string_view pattern, Handler handler) {
  Route route;
  if (!handler) {
    problems_.push_back(fmt::format("route {} '{}': handler is empty", toString(method), pattern));
    return *this;
  }
  if (method == Method::Other) {
    problems_.push_back(fmt::format("route '{}': method must be a known one", pattern));
    return *this;
  }
  route.handler = std::move(handler);
  if (addRoute(method, pattern, route)) routes_.push_back(std::move(route));
  return *this;
}

Router& Router::get(std::string_view pattern, Handler handler) {
  return add(Method::Get, pattern, std::move(handler));
}
Router& Router::post(std::string_view pattern, Handler handler) {
  return add(Method::Post, pattern, std::move(handler));
}
Router& Router::put(std::string_view pattern, Handler handler) {
  return add(Method::Put, pattern, std::move(handler));
}
Router& Router::patch(std::string_view pattern, Handler handler) {
  return add(Method::Patch, pattern, std::move(handler));
}
Router& Router::del(std::string_view pattern, Handler handler) {
  return add(Method::Delete, pattern, std::move(handler));
}

Router& Router::addWebSocket(std::string_view pattern, WebSocketFactory factory) {
  if (!factory) {
    problems_.push_back(fmt::format("websocket route '{}': factory is empty", pattern));
    return *this;
  }
  Route route;
  route.factory = std::move(factory);
  if (addRoute(Method::Get, pattern, route)) routes_.push_back(std::move(route));
  return *this;
}

Router& Router::setNotFound(Handler handler) {
  notFound_ = std::move(handler);
  return *this;
}

Expected<void> Router::check() const {
  if (problems_.empty()) return {};
  std::string message;
  for (const auto& problem : problems_) {
    if (!message.empty()) message += "; ";
    message += problem;
  }
  return fail(kInvalidRoute, message);
}

bool Router::matches(const Route& route, const std::vector<std::string>& segments) {
  auto count = route.segments.size();
  bool tail = count > 0 && route.segments.back().kind == Segment::Kind::Tail;
  if (tail ? segments.size() < count - 1 : segments.size() != count) return false;
  for (std::size_t i = 0; i < count - (tail ? 1 : 0); ++i) {
    const auto& segment = route.segments[i];
    if (segment.kind == Segment::Kind::Literal) {
      if (segment.text != segments[i]) return false;
    } else if (segments[i].empty()) {
      return false;
    }
  }
  return true;
}

bool Router::moreSpecific(const Route& a, const Route& b) {
  // Rank per segment; a route that ends here ranks above a catch-all that would continue.
  auto rank = [](const Route& route, std::size_t i) {
    if (i >= route.segments.size()) return 3;
    switch (route.segments[i].kind) {
      case Segment::Kind::Literal: return 2;
      case Segment::Kind::Param: return 1;
      case Segment::Kind::Tail: return 0;
    }
    return 0;
  };
  auto length = std::max(a.segments.size(), b.segments.size());
  for (std::size_t i = 0; i < length; ++i) {
    int ra = rank(a, i);
    int rb = rank(b, i);
    if (ra != rb) return ra > rb;
  }
  return false;
}

RouteMatch Router::resolve(Request& request, bool upgrade) const {
  RouteMatch result;
  if (request.path.empty() || request.path.front() != '/') return result;
  std::vector<std::string> segments;
  for (auto raw : splitPath(request.path)) segments.push_back(percentDecode(raw, false));

  unsigned allowed = 0;
  bool headRoutes = false;
  for (const auto& route : routes_) {
    if (!matches(route, segments)) continue;
    allowed |= bit(route.method);
    if (route.method == Method::Head) headRoutes = true;
  }
  if (allowed == 0) {
    if (notFound_) {
      result.handler = &notFound_;
    }
    return result;
  }

  // HEAD falls back to the GET routes when no route declares HEAD for this path.
  Method wanted = (request.method == Method::Head && !headRoutes) ? Method::Get : request.method;
  const Route* best = nullptr;
  for (const auto& route : routes_) {
    if (route.method != wanted || !matches(route, segments)) continue;
    if (route.factory && wanted != request.method) continue;
    if (best == nullptr || moreSpecific(route, *best)) {
      best = &route;
    } else if (!moreSpecific(*best, route) &&
               static_cast<bool>(route.factory) == upgrade && static_cast<bool>(best->factory) != upgrade) {
      best = &route;  // equally specific: an upgrade prefers the WebSocket route
    }
  }
  if (best == nullptr) {
    result.kind = RouteMatch::Kind::MethodNotAllowed;
    if (allowed & bit(Method::Get)) allowed |= bit(Method::Head);
    for (auto method : kAllowOrder) {
      if ((allowed & bit(method)) == 0) continue;
      if (!result.allow.empty()) result.allow += ", ";
      result.allow += toString(method);
    }
    return result;
  }

  request.route = best->pattern;
  request.pathParams.clear();
  for (std::size_t i = 0; i < best->segments.size(); ++i) {
    const auto& segment = best->segments[i];
    if (segment.kind == Segment::Kind::Param) {
      request.pathParams.emplace_back(segment.text, segments[i]);
    } else if (segment.kind == Segment::Kind::Tail) {
      std::string rest;
      for (std::size_t j = i; j < segments.size(); ++j) {
        if (j > i) rest += '/';
        rest += segments[j];
      }
      request.pathParams.emplace_back(segment.text, std::move(rest));
    }
  }
  if (best->factory) {
    result.kind = RouteMatch::Kind::WebSocket;
    result.factory = &best->factory;
  } else {
    result.kind = RouteMatch::Kind::Http;
    result.handler = &best->handler;
  }
  return result;
}

std::vector<Router::RouteInfo> Router::routes() const {
  std::vector<RouteInfo> list;
  list.reserve(routes_.size());
  for (const auto& route : routes_) {
    list.push_back({route.method, route.pattern, static_cast<bool>(route.factory)});
  }
  return list;
}

Response Router::handle(Request& request, DispatchInfo* info) const {
  auto match = resolve(request, false);
  auto invoke = [&](const Handler& handler) -> Response {
    try {
      return handler(request);
    } catch (const std::exception& e) {
      if (info != nullptr) {
        info->handlerThrew = true;
        info->error = e.what();
      }
    } catch (...) {
      if (info != nullptr) {
        info->handlerThrew = true;
        info->error = "unknown exception";
      }
    }
    return problem(500, kHandlerFailed, "the request could not be handled", request.path);
  };
  switch (match.kind) {
    case RouteMatch::Kind::Http:
      return invoke(*match.handler);
    case RouteMatch::Kind::WebSocket: {
      auto response = problem(426, kUpgradeRequired,
                              "this endpoint accepts WebSocket connections only", request.path);
      response.setHeader("Upgrade", "websocket");
      return response;
    }
    case RouteMatch::Kind::MethodNotAllowed: {
      auto response = problem(405, kMethodNotAllowed,
                              fmt::format("{} is not allowed here; allowed: {}",
                                          request.methodName.empty()
                                              ? std::string(toString(request.method))
                                              : request.methodName,
                                          match.allow),
                              request.path);
      response.setHeader("Allow", match.allow);
      return response;
    }
    case RouteMatch::Kind::NotFound:
      break;
  }
  if (match.handler != nullptr) return invoke(*match.handler);
  return problem(404, kNotFound, fmt::format("no route for {}", request.path), request.path);
}

}  // namespace ait::http
