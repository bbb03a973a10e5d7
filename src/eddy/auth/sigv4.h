#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy::auth {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when not temporary credentials
};

// What a SigV4 signature covers.
struct SignableRequest {
  std::string method = "POST";
  std::string path = "/";                                    // as sent, before the query string
  std::string query;                                         // raw query string, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // must include Host
  std::string body;
  // Lowercase hex SHA-256 of the body. When set, `body` is not read (a client that already
  // holds the body elsewhere hashes it once and need not copy it here).
  std::string payload_hash;
};

struct SigningParams {
  std::string region = "us-east-1";
  std::string service = "kinesis";
  std::string amz_date;  // "20261122T030000Z": the X-Amz-Date header value
};

// AWS Signature Version 4 (the "AWS4-HMAC-SHA256" scheme), as botocore's SigV4Auth computes it
// for JSON-protocol services:
//  - every header is signed except User-Agent, Expect and X-Amzn-Trace-Id;
//  - the path is normalized (dot segments removed) and percent-encoded except '/' and '~';
//  - query parameters are sorted by name, then value, each percent-encoded.
// Thread-safety: pure functions.

std::string CanonicalRequest(const SignableRequest& request);
std::string StringToSign(const std::string& canonical_request, const SigningParams& params);
std::string Signature(const Credentials& credentials, const SigningParams& params,
                      const std::string& string_to_sign);

// Adds X-Amz-Date (and X-Amz-Security-Token for session credentials) to `request` and returns
// the Authorization header value.
std::string Sign(SignableRequest& request, const Credentials& credentials,
                 const SigningParams& params);

// "20261122T030000Z" for a Unix time in seconds.
std::string AmzDate(int64_t unix_seconds);

// Lowercase hex SHA-256 / HMAC-SHA256 helpers.
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string Hex(std::string_view bytes);

// Percent-encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - _ . ~) kept, and
// `keep_slash` keeps '/' too; everything else %XX with upper-case hex.
std::string UriEncode(std::string_view s, bool keep_slash);

}  // namespace eddy::auth
