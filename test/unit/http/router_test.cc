#include "ait/http/router.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "ait/http/errors.h"

namespace ait::http {
namespace {

Handler answer(std::string text) {
  return [text](const Request&) { return Response::text(200, text); };
}

TEST(Router, CapturesNamedParametersDecoded) {
  Router router;
  router.get("/api/v1/databases/{type}/health", [](const Request& request) {
    return Response::text(200, std::string(request.param("type")));
  });
  auto request = Request::make(Method::Get, "/api/v1/databases/post%20gres/health");
  auto response = router.handle(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "post gres");
  EXPECT_EQ(request.route, "/api/v1/databases/{type}/health");
}

TEST(Router, PrefersLiteralSegmentOverParameter) {
  Router router;
  router.get("/orders/{id}", answer("by-id"));
  router.get("/orders/open", answer("open"));
  auto open = Request::make(Method::Get, "/orders/open");
  auto other = Request::make(Method::Get, "/orders/42");
  EXPECT_EQ(router.handle(open).body, "open");
  EXPECT_EQ(router.handle(other).body, "by-id");
  EXPECT_EQ(other.param("id"), "42");
}

TEST(Router, PrefersParameterOverCatchAll) {
  Router router;
  router.get("/static/{file*}", answer("tail"));
  router.get("/static/{name}", answer("one"));
  auto one = Request::make(Method::Get, "/static/app.js");
  auto deep = Request::make(Method::Get, "/static/js/app.js");
  EXPECT_EQ(router.handle(one).body, "one");
  EXPECT_EQ(router.handle(deep).body, "tail");
  EXPECT_EQ(deep.param("file"), "js/app.js");
}

TEST(Router, UnknownPathGetsNotFoundProblem) {
  Router router;
  router.get("/health", answer("ok"));
  auto request = Request::make(Method::Get, "/nope");
  auto response = router.handle(request);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.contentType, "application/problem+json");
  auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["status"], 404);
  EXPECT_EQ(body["code"], "AIT-HTTP-0005");
  EXPECT_EQ(body["type"], "urn:ait:error:AIT-HTTP-0005");
  EXPECT_EQ(body["title"], kNotFound.title);
  EXPECT_EQ(body["instance"], "/nope");
}

TEST(Router, TrailingSlashIsAnotherPath) {
  Router router;
  router.get("/health", answer("ok"));
  auto request = Request::make(Method::Get, "/health/");
  EXPECT_EQ(router.handle(request).status, 404);
}

TEST(Router, OtherMethodOnKnownPathGets405WithAllow) {
  Router router;
  router.get("/orders/{id}", answer("get"));
  router.del("/orders/{id}", answer("delete"));
  router.post("/orders", answer("post"));
  auto request = Request::make(Method::Put, "/orders/7");
  auto response = router.handle(request);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.header("Allow"), "GET, HEAD, DELETE");
  EXPECT_EQ(nlohmann::json::parse(response.body)["code"], "AIT-HTTP-0006");
}

TEST(Router, MethodWinsOverSpecificity) {
  Router router;
  router.get("/a/{id}", answer("get-param"));
  router.post("/a/b", answer("post-literal"));
  auto request = Request::make(Method::Get, "/a/b");
  EXPECT_EQ(router.handle(request).body, "get-param");
}

TEST(Router, HeadFallsBackToGet) {
  Router router;
  router.get("/health", answer("ok"));
  auto request = Request::make(Method::Head, "/health");
  EXPECT_EQ(router.handle(request).status, 200);
}

TEST(Router, HandlerExceptionBecomes500Problem) {
  Router router;
  router.get("/boom", [](const Request&) -> Response { throw std::runtime_error("kaboom"); });
  auto request = Request::make(Method::Get, "/boom");
  DispatchInfo info;
  auto response = router.handle(request, &info);
  EXPECT_EQ(response.status, 500);
  EXPECT_TRUE(info.handlerThrew);
  EXPECT_EQ(info.error, "kaboom");
  EXPECT_EQ(response.body.find("kaboom"), std::string::npos) << "internals must not leak";
  EXPECT_EQ(nlohmann::json::parse(response.body)["code"], "AIT-HTTP-0011");
}

TEST(Router, CustomNotFoundHandlerServesUnknownPaths) {
  Router router;
  router.get("/api", answer("api"));
  router.setNotFound(answer("index.html"));
  auto request = Request::make(Method::Get, "/dashboard/orders");
  EXPECT_EQ(router.handle(request).body, "index.html");
}

TEST(Router, WebSocketRouteWithoutUpgradeGets426) {
  Router router;
  router.addWebSocket("/api/v1/ws", [](const Request&) -> WebSocketAccept {
    return std::make_shared<WebSocketSession>();
  });
  auto request = Request::make(Method::Get, "/api/v1/ws");
  auto response = router.handle(request);
  EXPECT_EQ(response.status, 426);
  EXPECT_EQ(response.header("Upgrade"), "websocket");
  auto upgrade = Request::make(Method::Get, "/api/v1/ws");
  EXPECT_EQ(router.resolve(upgrade, true).kind, RouteMatch::Kind::WebSocket);
}

TEST(Router, ReportsEveryBadPatternAtOnce) {
  Router router;
  router.get("no-slash", answer("x"));
  router.get("/a/{bad-name}", answer("x"));
  router.get("/a/x{id}", answer("x"));
  router.get("/a/{rest*}/b", answer("x"));
  router.get("/a/{id}/{id}", answer("x"));
  router.get("/ok/{id}", answer("x"));
  router.get("/ok/{other}", answer("x"));
  auto checked = router.check();
  ASSERT_FALSE(checked);
  const auto& message = checked.error().message();
  EXPECT_EQ(checked.error().codeString(), "AIT-HTTP-0003");
  EXPECT_NE(message.find("'no-slash'"), std::string::npos) << message;
  EXPECT_NE(message.find("'/a/{bad-name}'"), std::string::npos) << message;
  EXPECT_NE(message.find("'/a/x{id}'"), std::string::npos) << message;
  EXPECT_NE(message.find("'/a/{rest*}/b'"), std::string::npos) << message;
  EXPECT_NE(message.find("'/a/{id}/{id}'"), std::string::npos) << message;
  EXPECT_NE(message.find("duplicates route '/ok/{id}'"), std::string::npos) << message;
  EXPECT_EQ(router.size(), 1U);
}

TEST(Request, DecodesQueryParameters) {
  auto request = Request::make(Method::Get, "/q?symbol=EUR%2FUSD&note=a+b&flag&empty=");
  EXPECT_EQ(request.path, "/q");
  EXPECT_EQ(request.query("symbol"), "EUR/USD");
  EXPECT_EQ(request.query("note"), "a b");
  EXPECT_EQ(request.query("flag"), "");
  EXPECT_EQ(request.query("empty"), "");
  EXPECT_FALSE(request.query("missing"));
}

TEST(Request, KeepsMalformedEscapesVerbatim) {
  EXPECT_EQ(percentDecode("100%", false), "100%");
  EXPECT_EQ(percentDecode("%zz%4", false), "%zz%4");
  EXPECT_EQ(percentDecode("a+b%41", false), "a+bA");
}

TEST(Request, FindsHeadersIgnoringCase) {
  Request request;
  request.headers = {{"Content-Type", "application/json"}};
  EXPECT_EQ(request.header("content-type"), "application/json");
  EXPECT_FALSE(request.header("accept"));
}

TEST(Response, ProblemCarriesErrorDnaCode) {
  Error error(kBodyTooLarge, "body of 5 MB exceeds 1 MB");
  auto response = problem(error, "/upload");
  EXPECT_EQ(response.status, 400);
  auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["code"], "AIT-HTTP-0009");
  EXPECT_EQ(body["detail"], "body of 5 MB exceeds 1 MB");
  EXPECT_EQ(body["instance"], "/upload");
}

TEST(Response, StatusFollowsErrorCategory) {
  EXPECT_EQ(statusFor(Error(kOverloaded, "x")), 503);
  EXPECT_EQ(statusFor(Error(kBindFailed, "x")), 502);
  EXPECT_EQ(statusFor(Error(kHandlerFailed, "x")), 500);
}

TEST(Response, JsonReplacesInvalidUtf8InsteadOfThrowing) {
  auto response = Response::json(200, nlohmann::json{{"name", std::string("\xff\xfe")}});
  EXPECT_EQ(response.contentType, "application/json");
  EXPECT_TRUE(nlohmann::json::accept(response.body));
}

}  // namespace
}  // namespace ait::http
