#pragma once
// The compatibility server as the Python-client tests run it: behind a real HTTP endpoint, its
// feeds recording what the clients send.

#include <cstdlib>
#include <memory>

#include "ait/http/server.h"
#include "ait/mt5/compat.h"
#include "mocks/mt5/recording_feed.h"

namespace ait::mt5::test {

/// Whether /usr/bin/python3 can import websockets, the client these tests drive.
inline bool pythonWebsocketsInstalled() {
  return std::system("/usr/bin/python3 -c 'import websockets' 2>/dev/null") == 0;
}

/// A CompatServer feeding a Recorder, routed on an HTTP endpoint "data-bridge" on a free
/// loopback port; the test starts and stops `server`.
struct CompatOverHttp {
  explicit CompatOverHttp(const Mt5Config& config)
      : compat(config, recordingFeeds(recorder), SystemClock::instance(), registry),
        server({}, registry) {
    compat.addRoutes(server.addEndpoint({"data-bridge", "127.0.0.1", 0}));
  }

  metrics::Registry registry;
  std::shared_ptr<Recorder> recorder = std::make_shared<Recorder>();
  CompatServer compat;
  http::HttpServer server;
};

}  // namespace ait::mt5::test
