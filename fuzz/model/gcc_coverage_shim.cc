// Lets GCC-built fuzz targets drive libFuzzer. GCC's -fsanitize-coverage=trace-pc calls
// __sanitizer_cov_trace_pc() in every basic block, which current libFuzzer no longer handles; this
// shim turns each call into a hit on an inline 8-bit counter chosen by hashing the caller's
// address, the counter kind libFuzzer reads for coverage. (The build links a copy of libFuzzer
// whose own __sanitizer_cov_trace_pc is made weak.) Comparisons still reach libFuzzer directly
// through -fsanitize-coverage=trace-cmp.

#include <cstddef>
#include <cstdint>

extern "C" void __sanitizer_cov_8bit_counters_init(std::uint8_t* begin, std::uint8_t* end);

namespace {

constexpr std::size_t kCounters = 1 << 16;
alignas(64) std::uint8_t counters[kCounters];

struct Registration {
  Registration() { __sanitizer_cov_8bit_counters_init(counters, counters + kCounters); }
} registration;

}  // namespace

extern "C" __attribute__((no_sanitize("address", "undefined"))) void __sanitizer_cov_trace_pc() {
  auto pc = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  std::uint64_t hash = (pc ^ (pc >> 17)) * 0x9E3779B97F4A7C15ULL;
  ++counters[hash >> 48];
}

// GCC's trace-cmp also reports floating-point comparisons, which libFuzzer has no hook for.
extern "C" void __sanitizer_cov_trace_cmpf(float, float) {}
extern "C" void __sanitizer_cov_trace_cmpd(double, double) {}
