#pragma once
// The web dashboard's files (web/: index.html, JS modules, CSS, the vendored chart library),
// served read-only at / on the gateway port. Only GET and HEAD of regular files below the web
// root are answered; a path that could leave the root (.., encoded or not), names a hidden file,
// or carries NUL or a backslash is refused before the file system is touched.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "ait/core/error.h"
#include "ait/http/message.h"
#include "ait/http/router.h"

namespace ait::gateway {

inline constexpr ErrorCode kWebRootInvalid{"AIT-WEB-0001", Category::Config, Severity::High,
                                           "the web root is not a folder holding index.html"};
inline constexpr ErrorCode kWebPathRefused{"AIT-WEB-0002", Category::Validation, Severity::Low,
                                           "a static file path is malformed or leaves the web root"};
inline constexpr ErrorCode kWebFileUnreadable{"AIT-WEB-0003", Category::Internal, Severity::Medium,
                                              "a static file could not be read"};
inline constexpr ErrorCode kWebUnavailable{"AIT-WEB-0004", Category::Config, Severity::Medium,
                                           "the dashboard files were not found"};

/// Returns the Content-Type for a file name by its extension ("application/octet-stream"
/// for unknown ones).
std::string_view contentTypeFor(std::string_view fileName) noexcept;

/// Returns the web root to serve: `configured` when not empty (it must be a folder with
/// index.html), else the first of <exe dir>/../share/aitrading/web, <exe dir>/../../../../web
/// (a build tree inside the source tree) and ./web that has index.html. An empty configured
/// root with no candidate found is an AIT-WEB-0004 error naming the places looked at.
Expected<std::filesystem::path> resolveWebRoot(std::string_view configured,
                                               const std::filesystem::path& executable);

/// Returns the running program's path (from /proc/self/exe), or an empty path.
std::filesystem::path currentExecutable();

class StaticFiles {
 public:
  /// Opens a web root (made canonical); AIT-WEB-0001 when it is not a folder with index.html.
  static Expected<std::shared_ptr<const StaticFiles>> open(const std::filesystem::path& root);

  /// Answers a GET or HEAD for request.path: 200 with the file, 404 when there is none, 400
  /// (AIT-WEB-0002) for a refused path, 405 for other methods. "/" and folders give index.html.
  http::Response serve(const http::Request& request) const;

  const std::filesystem::path& root() const noexcept { return root_; }

 private:
  explicit StaticFiles(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
};

/// Serves `files` for every path no route of `router` matches; /api/ paths keep the JSON 404.
void addStaticFiles(http::Router& router, std::shared_ptr<const StaticFiles> files);

/// Answers 503 (AIT-WEB-0004, with `why`) at / when the dashboard files were not found.
void addMissingDashboard(http::Router& router, std::string why);

/// Wires the dashboard for the web.* settings: the files from the resolved root, or, when an
/// empty root found none, a 503 at / (logged as a warning). A configured root that is not
/// usable is returned as an error, so the start fails naming it.
Expected<void> addDashboard(http::Router& router, bool enabled, std::string_view configuredRoot);

}  // namespace ait::gateway
