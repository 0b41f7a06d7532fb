#pragma once
// Error codes of authentication and authorization (AIT-AUTH-*). Token errors are deliberately
// specific in logs and metrics; what a client is told is only "unauthorized".

#include "ait/core/error.h"

namespace ait::auth::errors {

inline constexpr ErrorCode kTokenMalformed{"AIT-AUTH-0001", Category::Auth, Severity::Low,
                                           "the token is not a well-formed JWT"};
inline constexpr ErrorCode kAlgorithmRefused{"AIT-AUTH-0002", Category::Auth, Severity::High,
                                             "the token's alg is not the one its key allows"};
inline constexpr ErrorCode kUnknownKey{"AIT-AUTH-0003", Category::Auth, Severity::Medium,
                                       "the token names a key id that is not in the key table"};
inline constexpr ErrorCode kBadSignature{"AIT-AUTH-0004", Category::Auth, Severity::High,
                                         "the token's signature does not verify"};
inline constexpr ErrorCode kExpired{"AIT-AUTH-0005", Category::Auth, Severity::Low,
                                    "the token has expired"};
inline constexpr ErrorCode kClaimRefused{"AIT-AUTH-0006", Category::Auth, Severity::Medium,
                                         "a required claim is missing or has the wrong value"};
inline constexpr ErrorCode kWrongTokenKind{"AIT-AUTH-0007", Category::Auth, Severity::High,
                                           "a token of one kind was presented as another"};
inline constexpr ErrorCode kWeakSecret{"AIT-AUTH-0008", Category::Config, Severity::Critical,
                                       "the token signing secret is missing, short or a default"};
inline constexpr ErrorCode kBadCredentials{"AIT-AUTH-0009", Category::Auth, Severity::Low,
                                           "unknown user, wrong password or disabled account"};
inline constexpr ErrorCode kMfaRequired{"AIT-AUTH-0010", Category::Auth, Severity::Low,
                                        "this account needs a valid TOTP code"};
inline constexpr ErrorCode kRefreshReused{"AIT-AUTH-0011", Category::Auth, Severity::Critical,
                                          "a refresh token was used twice; its family is revoked"};
inline constexpr ErrorCode kRevoked{"AIT-AUTH-0012", Category::Auth, Severity::Medium,
                                    "the token or key was revoked"};
inline constexpr ErrorCode kStore{"AIT-AUTH-0013", Category::Database, Severity::High,
                                  "the identity store failed"};
inline constexpr ErrorCode kInvalidInput{"AIT-AUTH-0014", Category::Validation, Severity::Low,
                                         "a name, password, role or scope is not acceptable"};
inline constexpr ErrorCode kCrypto{"AIT-AUTH-0015", Category::Internal, Severity::Critical,
                                   "a cryptographic primitive failed"};
inline constexpr ErrorCode kNotFound{"AIT-AUTH-0016", Category::Validation, Severity::Low,
                                     "no such tenant, user or key"};

}  // namespace ait::auth::errors
