#pragma once
// A reusable SHA-256 context over OpenSSL EVP; the digest is fetched once so that hashing one
// record costs no allocation.

#include <cstddef>
#include <span>

#include "ait/journal/format.h"

struct evp_md_ctx_st;
struct evp_md_st;

namespace ait::journal::detail {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void reset() noexcept;
  void update(std::span<const std::byte> data) noexcept;
  Hash finish() noexcept;

  /// Returns the hash of one encoded record: SHA-256 of its bytes from offset 8 (sequence) to the
  /// end. The length field is committed by the hashed message's own length.
  Hash recordHash(std::span<const std::byte> record) noexcept;

 private:
  evp_md_ctx_st* ctx_;
  evp_md_st* md_;
};

}  // namespace ait::journal::detail
