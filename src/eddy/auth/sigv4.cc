#include "eddy/auth/sigv4.h"

#include <openssl/evp.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "eddy/base/check.h"

namespace eddy::auth {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims and collapses runs of spaces, as the canonical header value requires.
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

bool Unreserved(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '~';
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

// Removes "." and ".." segments (RFC 3986), keeping a trailing slash.
std::string NormalizePath(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    std::string_view seg = path.substr(i, j - i);
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    i = j + 1;
  }
  std::string out;
  for (auto seg : parts) {
    out += '/';
    out += seg;
  }
  if (out.empty()) return "/";
  if (path.back() == '/') out += '/';
  return out;
}

constexpr std::string_view kUnsignedHeaders[] = {"user-agent", "expect", "x-amzn-trace-id"};

}  // namespace

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[c >> 4];
    out[2 * i + 1] = kDigits[c & 15];
  }
  return out;
}

namespace {

// SHA-256 with the algorithm fetched once and a context kept per thread: OpenSSL 3's one-shot
// calls (EVP_Digest, HMAC) look the algorithm up and allocate a context on every call, which
// cost more than hashing a request.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EDDY_CHECK(ctx_ != nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  static Sha256& ForThisThread() {
    thread_local Sha256 sha;
    return sha;
  }

  void Begin() { EDDY_CHECK(EVP_DigestInit_ex2(ctx_, Algorithm(), nullptr) == 1); }
  void Add(std::string_view data) {
    EDDY_CHECK(EVP_DigestUpdate(ctx_, data.data(), data.size()) == 1);
  }
  void End(unsigned char (&digest)[32]) {
    unsigned int size = 0;
    EDDY_CHECK(EVP_DigestFinal_ex(ctx_, digest, &size) == 1 && size == 32);
  }

 private:
  static const EVP_MD* Algorithm() {
    static EVP_MD* const md = [] {
      EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
      EDDY_CHECK(fetched != nullptr);
      return fetched;
    }();
    return md;
  }

  EVP_MD_CTX* const ctx_;
};

}  // namespace

std::string Sha256Hex(std::string_view data) {
  Sha256& sha = Sha256::ForThisThread();
  unsigned char digest[32];
  sha.Begin();
  sha.Add(data);
  sha.End(digest);
  return Hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  // RFC 2104 over SHA-256 (64-byte blocks): H((K ^ opad) || H((K ^ ipad) || data)).
  constexpr size_t kBlock = 64;
  Sha256& sha = Sha256::ForThisThread();
  unsigned char block_key[kBlock] = {};
  if (key.size() > kBlock) {
    unsigned char hashed[32];
    sha.Begin();
    sha.Add(key);
    sha.End(hashed);
    std::memcpy(block_key, hashed, sizeof hashed);
  } else {
    std::memcpy(block_key, key.data(), key.size());
  }
  unsigned char pad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) pad[i] = block_key[i] ^ 0x36;
  unsigned char inner[32];
  sha.Begin();
  sha.Add(std::string_view(reinterpret_cast<const char*>(pad), kBlock));
  sha.Add(data);
  sha.End(inner);
  for (size_t i = 0; i < kBlock; ++i) pad[i] = block_key[i] ^ 0x5c;
  unsigned char out[32];
  sha.Begin();
  sha.Add(std::string_view(reinterpret_cast<const char*>(pad), kBlock));
  sha.Add(std::string_view(reinterpret_cast<const char*>(inner), sizeof inner));
  sha.End(out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (Unreserved(static_cast<char>(c)) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string CanonicalRequest(const SignableRequest& request) {
  std::string out = request.method;
  out += '\n';
  out += UriEncode(NormalizePath(request.path), /*keep_slash=*/true);
  out += '\n';
  // Query: decode what the client sent, then encode canonically, sorted by name then value.
  std::vector<std::pair<std::string, std::string>> params;
  std::string_view q = request.query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view part = q.substr(0, amp);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string name = PercentDecode(part.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : PercentDecode(part.substr(eq + 1));
      params.emplace_back(UriEncode(name, false), UriEncode(value, false));
    }
    if (amp == std::string_view::npos) break;
    q = q.substr(amp + 1);
  }
  std::sort(params.begin(), params.end());
  for (size_t i = 0; i < params.size(); ++i) {
    if (i > 0) out += '&';
    out += params[i].first;
    out += '=';
    out += params[i].second;
  }
  out += '\n';
  // Headers: lower-case names, sorted; repeated headers joined with ','.
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : request.headers) {
    std::string lname = Lower(name);
    if (std::find(std::begin(kUnsignedHeaders), std::end(kUnsignedHeaders), lname) !=
        std::end(kUnsignedHeaders)) {
      continue;
    }
    headers.emplace_back(std::move(lname), CanonicalHeaderValue(value));
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string signed_headers;
  for (size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) continue;
    std::string value = headers[i].second;
    for (size_t j = i + 1; j < headers.size() && headers[j].first == headers[i].first; ++j) {
      value += ',';
      value += headers[j].second;
    }
    out += headers[i].first;
    out += ':';
    out += value;
    out += '\n';
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += headers[i].first;
  }
  out += '\n';
  out += signed_headers;
  out += '\n';
  out += request.payload_hash.empty() ? Sha256Hex(request.body) : request.payload_hash;
  return out;
}

std::string StringToSign(const std::string& canonical_request, const SigningParams& params) {
  const std::string date = params.amz_date.substr(0, 8);
  return "AWS4-HMAC-SHA256\n" + params.amz_date + "\n" + date + "/" + params.region + "/" +
         params.service + "/aws4_request\n" + Sha256Hex(canonical_request);
}

std::string Signature(const Credentials& credentials, const SigningParams& params,
                      const std::string& string_to_sign) {
  const std::string date = params.amz_date.substr(0, 8);
  // The signing key depends only on the secret, the day, the region and the service: derive
  // it once per thread and day rather than with four HMACs per request.
  thread_local std::string cached_for;
  thread_local std::string cached_key;
  std::string scope = credentials.secret_access_key;
  for (const std::string* part : {&date, &params.region, &params.service}) {
    scope += '\n';
    scope += *part;
  }
  if (scope != cached_for) {
    std::string key = HmacSha256("AWS4" + credentials.secret_access_key, date);
    key = HmacSha256(key, params.region);
    key = HmacSha256(key, params.service);
    cached_key = HmacSha256(key, "aws4_request");
    cached_for = std::move(scope);
  }
  return Hex(HmacSha256(cached_key, string_to_sign));
}

std::string Sign(SignableRequest& request, const Credentials& credentials,
                 const SigningParams& params) {
  auto set = [&](const std::string& name, const std::string& value) {
    for (auto& [n, v] : request.headers) {
      if (Lower(n) == Lower(name)) {
        v = value;
        return;
      }
    }
    request.headers.emplace_back(name, value);
  };
  set("X-Amz-Date", params.amz_date);
  if (!credentials.session_token.empty()) set("X-Amz-Security-Token", credentials.session_token);
  const std::string canonical = CanonicalRequest(request);
  // SignedHeaders is the second-to-last line of the canonical request.
  const size_t last_nl = canonical.rfind('\n');
  const size_t prev_nl = canonical.rfind('\n', last_nl - 1);
  const std::string signed_headers = canonical.substr(prev_nl + 1, last_nl - prev_nl - 1);
  const std::string date = params.amz_date.substr(0, 8);
  return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + date + "/" +
         params.region + "/" + params.service + "/aws4_request, SignedHeaders=" + signed_headers +
         ", Signature=" + Signature(credentials, params, StringToSign(canonical, params));
}

std::string AmzDate(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &utc);
  return buf;
}

}  // namespace eddy::auth
