// The verified caller of a service request and its tenant: in process, from an identity token
// the installed verifier accepts, and never from a tenant the client names.

#include <gtest/gtest.h>

#include "ait/http/caller.h"
#include "ait/http/errors.h"

namespace ait::http {
namespace {

class CallerTenantTest : public ::testing::Test {
 protected:
  void SetUp() override {
    installCallerVerifier([](std::string_view token) -> Expected<Caller> {
      if (token == "signed-for-7") return Caller{7, 70, "trader"};
      return fail(kNoCaller, "bad signature");
    });
  }
  void TearDown() override { installCallerVerifier(nullptr); }
};

TEST_F(CallerTenantTest, AnswersTheTenantTheGatewaySetInProcess) {
  Request request;
  request.caller = Caller{3, 30, "viewer"};
  request.headers.emplace_back(std::string(kIdentityHeader), "signed-for-7");
  auto tenant = callerTenant(request);
  ASSERT_TRUE(tenant) << tenant.error().describe();
  EXPECT_EQ(tenant->value, 3U);  // the in-process caller wins over any header
}

TEST_F(CallerTenantTest, AnswersTheTenantOfAVerifiedIdentityToken) {
  Request request;
  request.headers.emplace_back(std::string(kIdentityHeader), "signed-for-7");
  auto tenant = callerTenant(request);
  ASSERT_TRUE(tenant) << tenant.error().describe();
  EXPECT_EQ(tenant->value, 7U);
}

TEST_F(CallerTenantTest, RefusesATenantNamedByTheClient) {
  Request request;
  request.headers.emplace_back("X-Tenant-Id", "7");
  auto tenant = callerTenant(request);
  ASSERT_FALSE(tenant);
  EXPECT_EQ(tenant.error().codeString(), kNoCaller.code);
  EXPECT_NE(tenant.error().message().find("X-Tenant-Id"), std::string::npos);
}

TEST_F(CallerTenantTest, RefusesAForgedIdentityTokenSayingWhy) {
  Request request;
  request.headers.emplace_back(std::string(kIdentityHeader), "signed-for-8");
  auto tenant = callerTenant(request);
  ASSERT_FALSE(tenant);
  EXPECT_EQ(tenant.error().codeString(), kNoCaller.code);
  EXPECT_NE(tenant.error().message().find("bad signature"), std::string::npos);
}

TEST_F(CallerTenantTest, RefusesEveryTokenWhenNoVerifierIsInstalled) {
  installCallerVerifier(nullptr);
  Request request;
  request.headers.emplace_back(std::string(kIdentityHeader), "signed-for-7");
  EXPECT_FALSE(callerTenant(request));
  EXPECT_FALSE(callerTenant(Request{}));
}

}  // namespace
}  // namespace ait::http
