#pragma once
// Waits for a condition that other threads make true (a source publishing, the engine indexing).

#include <chrono>
#include <thread>

namespace ait::data::test {

template <class Pred>
bool waitFor(Pred pred) {
  using namespace std::chrono_literals;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

}  // namespace ait::data::test
