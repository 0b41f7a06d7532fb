#include "ait/gateway/static_files.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "ait/http/errors.h"
#include "ait/log/log.h"

namespace ait::gateway {

namespace fs = std::filesystem;

namespace {

// Dashboard files are small; anything bigger is not one of ours and is not read into memory.
constexpr std::uintmax_t kMaxFileBytes = 32u << 20;
constexpr std::size_t kMaxPathBytes = 1024;

bool hasIndex(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && fs::is_regular_file(dir / "index.html", ec);
}

// True when `path` is `root` or below it, compared component by component (both canonical).
bool isWithin(const fs::path& path, const fs::path& root) {
  auto [rootEnd, pathIt] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  return rootEnd == root.end();
}

// Splits the decoded request path into file name segments, or says why it is refused.
Expected<std::vector<std::string>> segmentsOf(std::string_view rawPath) {
  if (rawPath.size() > kMaxPathBytes) {
    return fail(kWebPathRefused, fmt::format("the path is longer than {} bytes", kMaxPathBytes));
  }
  const std::string decoded = http::percentDecode(rawPath, false);
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= decoded.size()) {
    std::size_t end = decoded.find('/', start);
    if (end == std::string::npos) end = decoded.size();
    std::string segment = decoded.substr(start, end - start);
    start = end + 1;
    if (segment.empty()) continue;
    if (segment == "." || segment == "..") {
      return fail(kWebPathRefused, "the path contains a '.' or '..' segment");
    }
    if (segment.front() == '.') return fail(kWebPathRefused, "hidden files are not served");
    for (char c : segment) {
      if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return fail(kWebPathRefused, "the path contains a backslash or a control character");
      }
    }
    segments.push_back(std::move(segment));
  }
  return segments;
}

http::Response refused(const http::Request& request, const Error& error) {
  return http::problem(400, kWebPathRefused, error.message(), request.path);
}

}  // namespace

std::string_view contentTypeFor(std::string_view fileName) noexcept {
  struct Type {
    std::string_view extension;
    std::string_view contentType;
  };
  static constexpr std::array<Type, 14> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".jpg", "image/jpeg"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  }};
  const auto dot = fileName.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  const auto extension = fileName.substr(dot);
  for (const auto& type : kTypes) {
    if (http::iequals(type.extension, extension)) return type.contentType;
  }
  return "application/octet-stream";
}

fs::path currentExecutable() {
  std::error_code ec;
  auto path = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path{} : path;
}

Expected<fs::path> resolveWebRoot(std::string_view configured, const fs::path& executable) {
  if (!configured.empty()) {
    fs::path root{std::string(configured)};
    if (!hasIndex(root)) {
      return fail(kWebRootInvalid,
                  fmt::format("web.root '{}' is not a folder holding index.html", configured));
    }
    return root;
  }
  std::vector<fs::path> candidates;
  if (!executable.empty()) {
    const auto dir = executable.parent_path();
    candidates.push_back(dir / ".." / "share" / "aitrading" / "web");
    candidates.push_back(dir / ".." / ".." / ".." / ".." / "web");  // build/<preset>/src/app
  }
  candidates.push_back(fs::path("web"));
  std::string looked;
  for (const auto& candidate : candidates) {
    if (hasIndex(candidate)) return candidate.lexically_normal();
    looked += (looked.empty() ? "" : ", ") + candidate.lexically_normal().string();
  }
  return fail(kWebUnavailable, fmt::format("no index.html in {}; set web.root", looked));
}

Expected<std::shared_ptr<const StaticFiles>> StaticFiles::open(const fs::path& root) {
  std::error_code ec;
  auto canonical = fs::canonical(root, ec);
  if (ec || !hasIndex(canonical)) {
    return fail(kWebRootInvalid,
                fmt::format("'{}' is not a folder holding index.html{}", root.string(),
                            ec ? ": " + ec.message() : std::string{}));
  }
  return std::shared_ptr<const StaticFiles>(new StaticFiles(std::move(canonical)));
}

http::Response StaticFiles::serve(const http::Request& request) const {
  if (request.method != http::Method::Get && request.method != http::Method::Head) {
    auto response = http::problem(405, http::kMethodNotAllowed,
                                  "static files answer GET and HEAD only", request.path);
    response.setHeader("Allow", "GET, HEAD");
    return response;
  }
  auto segments = segmentsOf(request.path);
  if (!segments) return refused(request, segments.error());

  fs::path wanted = root_;
  for (const auto& segment : *segments) wanted /= segment;
  std::error_code ec;
  if (fs::is_directory(wanted, ec)) wanted /= "index.html";
  // Symbolic links are followed only when they stay inside the root.
  auto real = fs::canonical(wanted, ec);
  if (ec || !isWithin(real, root_) || !fs::is_regular_file(real, ec)) {
    return http::problem(404, http::kNotFound, fmt::format("no file for {}", request.path),
                         request.path);
  }
  const auto size = fs::file_size(real, ec);
  if (ec || size > kMaxFileBytes) {
    return http::problem(404, http::kNotFound, fmt::format("no file for {}", request.path),
                         request.path);
  }

  http::Response response;
  response.status = 200;
  response.contentType = std::string(contentTypeFor(real.filename().string()));
  if (request.method == http::Method::Get) {
    std::ifstream in(real, std::ios::binary);
    response.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      return http::problem(500, kWebFileUnreadable,
                           fmt::format("{} could not be read", request.path), request.path);
    }
  }
  // Always revalidate, so a new release is picked up; never sniff types; no framing.
  response.setHeader("Cache-Control", "no-cache");
  response.setHeader("X-Content-Type-Options", "nosniff");
  if (response.contentType.starts_with("text/html")) {
    response.setHeader("Content-Security-Policy",
                       "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                       "img-src 'self' data:; connect-src 'self' ws: wss:; "
                       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    response.setHeader("X-Frame-Options", "DENY");
    response.setHeader("Referrer-Policy", "no-referrer");
  }
  return response;
}

void addStaticFiles(http::Router& router, std::shared_ptr<const StaticFiles> files) {
  router.setNotFound([files = std::move(files)](const http::Request& request) {
    if (request.path.starts_with("/api/")) {
      return http::problem(404, http::kNotFound, fmt::format("no route for {}", request.path),
                           request.path);
    }
    return files->serve(request);
  });
}

void addMissingDashboard(http::Router& router, std::string why) {
  router.setNotFound([why = std::move(why)](const http::Request& request) {
    if (request.path == "/" || request.path == "/index.html") {
      return http::problem(503, kWebUnavailable, why, request.path);
    }
    return http::problem(404, http::kNotFound, fmt::format("no route for {}", request.path),
                         request.path);
  });
}

Expected<void> addDashboard(http::Router& router, bool enabled, std::string_view configuredRoot) {
  if (!enabled) return {};
  auto root = resolveWebRoot(configuredRoot, currentExecutable());
  if (!root) {
    if (!configuredRoot.empty()) return Unexpected(root.error());
    static auto log = log::logger("gateway");
    log::logError(*log, root.error());
    addMissingDashboard(router, root.error().message());
    return {};
  }
  auto files = StaticFiles::open(*root);
  if (!files) return Unexpected(files.error());
  addStaticFiles(router, std::move(*files));
  return {};
}

}  // namespace ait::gateway
