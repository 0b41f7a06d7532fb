#include "connection.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

#include "ait/nats/errors.h"
#include "ait/nats/subject.h"

namespace ait::nats::detail {

std::string describeStatus(std::string_view what, natsStatus status, jsErrCode jsError) {
  const char* last = nats_GetLastError(nullptr);
  std::string text = fmt::format("{}: {}", what, natsStatus_GetText(status));
  if (jsError != 0) text += fmt::format(" (JetStream error {})", static_cast<int>(jsError));
  if (last != nullptr && *last != '\0' && std::string_view(last) != natsStatus_GetText(status)) {
    text += fmt::format(" ({})", last);
  }
  return text;
}

Expected<std::unique_ptr<Connection>> Connection::open(const NatsConfig& config,
                                                       metrics::Counter& reconnects,
                                                       std::atomic<std::uint64_t>& reconnectCount) {
  std::unique_ptr<Connection> conn(new Connection());
  conn->reconnects_ = &reconnects;
  conn->reconnectCount_ = &reconnectCount;
  std::vector<const char*> servers;
  servers.reserve(config.urls.size());
  for (const auto& url : config.urls) servers.push_back(url.c_str());
  natsStatus s = natsOptions_Create(&conn->opts_);
  if (s == NATS_OK) s = natsOptions_SetServers(conn->opts_, servers.data(), static_cast<int>(servers.size()));
  if (s == NATS_OK) s = natsOptions_SetNoRandomize(conn->opts_, true);
  if (s == NATS_OK) s = natsOptions_SetTimeout(conn->opts_, config.connect_timeout_ms);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(conn->opts_, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(conn->opts_, config.reconnect_wait_ms);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(conn->opts_, &Connection::onReconnected, conn.get());
  if (s == NATS_OK) s = natsOptions_SetClosedCB(conn->opts_, &Connection::onClosed, conn.get());
  if (s != NATS_OK) return fail(errors::kConnect, describeStatus("cannot set NATS client options", s));
  s = natsConnection_Connect(&conn->nc_, conn->opts_);
  if (s != NATS_OK) {
    return fail(errors::kConnect,
                describeStatus(fmt::format("cannot connect to {}", fmt::join(config.urls, ", ")), s));
  }
  s = natsConnection_JetStream(&conn->js_, conn->nc_, nullptr);
  if (s != NATS_OK) return fail(errors::kConnect, describeStatus("cannot open a JetStream context", s));
  return conn;
}

Connection::~Connection() {
  if (js_ != nullptr) jsCtx_Destroy(js_);
  if (nc_ != nullptr) {
    natsConnection_Close(nc_);
    // A reconnected callback queued before the close would otherwise run on libnats's thread
    // after this object is freed (seen as heap corruption after a server restart). Callbacks
    // run in order, so once the closed one has, none is left.
    std::unique_lock lock(closedMutex_);
    closedCv_.wait_for(lock, std::chrono::seconds(5), [this] { return closed_; });
    lock.unlock();
    natsConnection_Destroy(nc_);
  }
  if (opts_ != nullptr) natsOptions_Destroy(opts_);
}

void Connection::onReconnected(natsConnection* /*nc*/, void* closure) {
  auto* self = static_cast<Connection*>(closure);
  self->reconnects_->inc();
  self->reconnectCount_->fetch_add(1, std::memory_order_relaxed);
}

void Connection::onClosed(natsConnection* /*nc*/, void* closure) {
  auto* self = static_cast<Connection*>(closure);
  std::lock_guard lock(self->closedMutex_);
  self->closed_ = true;
  self->closedCv_.notify_all();
}

bool Connection::connected() const {
  return nc_ != nullptr && natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED;
}

Expected<void> Connection::ensureStream(const NatsConfig& config) {
  const std::string name = streamName(config.stream_prefix);
  const char* subjects[] = {"ait.>"};
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = name.c_str();
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Duplicates = config.duplicate_window_ms * 1'000'000;
  cfg.MaxAge = config.max_age_ms * 1'000'000;
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&info, js_, &cfg, nullptr, &jerr);
  if (s != NATS_OK && jerr == JSStreamNameExistErr) {
    jerr = static_cast<jsErrCode>(0);
    s = js_UpdateStream(&info, js_, &cfg, nullptr, &jerr);
  }
  if (info != nullptr) jsStreamInfo_Destroy(info);
  if (s != NATS_OK) {
    return fail(errors::kStream, describeStatus(fmt::format("cannot create stream {}", name), s, jerr));
  }
  return {};
}

}  // namespace ait::nats::detail
