#pragma once
// ErrorDNA: every error the platform reports has a stable code, a category, a severity, a message
// and a fingerprint that is equal for the same fault whatever numbers or ids it mentions.

#include <cstdint>
#include <expected>
#include <source_location>
#include <string>
#include <string_view>

namespace ait {

enum class Category : std::uint8_t {
  Network, Database, Validation, Auth, Risk, Venue, Model, Config, Internal, Io, Data, Resource
};

enum class Severity : std::uint8_t { Critical, High, Medium, Low, Info };

/// What was done about an error, as recorded in the ErrorDNA registry.
enum class Recovery : std::uint8_t { None, Retry, CircuitOpen, Degrade, Fail };

std::string_view toString(Category category) noexcept;
std::string_view toString(Severity severity) noexcept;
std::string_view toString(Recovery recovery) noexcept;

/// A stable error code such as "AIT-CFG-0001", declared once as a constant next to the component
/// that raises it (include/ait/<component>/errors.h).
struct ErrorCode {
  std::string_view code;
  Category category;
  Severity severity;
  std::string_view title;  // one line saying what the code means, for docs and /api/v1/errors
};

/// An expected failure: travels in Expected<T>, never as an exception across components.
class Error {
 public:
  Error(const ErrorCode& code, std::string message,
        std::source_location where = std::source_location::current());

  const ErrorCode& code() const noexcept { return *code_; }
  std::string_view codeString() const noexcept { return code_->code; }
  Category category() const noexcept { return code_->category; }
  Severity severity() const noexcept { return code_->severity; }
  const std::string& message() const noexcept { return message_; }
  const std::source_location& where() const noexcept { return where_; }

  /// Returns a 16-hex-digit hash of code + location + the message with numbers, ids and
  /// addresses stripped, so that the same fault seen many times has one fingerprint.
  std::string fingerprint() const;

  /// Returns "AIT-XXX-0000: message".
  std::string describe() const;

 private:
  const ErrorCode* code_;
  std::string message_;
  std::source_location where_;
};

template <class T>
using Expected = std::expected<T, Error>;

using Unexpected = std::unexpected<Error>;

/// Shorthand for returning a failure: `return fail(kSomeCode, "what went wrong");`
inline Unexpected fail(const ErrorCode& code, std::string message,
                       std::source_location where = std::source_location::current()) {
  return Unexpected(Error(code, std::move(message), where));
}

/// Returns the message with runs of digits, hex ids, UUIDs and quoted values replaced by
/// placeholders; the basis of fingerprints.
std::string normaliseMessage(std::string_view message);

namespace errors {
inline constexpr ErrorCode kInternal{"AIT-CORE-0001", Category::Internal, Severity::High,
                                     "internal error (a bug)"};
inline constexpr ErrorCode kInvalidArgument{"AIT-CORE-0002", Category::Validation,
                                            Severity::Medium, "invalid argument"};
inline constexpr ErrorCode kIo{"AIT-CORE-0003", Category::Io, Severity::High,
                               "file or device input/output failed"};
inline constexpr ErrorCode kTimeout{"AIT-CORE-0004", Category::Resource, Severity::Medium,
                                    "operation timed out"};
inline constexpr ErrorCode kCancelled{"AIT-CORE-0005", Category::Internal, Severity::Info,
                                      "operation cancelled"};
}  // namespace errors

}  // namespace ait
