#include "ait/resilience/circuit_breaker.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "ait/resilience/errors.h"
#include "logging.h"

namespace ait::resilience {

namespace {

constexpr std::uint64_t kAnyEpoch = std::numeric_limits<std::uint64_t>::max();
constexpr std::int64_t kNsPerMs = 1'000'000;

std::int64_t msToNs(std::int64_t ms) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max() / kNsPerMs;
  return std::clamp<std::int64_t>(ms, 0, kMax) * kNsPerMs;
}

CircuitBreakerConfig clamped(CircuitBreakerConfig c) {
  c.failure_rate_threshold_pct = std::clamp(c.failure_rate_threshold_pct, 1, 100);
  c.slow_call_rate_threshold_pct = std::clamp(c.slow_call_rate_threshold_pct, 1, 100);
  c.slow_call_duration_ms = std::max<std::int64_t>(c.slow_call_duration_ms, 0);
  c.window_size = std::max(c.window_size, 1);
  c.minimum_calls = std::clamp(c.minimum_calls, 1, c.window_size);
  c.open_duration_ms = std::max<std::int64_t>(c.open_duration_ms, 0);
  c.half_open_calls = std::max(c.half_open_calls, 1);
  return c;
}

double pct(int part, int whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

std::string_view toString(CircuitState state) noexcept {
  switch (state) {
    case CircuitState::Closed: return "closed";
    case CircuitState::Open: return "open";
    case CircuitState::HalfOpen: return "half_open";
  }
  return "closed";
}

std::vector<std::string> CircuitBreakerConfig::validate() const {
  std::vector<std::string> problems;
  const std::string_view section = "resilience.circuit_breaker";
  if (failure_rate_threshold_pct < 1 || failure_rate_threshold_pct > 100) {
    problems.push_back(fmt::format("{}.failure_rate_threshold_pct must be in 1..100 (got {})",
                                   section, failure_rate_threshold_pct));
  }
  if (slow_call_rate_threshold_pct < 1 || slow_call_rate_threshold_pct > 100) {
    problems.push_back(fmt::format("{}.slow_call_rate_threshold_pct must be in 1..100 (got {})",
                                   section, slow_call_rate_threshold_pct));
  }
  if (slow_call_duration_ms < 1) {
    problems.push_back(fmt::format("{}.slow_call_duration_ms must be at least 1 (got {})", section,
                                   slow_call_duration_ms));
  }
  if (window_size < 1) {
    problems.push_back(
        fmt::format("{}.window_size must be at least 1 (got {})", section, window_size));
  }
  if (minimum_calls < 1) {
    problems.push_back(
        fmt::format("{}.minimum_calls must be at least 1 (got {})", section, minimum_calls));
  } else if (window_size >= 1 && minimum_calls > window_size) {
    problems.push_back(fmt::format(
        "{}.minimum_calls ({}) must not exceed window_size ({}), else the breaker never opens",
        section, minimum_calls, window_size));
  }
  if (open_duration_ms < 1) {
    problems.push_back(fmt::format("{}.open_duration_ms must be at least 1 (got {})", section,
                                   open_duration_ms));
  }
  if (half_open_calls < 1) {
    problems.push_back(
        fmt::format("{}.half_open_calls must be at least 1 (got {})", section, half_open_calls));
  }
  return problems;
}

bool countsAsDependencyFailure(const Error& error) {
  if (error.codeString() == kBulkheadFull.code) return false;
  switch (error.category()) {
    case Category::Validation:
    case Category::Auth:
    case Category::Risk: return false;
    default: return true;
  }
}

CircuitBreaker::Permit& CircuitBreaker::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    release();
    breaker_ = std::exchange(other.breaker_, nullptr);
    epoch_ = other.epoch_;
    grantedAtNs_ = other.grantedAtNs_;
  }
  return *this;
}

void CircuitBreaker::Permit::onSuccess(std::chrono::nanoseconds duration) {
  if (auto* breaker = std::exchange(breaker_, nullptr)) breaker->settle(epoch_, false, duration);
}

void CircuitBreaker::Permit::onSuccess() {
  if (breaker_ == nullptr) return;
  onSuccess(std::chrono::nanoseconds(breaker_->clock_.monotonicNs() - grantedAtNs_));
}

void CircuitBreaker::Permit::onFailure(std::chrono::nanoseconds duration) {
  if (auto* breaker = std::exchange(breaker_, nullptr)) breaker->settle(epoch_, true, duration);
}

void CircuitBreaker::Permit::onFailure() {
  if (breaker_ == nullptr) return;
  onFailure(std::chrono::nanoseconds(breaker_->clock_.monotonicNs() - grantedAtNs_));
}

void CircuitBreaker::Permit::release() noexcept {
  if (auto* breaker = std::exchange(breaker_, nullptr)) breaker->releaseSlot(epoch_);
}

CircuitBreaker::CircuitBreaker(std::string name, CircuitBreakerConfig config, const Clock& clock,
                               metrics::Registry& metrics, ErrorRegistry& errors)
    : name_(std::move(name)),
      config_(clamped(config)),
      clock_(clock),
      errors_(errors),
      slowCallNs_(msToNs(config_.slow_call_duration_ms)),
      openDurationNs_(msToNs(config_.open_duration_ms)),
      window_(static_cast<std::size_t>(config_.window_size)),
      stateGauge_(metrics.gauge("ait_circuit_breaker_state",
                                "Circuit breaker state per dependency: 0 closed, 1 open, "
                                "2 half-open.",
                                {{"name", name_}})),
      successCalls_(metrics.counter("ait_circuit_breaker_calls_total",
                                    "Calls seen by the circuit breaker, by result: success, slow "
                                    "(a success slower than slow_call_duration_ms), failure, "
                                    "rejected.",
                                    {{"name", name_}, {"result", "success"}})),
      failureCalls_(metrics.counter("ait_circuit_breaker_calls_total", "",
                                    {{"name", name_}, {"result", "failure"}})),
      slowCalls_(metrics.counter("ait_circuit_breaker_calls_total", "",
                                 {{"name", name_}, {"result", "slow"}})),
      rejectedCalls_(metrics.counter("ait_circuit_breaker_calls_total", "",
                                     {{"name", name_}, {"result", "rejected"}})),
      toClosed_(metrics.counter("ait_circuit_breaker_transitions_total",
                                "Circuit breaker state changes, by the state entered.",
                                {{"name", name_}, {"to", "closed"}})),
      toOpen_(metrics.counter("ait_circuit_breaker_transitions_total", "",
                              {{"name", name_}, {"to", "open"}})),
      toHalfOpen_(metrics.counter("ait_circuit_breaker_transitions_total", "",
                                  {{"name", name_}, {"to", "half_open"}})) {
  stateGauge_.set(0.0);
}

bool CircuitBreaker::tryAcquire() {
  std::uint64_t epoch = 0;
  Transition transition;
  bool granted = false;
  {
    std::lock_guard lock(mutex_);
    granted = acquireLocked(epoch, transition);
  }
  announce(transition);
  return granted;
}

CircuitBreaker::Permit CircuitBreaker::acquire() {
  std::uint64_t epoch = 0;
  Transition transition;
  bool granted = false;
  {
    std::lock_guard lock(mutex_);
    granted = acquireLocked(epoch, transition);
  }
  announce(transition);
  if (!granted) return Permit();
  return Permit(this, epoch, clock_.monotonicNs());
}

void CircuitBreaker::onSuccess(std::chrono::nanoseconds duration) {
  settle(kAnyEpoch, false, duration);
}

void CircuitBreaker::onFailure(std::chrono::nanoseconds duration) {
  settle(kAnyEpoch, true, duration);
}

void CircuitBreaker::onIgnored() { releaseSlot(kAnyEpoch); }

bool CircuitBreaker::acquireLocked(std::uint64_t& epoch, Transition& transition) {
  maybeHalfOpenLocked(transition);
  epoch = epoch_;
  switch (state_) {
    case CircuitState::Closed: return true;
    case CircuitState::Open: break;
    case CircuitState::HalfOpen:
      if (trialIssued_ < config_.half_open_calls) {
        ++trialIssued_;
        return true;
      }
      break;
  }
  rejectedCalls_.inc();
  return false;
}

void CircuitBreaker::settle(std::uint64_t epoch, bool failure, std::chrono::nanoseconds duration) {
  const bool slow = duration.count() > slowCallNs_;
  (failure ? failureCalls_ : slow ? slowCalls_ : successCalls_).inc();
  Transition transition;
  {
    std::lock_guard lock(mutex_);
    // A call that began before the latest transition says nothing about the current state.
    if (epoch != kAnyEpoch && epoch != epoch_) return;
    switch (state_) {
      case CircuitState::Closed: {
        auto& slot = window_[windowNext_];
        if (windowCalls_ == config_.window_size) {
          windowFailures_ -= slot.failure ? 1 : 0;
          windowSlow_ -= slot.slow ? 1 : 0;
        } else {
          ++windowCalls_;
        }
        slot = Outcome{failure, slow};
        windowFailures_ += failure ? 1 : 0;
        windowSlow_ += slow ? 1 : 0;
        windowNext_ = (windowNext_ + 1) % window_.size();
        if (windowCalls_ >= config_.minimum_calls &&
            thresholdsReached(windowCalls_, windowFailures_, windowSlow_)) {
          transitionLocked(CircuitState::Open,
                           ratesText(windowCalls_, windowFailures_, windowSlow_), transition);
        }
        break;
      }
      case CircuitState::Open: break;
      case CircuitState::HalfOpen:
        ++trialDone_;
        trialFailures_ += failure ? 1 : 0;
        trialSlow_ += slow ? 1 : 0;
        if (trialDone_ >= config_.half_open_calls) {
          auto rates = ratesText(trialDone_, trialFailures_, trialSlow_);
          if (thresholdsReached(trialDone_, trialFailures_, trialSlow_)) {
            transitionLocked(CircuitState::Open, std::move(rates), transition);
          } else {
            transitionLocked(CircuitState::Closed, std::move(rates), transition);
          }
        }
        break;
    }
  }
  announce(transition);
}

void CircuitBreaker::releaseSlot(std::uint64_t epoch) noexcept {
  std::lock_guard lock(mutex_);
  if (epoch != kAnyEpoch && epoch != epoch_) return;
  if (state_ == CircuitState::HalfOpen && trialIssued_ > trialDone_) --trialIssued_;
}

void CircuitBreaker::maybeHalfOpenLocked(Transition& transition) {
  if (state_ != CircuitState::Open) return;
  if (clock_.monotonicNs() - openedAtNs_ < openDurationNs_) return;
  transitionLocked(CircuitState::HalfOpen,
                   fmt::format("open for {} ms, letting {} trial calls through",
                               config_.open_duration_ms, config_.half_open_calls),
                   transition);
}

void CircuitBreaker::transitionLocked(CircuitState to, std::string reason,
                                      Transition& transition) {
  transition.from = state_;
  transition.to = to;
  transition.reason = std::move(reason);
  transition.happened = true;
  state_ = to;
  ++epoch_;
  trialIssued_ = trialDone_ = trialFailures_ = trialSlow_ = 0;
  switch (to) {
    case CircuitState::Closed:
      clearWindowLocked();
      toClosed_.inc();
      break;
    case CircuitState::Open:
      openedAtNs_ = clock_.monotonicNs();
      toOpen_.inc();
      break;
    case CircuitState::HalfOpen: toHalfOpen_.inc(); break;
  }
  stateGauge_.set(static_cast<double>(static_cast<int>(to)));
}

void CircuitBreaker::clearWindowLocked() {
  std::fill(window_.begin(), window_.end(), Outcome{false, false});
  windowNext_ = 0;
  windowCalls_ = windowFailures_ = windowSlow_ = 0;
}

bool CircuitBreaker::thresholdsReached(int calls, int failures, int slow) const noexcept {
  if (calls <= 0) return false;
  // Integer cross-multiplication: 5 of 10 failing is exactly 50%, with no rounding.
  return failures * 100 >= config_.failure_rate_threshold_pct * calls ||
         slow * 100 >= config_.slow_call_rate_threshold_pct * calls;
}

std::string CircuitBreaker::ratesText(int calls, int failures, int slow) const {
  return fmt::format(
      "failure rate {:.0f}% (threshold {}%), slow-call rate {:.0f}% (threshold {}%) over {} calls",
      pct(failures, calls), config_.failure_rate_threshold_pct, pct(slow, calls),
      config_.slow_call_rate_threshold_pct, calls);
}

void CircuitBreaker::announce(const Transition& transition) {
  if (!transition.happened) return;
  auto log = detail::logger();
  const auto from = toString(transition.from);
  const auto to = toString(transition.to);
  switch (transition.to) {
    case CircuitState::Open:
      log->warn("circuit breaker {}: {} -> {}: {}", name_, from, to, transition.reason);
      break;
    case CircuitState::HalfOpen:
    case CircuitState::Closed:
      log->info("circuit breaker {}: {} -> {}: {}", name_, from, to, transition.reason);
      break;
  }
  // Each opening is an ErrorDNA occurrence; the half-open trial that follows tells whether the
  // recovery (keeping the circuit open so the dependency could heal) worked.
  if (transition.forced) return;
  std::lock_guard lock(reportMutex_);
  if (transition.from == CircuitState::HalfOpen && !openFingerprint_.empty()) {
    errors_.recordRecovery(openFingerprint_, Recovery::CircuitOpen,
                           transition.to == CircuitState::Closed);
  }
  if (transition.to == CircuitState::Open) {
    openFingerprint_ = errors_.record(
        Error(kCircuitOpen, fmt::format("circuit open for {} ({})", name_, transition.reason)));
  }
}

Error CircuitBreaker::rejection() const {
  CircuitState state = CircuitState::Open;
  {
    std::lock_guard lock(mutex_);
    state = state_;
  }
  if (state == CircuitState::HalfOpen) {
    return Error(kCircuitOpen,
                 fmt::format("circuit open for {} (half-open, trial calls in flight)", name_));
  }
  return Error(kCircuitOpen, fmt::format("circuit open for {}", name_));
}

CircuitState CircuitBreaker::state() {
  Transition transition;
  CircuitState state = CircuitState::Closed;
  {
    std::lock_guard lock(mutex_);
    maybeHalfOpenLocked(transition);
    state = state_;
  }
  announce(transition);
  return state;
}

CircuitBreakerSnapshot CircuitBreaker::snapshot() {
  Transition transition;
  CircuitBreakerSnapshot snap;
  {
    std::lock_guard lock(mutex_);
    maybeHalfOpenLocked(transition);
    snap.state = state_;
    if (state_ == CircuitState::HalfOpen) {
      snap.windowCalls = trialDone_;
      snap.windowFailures = trialFailures_;
      snap.windowSlowCalls = trialSlow_;
    } else {
      snap.windowCalls = windowCalls_;
      snap.windowFailures = windowFailures_;
      snap.windowSlowCalls = windowSlow_;
    }
  }
  announce(transition);
  snap.failureRatePct = pct(snap.windowFailures, snap.windowCalls);
  snap.slowCallRatePct = pct(snap.windowSlowCalls, snap.windowCalls);
  return snap;
}

void CircuitBreaker::forceOpen() {
  Transition transition;
  {
    std::lock_guard lock(mutex_);
    transitionLocked(CircuitState::Open, "forced open", transition);
    transition.forced = true;
  }
  announce(transition);
}

void CircuitBreaker::reset() {
  Transition transition;
  {
    std::lock_guard lock(mutex_);
    if (state_ == CircuitState::Closed) {
      clearWindowLocked();
    } else {
      transitionLocked(CircuitState::Closed, "reset", transition);
      transition.forced = true;
    }
  }
  announce(transition);
}

}  // namespace ait::resilience
