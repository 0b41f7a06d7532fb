#pragma once
// Request/response plumbing: a reply box shared (reference-counted) by the requester and the
// engine, so that a requester that gives up on a timeout never leaves the engine writing into
// freed memory, and a PendingReply the requester waits on with a timeout.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "ait/bus/errors.h"
#include "ait/bus/wait.h"
#include "ait/core/error.h"

namespace ait::bus {

namespace detail {

template <class R>
inline constexpr char kReplyTypeTag = 0;

/// The untyped part of a reply box; the engine completes it, the requester waits on it.
class ReplyCore {
 public:
  static constexpr std::uint32_t kPending = 0;
  static constexpr std::uint32_t kReady = 1;
  static constexpr std::uint32_t kFailed = 2;
  static constexpr std::uint32_t kWaiting = 4;

  explicit ReplyCore(const void* typeTag) noexcept : typeTag_(typeTag) {}
  virtual ~ReplyCore() = default;
  ReplyCore(const ReplyCore&) = delete;
  ReplyCore& operator=(const ReplyCore&) = delete;

  const void* typeTag() const noexcept { return typeTag_; }

  /// Drops one of the two references (requester's, engine's); the last one frees the box.
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
  /// Engine: publishes the outcome (the value or error was stored before) and wakes the waiter.
  void finish(bool ready, const ErrorCode* error = nullptr) noexcept {
    error_ = error;
    const auto before = state_.exchange(ready ? kReady : kFailed, std::memory_order_acq_rel);
    if ((before & kWaiting) != 0) futexWakeAll(state_);
  }
  /// Requester: true once finished.
  bool done() const noexcept {
    return (state_.load(std::memory_order_acquire) & (kReady | kFailed)) != 0;
  }
  /// Requester: waits until finished or deadline; returns kReady, kFailed or kPending (timeout).
  std::uint32_t await(std::chrono::steady_clock::time_point deadline) noexcept {
    for (int spin = 0; spin < 2000; ++spin) {
      const auto state = state_.load(std::memory_order_acquire);
      if ((state & (kReady | kFailed)) != 0) return state;
      cpuRelax();
    }
    for (;;) {
      auto state = state_.load(std::memory_order_acquire);
      if ((state & (kReady | kFailed)) != 0) return state;
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return kPending;
      if ((state & kWaiting) == 0) {
        if (!state_.compare_exchange_weak(state, state | kWaiting, std::memory_order_acq_rel)) {
          continue;
        }
        state |= kWaiting;
      }
      futexWait(state_, state, deadline - now);
    }
  }
  /// The bus's own failure code (no responder, stopped, type mismatch), or null.
  const ErrorCode* error() const noexcept { return error_; }

 private:
  std::atomic<std::uint32_t> state_{kPending};
  std::atomic<std::uint32_t> refs_{2};
  const void* typeTag_;
  const ErrorCode* error_ = nullptr;
};

/// The typed box: the responder's value, or the error the responder returned.
template <class R>
class ReplyBox final : public ReplyCore {
 public:
  ReplyBox() noexcept : ReplyCore(&kReplyTypeTag<R>) {}
  std::optional<R> value;
  std::optional<Error> responderError;
};

/// Returns true when core was made for reply type R.
template <class R>
bool holds(const ReplyCore& core) noexcept {
  return core.typeTag() == &kReplyTypeTag<R>;
}

}  // namespace detail

/// A reply on its way from the engine thread: wait() for it with a timeout, or poll ready().
/// Dropping it before the reply arrives is safe; the engine's late reply is then discarded.
template <class R>
class PendingReply {
 public:
  PendingReply() = default;
  PendingReply(detail::ReplyBox<R>* box, std::string topic) noexcept
      : box_(box), topic_(std::move(topic)) {}
  PendingReply(PendingReply&& other) noexcept
      : box_(std::exchange(other.box_, nullptr)), topic_(std::move(other.topic_)) {}
  PendingReply& operator=(PendingReply&& other) noexcept {
    if (this != &other) {
      reset();
      box_ = std::exchange(other.box_, nullptr);
      topic_ = std::move(other.topic_);
    }
    return *this;
  }
  ~PendingReply() { reset(); }

  /// Returns true once the reply (or its failure) has arrived.
  bool ready() const noexcept { return box_ != nullptr && box_->done(); }

  /// Waits up to timeout and returns the reply, or AIT-BUS-0007 on timeout, or the failure the
  /// bus or the responder reported. The reply is taken: a second call fails.
  Expected<R> wait(std::chrono::nanoseconds timeout) {
    if (box_ == nullptr) {
      return fail(errors::kLifecycle, "this pending reply is empty or its reply was already taken");
    }
    const auto now = std::chrono::steady_clock::now();
    const auto deadline = timeout >= std::chrono::steady_clock::time_point::max() - now
                              ? std::chrono::steady_clock::time_point::max()
                              : now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
    const auto state = box_->await(deadline);
    if (state == detail::ReplyCore::kPending) {
      return fail(errors::kRequestTimeout,
                  fmt::format("request on topic '{}' got no reply within {} ms", topic_,
                              std::chrono::duration<double, std::milli>(timeout).count()));
    }
    Expected<R> result = takeResult(state);
    reset();
    return result;
  }

  const std::string& topic() const noexcept { return topic_; }

 private:
  Expected<R> takeResult(std::uint32_t state) {
    if ((state & detail::ReplyCore::kReady) != 0 && box_->value) return std::move(*box_->value);
    if (box_->responderError) return Unexpected(std::move(*box_->responderError));
    const ErrorCode& code = box_->error() != nullptr ? *box_->error() : errors::kStopped;
    return fail(code, fmt::format("request on topic '{}' failed: {}", topic_, code.title));
  }
  void reset() noexcept {
    if (box_ != nullptr) std::exchange(box_, nullptr)->release();
  }

  detail::ReplyBox<R>* box_ = nullptr;
  std::string topic_;
};

}  // namespace ait::bus
