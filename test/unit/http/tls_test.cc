// TLS on an endpoint: HTTPS and WSS with a throwaway certificate made here with OpenSSL, the
// protocol and cipher floor, plain HTTP on the TLS port, and start-up errors naming the file.

#include <unistd.h>

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <gtest/gtest.h>

#include "ait/http/errors.h"
#include "ait/http/server.h"
#include "unit/http/test_client.h"

namespace ait::http {
namespace {

using namespace std::chrono_literals;
namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

// A P-256 key and a self-signed certificate for 127.0.0.1, written as PEM files.
struct TestCertificate {
  std::filesystem::path cert;
  std::filesystem::path key;
};

TestCertificate makeCertificate(const std::filesystem::path& dir, const std::string& name) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  if (!pkey) throw std::runtime_error("EVP_EC_gen failed");
  std::unique_ptr<X509, decltype(&X509_free)> x509(X509_new(), &X509_free);
  X509_set_version(x509.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x509.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(x509.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(x509.get()), 3600);
  X509_set_pubkey(x509.get(), pkey.get());
  auto* subject = X509_get_subject_name(x509.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(x509.get(), subject);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, x509.get(), x509.get(), nullptr, nullptr, 0);
  if (auto* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "IP:127.0.0.1")) {
    X509_add_ext(x509.get(), san, -1);
    X509_EXTENSION_free(san);
  }
  if (X509_sign(x509.get(), pkey.get(), EVP_sha256()) == 0) throw std::runtime_error("sign");
  TestCertificate out{dir / (name + ".crt"), dir / (name + ".key")};
  std::FILE* certFile = std::fopen(out.cert.c_str(), "w");
  PEM_write_X509(certFile, x509.get());
  std::fclose(certFile);
  std::FILE* keyFile = std::fopen(out.key.c_str(), "w");
  PEM_write_PrivateKey(keyFile, pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(keyFile);
  return out;
}

// A client that verifies the server against `trusted`; each operation gives up after 5 s.
class TlsClient {
 public:
  TlsClient(std::uint16_t port, const std::filesystem::path& trusted,
            const std::function<void(SSL_CTX*)>& tune = {}) {
    context_.load_verify_file(trusted.string());
    context_.set_verify_mode(ssl::verify_peer);
    if (tune) tune(context_.native_handle());
    stream_.emplace(ioc_, context_);
    beast::error_code ec;
    stream_->next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    if (ec) {
      error_ = ec;
      return;
    }
    run([&](auto done) { stream_->async_handshake(ssl::stream_base::client, done); });
  }

  bool ok() const { return !error_; }
  beast::error_code error() const { return error_; }
  SSL* native() { return stream_->native_handle(); }

  std::optional<bhttp::response<bhttp::string_body>> get(const std::string& target) {
    bhttp::request<bhttp::string_body> request{bhttp::verb::get, target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    bool sent = run([&](auto done) {
      bhttp::async_write(*stream_, request,
                         [done](beast::error_code ec, std::size_t) { done(ec); });
    });
    if (!sent) return std::nullopt;
    bhttp::response<bhttp::string_body> response;
    bool read = run([&](auto done) {
      bhttp::async_read(*stream_, buffer_, response,
                        [done](beast::error_code ec, std::size_t) { done(ec); });
    });
    if (!read) return std::nullopt;
    return response;
  }

 private:
  template <class Start>
  bool run(Start start) {
    bool finished = false;
    beast::error_code result;
    start([&](beast::error_code ec) {
      finished = true;
      result = ec;
    });
    ioc_.restart();
    ioc_.run_for(5s);
    if (!finished) {
      beast::error_code ignored;
      stream_->next_layer().cancel(ignored);
      ioc_.restart();
      ioc_.run();
      result = net::error::timed_out;
    }
    error_ = result;
    return !result;
  }

  net::io_context ioc_;
  ssl::context context_{ssl::context::tls_client};
  std::optional<ssl::stream<tcp::socket>> stream_;
  beast::flat_buffer buffer_;
  beast::error_code error_;
};

class EchoSession : public WebSocketSession {
 public:
  void onText(std::string_view message) override { send("echo:" + std::string(message)); }
};

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ait-tls-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    good_ = makeCertificate(dir_, "server");
  }
  void TearDown() override {
    if (server_) server_->stop();
    std::filesystem::remove_all(dir_);
  }

  Expected<void> start(TlsFiles files) {
    HttpServerConfig config;
    config.lingerTimeout = 100ms;
    server_ = std::make_unique<HttpServer>(config, registry_);
    auto& router = server_->addEndpoint({"secure", "127.0.0.1", 0}, std::move(files));
    router.get("/hello", [](const Request& request) {
      return Response::text(200, "hello over " + std::to_string(request.localPort));
    });
    router.addWebSocket("/ws", [](const Request&) -> WebSocketAccept {
      return std::make_shared<EchoSession>();
    });
    server_->addEndpoint({"plain", "127.0.0.1", 0}).get("/hello", [](const Request&) {
      return Response::text(200, "plain hello");
    });
    return server_->start();
  }
  void startGood() {
    auto started = start({good_.cert.string(), good_.key.string()});
    ASSERT_TRUE(started) << started.error().describe();
    port_ = server_->port("secure");
  }

  std::filesystem::path dir_;
  TestCertificate good_;
  metrics::Registry registry_;
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
};

TEST_F(TlsTest, ServesHttpsWithTheConfiguredCertificate) {
  startGood();
  TlsClient client(port_, good_.cert);
  ASSERT_TRUE(client.ok()) << client.error().message();
  auto response = client.get("/hello");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "hello over " + std::to_string(port_));
  // Keep-alive works over TLS: a second request on the same connection.
  auto again = client.get("/hello");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->result_int(), 200);
  EXPECT_GE(SSL_version(client.native()), TLS1_2_VERSION);
}

TEST_F(TlsTest, AClientThatDoesNotTrustTheCertificateFailsTheHandshake) {
  startGood();
  auto other = makeCertificate(dir_, "other");
  TlsClient client(port_, other.cert);
  EXPECT_FALSE(client.ok());
}

TEST_F(TlsTest, RefusesProtocolsBelowTls12) {
  startGood();
  TlsClient client(port_, good_.cert, [](SSL_CTX* ctx) {
    SSL_CTX_set_security_level(ctx, 0);  // so that the refusal is the server's, not the client's
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
    SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
  });
  EXPECT_FALSE(client.ok());
}

TEST_F(TlsTest, RefusesTls12CiphersWithoutForwardSecrecyOrAead) {
  startGood();
  // OpenSSL's defaults would accept this CBC/SHA-1 suite; the server's policy does not.
  TlsClient weak(port_, good_.cert, [](SSL_CTX* ctx) {
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-SHA");
  });
  EXPECT_FALSE(weak.ok());
  TlsClient strong(port_, good_.cert, [](SSL_CTX* ctx) {
    SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256");
  });
  ASSERT_TRUE(strong.ok()) << strong.error().message();
  EXPECT_EQ(SSL_version(strong.native()), TLS1_2_VERSION);
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortGetsAReadable400AndTheServerCarriesOn) {
  startGood();
  testing::TestClient plain(port_);
  auto response = plain.request("GET", "/hello");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_NE(response->body.find(kPlainHttpOnTls.code), std::string::npos) << response->body;
  EXPECT_NE(response->body.find("https://"), std::string::npos);
  EXPECT_TRUE(plain.waitClosed(2s));

  TlsClient client(port_, good_.cert);
  ASSERT_TRUE(client.ok()) << client.error().message();
  EXPECT_EQ(client.get("/hello")->result_int(), 200);
  // The plain endpoint beside it is untouched.
  testing::TestClient other(server_->port("plain"));
  auto plainHello = other.request("GET", "/hello");
  ASSERT_TRUE(plainHello);
  EXPECT_EQ(plainHello->body, "plain hello");
}

TEST_F(TlsTest, GarbageInsteadOfAHandshakeIsDropped) {
  startGood();
  testing::TestClient junk(port_);
  ASSERT_TRUE(junk.send(std::string("\x16\x03\x01\x00\x05garbagegarbage", 19)));
  EXPECT_TRUE(junk.waitClosed(3s));
  TlsClient client(port_, good_.cert);
  EXPECT_TRUE(client.ok()) << client.error().message();
}

TEST_F(TlsTest, WebSocketsWorkOverTls) {
  startGood();
  net::io_context ioc;
  ssl::context context(ssl::context::tls_client);
  context.load_verify_file(good_.cert.string());
  context.set_verify_mode(ssl::verify_peer);
  websocket::stream<ssl::stream<tcp::socket>> ws(ioc, context);
  ws.next_layer().next_layer().connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
  ws.next_layer().handshake(ssl::stream_base::client);
  ws.handshake("127.0.0.1", "/ws");
  ws.write(net::buffer(std::string("ping")));
  beast::flat_buffer buffer;
  ws.read(buffer);
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "echo:ping");
  ws.close(websocket::close_code::normal);
}

TEST_F(TlsTest, AMissingCertificateFileFailsStartUpNamingTheFile) {
  auto missing = dir_ / "nope.crt";
  auto started = start({missing.string(), good_.key.string()});
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().codeString(), kTlsSetup.code);
  EXPECT_NE(started.error().message().find(missing.string()), std::string::npos)
      << started.error().message();
  EXPECT_NE(started.error().message().find("No such file"), std::string::npos);
  EXPECT_FALSE(server_->running());
}

TEST_F(TlsTest, AnUnreadableOrMalformedFileFailsStartUpNamingIt) {
  auto garbage = dir_ / "garbage.pem";
  std::ofstream(garbage) << "not a certificate\n";
  auto started = start({garbage.string(), good_.key.string()});
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().codeString(), kTlsSetup.code);
  EXPECT_NE(started.error().message().find("'" + garbage.string() + "' is not a PEM certificate"),
            std::string::npos)
      << started.error().message();

  auto notKey = start({good_.cert.string(), good_.cert.string()});
  ASSERT_FALSE(notKey);
  EXPECT_NE(notKey.error().message().find("'" + good_.cert.string() +
                                          "' is not an unencrypted PEM private key"),
            std::string::npos)
      << notKey.error().message();

  auto noKey = start({good_.cert.string(), ""});
  ASSERT_FALSE(noKey);
  EXPECT_NE(noKey.error().message().find("needs a private key"), std::string::npos);
}

TEST_F(TlsTest, AKeyOfAnotherCertificateFailsStartUpNamingBothFiles) {
  auto other = makeCertificate(dir_, "other");
  auto started = start({good_.cert.string(), other.key.string()});
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().codeString(), kTlsSetup.code);
  const auto& message = started.error().message();
  EXPECT_NE(message.find("does not match"), std::string::npos) << message;
  EXPECT_NE(message.find(other.key.string()), std::string::npos) << message;
  EXPECT_NE(message.find(good_.cert.string()), std::string::npos) << message;
}

TEST_F(TlsTest, CountsPlainHttpRefusals) {
  startGood();
  for (int i = 0; i < 2; ++i) {
    testing::TestClient plain(port_);
    ASSERT_TRUE(plain.request("GET", "/hello"));
  }
  auto& refused = registry_.counter(
      "ait_http_rejected_total", "",
      {{"port", std::to_string(port_)}, {"reason", "plain_http_on_tls"}});
  EXPECT_EQ(refused.value(), 2U);
}

}  // namespace
}  // namespace ait::http
