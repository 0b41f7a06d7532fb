// The only file with Asio: accepting EA connections, reading lines, writing, heartbeats.

// Asio needs <utility> first with g++ 12 (std::exchange).
#include <utility>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include <boost/asio.hpp>
#include <fmt/format.h>

#include "ait/log/log.h"
#include "ait/mt5/errors.h"
#include "ait/mt5/line_reader.h"
#include "ait/mt5/native.h"

namespace ait::mt5 {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

class Connection final : public std::enable_shared_from_this<Connection>,
                         public NativeLink::Output {
 public:
  // Arrival times and timer ticks are read from the server's clock, the one the link and the
  // feeds compare them with.
  Connection(tcp::socket socket, NativeCore& core, const Clock& clock,
             std::set<std::shared_ptr<Connection>>& all)
      : socket_(std::move(socket)),
        clock_(clock),
        reader_(core.config().max_line_bytes),
        link_(core, *this),
        timer_(socket_.get_executor()),
        all_(all),
        // At most 100 ms: the timer also releases the feed's held quotes and reports quiet
        // symbols (link_.onTimer hands the clock to the feed), which should not wait longer.
        tick_(std::chrono::milliseconds(std::clamp<std::int64_t>(
            std::min(core.config().heartbeat_interval_ms, core.config().silence_timeout_ms) / 5,
            1, 100))) {}

  void start() {
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    read();
    arm();
  }

  void write(std::string_view line) override {
    pending_.append(line);
    if (!writing_) startWrite();
  }

  void close(std::string_view) override {
    closeAfterWrite_ = true;
    // Never inside the link's own call: it may still touch its session after asking to close.
    if (!writing_) {
      asio::post(socket_.get_executor(), [self = shared_from_this()] {
        if (!self->writing_) self->shutdown();
      });
    }
  }

  void shutdown() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    timer_.cancel();
    link_.onDisconnect();
    all_.erase(shared_from_this());
  }

  NativeLink& link() noexcept { return link_; }

 private:
  void read() {
    auto space = reader_.prepare();
    socket_.async_read_some(asio::buffer(space.data(), space.size()),
                            [self = shared_from_this()](boost::system::error_code ec,
                                                        std::size_t n) { self->onRead(ec, n); });
  }

  void onRead(boost::system::error_code ec, std::size_t n) {
    if (closed_) return;
    if (ec) {
      shutdown();
      return;
    }
    std::int64_t received = clock_.monotonicNs();
    reader_.commit(n);
    std::string_view line;
    while (!closed_ && !closeAfterWrite_) {
      auto status = reader_.next(line);
      if (status == LineReader::Status::NeedMore) break;
      if (status == LineReader::Status::TooLong) {
        link_.onTooLong();
      } else {
        link_.onLine(line, received);
      }
    }
    if (!closed_ && !closeAfterWrite_) read();
  }

  void startWrite() {
    if (pending_.empty() || closed_) {
      if (closeAfterWrite_) shutdown();
      return;
    }
    writing_ = true;
    sending_.swap(pending_);
    pending_.clear();
    asio::async_write(socket_, asio::buffer(sending_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->writing_ = false;
                        self->sending_.clear();
                        if (ec) {
                          self->shutdown();
                          return;
                        }
                        self->startWrite();
                      });
  }

  void arm() {
    timer_.expires_after(tick_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed_) return;
      self->link_.onTimer(self->clock_.monotonicNs());
      if (!self->closed_) self->arm();
    });
  }

  tcp::socket socket_;
  const Clock& clock_;
  LineReader reader_;
  NativeLink link_;
  asio::steady_timer timer_;
  std::set<std::shared_ptr<Connection>>& all_;
  std::chrono::milliseconds tick_;
  std::string pending_;
  std::string sending_;
  bool writing_ = false;
  bool closeAfterWrite_ = false;
  bool closed_ = false;
};

}  // namespace

struct NativeServer::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::set<std::shared_ptr<Connection>> connections;  // I/O thread only
  std::thread thread;
  std::uint16_t port = 0;

  void accept(NativeCore& core, const Clock& clock) {
    acceptor.async_accept([this, &core, &clock](boost::system::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      } else {
        auto connection =
            std::make_shared<Connection>(std::move(socket), core, clock, connections);
        connections.insert(connection);
        connection->start();
      }
      accept(core, clock);
    });
  }
};

NativeServer::NativeServer(const Mt5Config& config, FeedFactory feeds, Clock& clock,
                           metrics::Registry& registry)
    : clock_(clock), core_(config, std::move(feeds), clock, registry) {}

NativeServer::~NativeServer() { stop(); }

Expected<void> NativeServer::start() {
  if (impl_) return {};
  auto impl = std::make_unique<Impl>();
  const auto& config = core_.config();
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config.native_host, ec);
  if (ec) {
    return fail(errors::kListen, fmt::format("mt5 native host '{}' is not an IP address: {}",
                                             config.native_host, ec.message()));
  }
  tcp::endpoint endpoint(address, config.native_port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail(errors::kListen, fmt::format("cannot listen on {}:{} for MT5 Expert Advisors: {}",
                                             config.native_host, config.native_port, ec.message()));
  }
  impl->port = impl->acceptor.local_endpoint().port();
  impl->accept(core_, clock_);
  core_.setPoster(
      [io = &impl->io](std::function<void()> task) { asio::post(*io, std::move(task)); });
  impl->thread = std::thread([io = &impl->io] {
    auto guard = asio::make_work_guard(*io);
    io->run();
  });
  impl_ = std::move(impl);
  log::info(*log::logger("mt5"), "mt5 native server listening",
            {{"address", fmt::format("{}:{}", config.native_host, impl_->port)}});
  return {};
}

void NativeServer::stop() noexcept {
  if (!impl_) return;
  core_.setPoster(nullptr);
  asio::post(impl_->io, [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
    auto all = impl->connections;
    for (const auto& connection : all) connection->shutdown();
    impl->io.stop();
  });
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_.reset();
}

std::uint16_t NativeServer::port() const noexcept { return impl_ ? impl_->port : 0; }

}  // namespace ait::mt5
