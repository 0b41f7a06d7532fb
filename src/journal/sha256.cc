#include "journal/sha256.h"

#include <cstdlib>

#include <openssl/evp.h>

namespace ait::journal::detail {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()), md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)) {
  // Without a digest the hash chain cannot exist at all: an impossible state for this build.
  if (ctx_ == nullptr || md_ == nullptr) std::abort();
  reset();
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_);
  EVP_MD_free(md_);
}

void Sha256::reset() noexcept { EVP_DigestInit_ex2(ctx_, md_, nullptr); }

void Sha256::update(std::span<const std::byte> data) noexcept {
  EVP_DigestUpdate(ctx_, data.data(), data.size());
}

Hash Sha256::finish() noexcept {
  Hash out{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_, out.data(), &len);
  return out;
}

Hash Sha256::recordHash(std::span<const std::byte> record) noexcept {
  reset();
  update(record.subspan(8));
  return finish();
}

}  // namespace ait::journal::detail
