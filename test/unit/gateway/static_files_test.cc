// The dashboard's static file handler: content types, index.html for folders, and hostile paths
// (plain, percent-encoded, double-encoded, backslashes, NUL, symbolic links out of the root)
// that must never reach a file outside the web root.

#include "ait/gateway/static_files.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace ait::gateway {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("ait-static-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    root_ = base_ / "web";
    fs::create_directories(root_ / "js");
    fs::create_directories(root_ / "vendor");
    write(root_ / "index.html", "<!doctype html><title>dash</title>");
    write(root_ / "js" / "app.js", "export const x = 1;");
    write(root_ / "style.css", "body{}");
    write(root_ / ".secret", "hidden");
    write(base_ / "outside.txt", "SECRET-OUTSIDE");
    fs::create_symlink(base_ / "outside.txt", root_ / "link.txt");
    fs::create_symlink(root_ / "style.css", root_ / "inside-link.css");
    auto files = StaticFiles::open(root_);
    ASSERT_TRUE(files.has_value()) << files.error().describe();
    files_ = *files;
    addStaticFiles(router_, files_);
  }
  void TearDown() override { fs::remove_all(base_); }

  static void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

  http::Response get(std::string_view target, http::Method method = http::Method::Get) {
    auto request = http::Request::make(method, target);
    return router_.handle(request);
  }

  fs::path base_;
  fs::path root_;
  std::shared_ptr<const StaticFiles> files_;
  http::Router router_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirContentTypes) {
  auto index = get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.contentType, "text/html; charset=utf-8");
  EXPECT_EQ(index.body, "<!doctype html><title>dash</title>");
  EXPECT_TRUE(index.header("Content-Security-Policy").has_value());
  EXPECT_EQ(index.header("X-Content-Type-Options").value_or(""), "nosniff");

  auto script = get("/js/app.js?v=3");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.contentType, "text/javascript; charset=utf-8");
  EXPECT_EQ(script.body, "export const x = 1;");
  EXPECT_EQ(get("/style.css").contentType, "text/css; charset=utf-8");
  EXPECT_EQ(get("/index.html").body, index.body);
  EXPECT_EQ(get("/js/").status, 404) << "a folder without index.html has nothing to serve";
  EXPECT_EQ(get("/inside-link.css").status, 200) << "links that stay inside are followed";
}

TEST_F(StaticFilesTest, HeadHasNoBodyAndOtherMethodsAreRefused) {
  auto head = get("/js/app.js", http::Method::Head);
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  auto post = get("/js/app.js", http::Method::Post);
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.header("Allow").value_or(""), "GET, HEAD");
}

TEST_F(StaticFilesTest, UnknownFilesAndApiPathsAre404) {
  EXPECT_EQ(get("/nope.js").status, 404);
  auto api = get("/api/v1/nothing-here");
  EXPECT_EQ(api.status, 404);
  EXPECT_EQ(api.contentType, "application/problem+json");
  EXPECT_NE(api.body.find("AIT-HTTP-0005"), std::string::npos);
}

TEST_F(StaticFilesTest, HostilePathsNeverLeaveTheRoot) {
  const char* hostile[] = {
      "/../outside.txt",
      "/../../etc/passwd",
      "/js/../../outside.txt",
      "/%2e%2e/outside.txt",
      "/%2E%2E/%2E%2E/etc/passwd",
      "/..%2foutside.txt",
      "/..%2Foutside.txt",
      "/js/..%2f..%2foutside.txt",
      "/%2e%2e%2foutside.txt",
      "/..\\outside.txt",
      "/%5c..%5coutside.txt",
      "/js/%00/../../outside.txt",
      "/index.html%00.js",
      "/./index.html",
      "/.secret",
      "/%2esecret",
  };
  for (const char* path : hostile) {
    auto reply = get(path);
    EXPECT_EQ(reply.status, 400) << path;
    EXPECT_NE(reply.body.find("AIT-WEB-0002"), std::string::npos) << path;
    EXPECT_EQ(reply.body.find("SECRET-OUTSIDE"), std::string::npos) << path;
    EXPECT_EQ(reply.body.find("root:"), std::string::npos) << path;
  }
  // Decoded once only: a double-encoded dot-dot is a (missing) file name, not a step up.
  EXPECT_EQ(get("/%252e%252e/outside.txt").status, 404);
  // A symbolic link pointing out of the root is not followed.
  auto link = get("/link.txt");
  EXPECT_EQ(link.status, 404);
  EXPECT_EQ(link.body.find("SECRET-OUTSIDE"), std::string::npos);
  EXPECT_EQ(get("/" + std::string(2000, 'a')).status, 400);
}

TEST(StaticFilesRoot, AConfiguredRootMustHoldIndexHtml) {
  auto missing = resolveWebRoot("/nonexistent/web-root", {});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().codeString(), "AIT-WEB-0001");
  EXPECT_NE(missing.error().message().find("/nonexistent/web-root"), std::string::npos);
  EXPECT_FALSE(StaticFiles::open("/nonexistent/web-root").has_value());
}

TEST(StaticFilesRoot, AnEmptyRootFindsTheSourceTreeFromABuildTreeBinary) {
  // A binary at <repo>/build/<preset>/src/app/aitrading finds <repo>/web.
  const fs::path repo = AIT_SOURCE_DIR;
  auto root = resolveWebRoot("", repo / "build" / "release" / "src" / "app" / "aitrading");
  ASSERT_TRUE(root.has_value()) << root.error().describe();
  EXPECT_EQ(fs::canonical(*root), fs::canonical(repo / "web"));
  // Nothing anywhere: an error naming where it looked (cwd is not the source tree here).
  const auto cwd = fs::current_path();
  fs::current_path(fs::temp_directory_path());
  auto none = resolveWebRoot("", "/nonexistent/bin/aitrading");
  fs::current_path(cwd);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().codeString(), "AIT-WEB-0004");
  EXPECT_NE(none.error().message().find("share/aitrading/web"), std::string::npos);
}

TEST(StaticFilesRoot, ContentTypes) {
  EXPECT_EQ(contentTypeFor("a.MJS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(contentTypeFor("LICENSE"), "application/octet-stream");
  EXPECT_EQ(contentTypeFor("x.svg"), "image/svg+xml");
}

}  // namespace
}  // namespace ait::gateway
