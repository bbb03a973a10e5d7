// Reads one JSON request per line on stdin (body hex-encoded) and prints its Authorization header
// and canonical request (escaped newlines) per line. Used by sigv4_botocore_test.py to compare with
// botocore.
#include <rapidjson/document.h>

#include <iostream>
#include <string>

#include "eddy/auth/sigv4.h"

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    if (d.HasParseError()) return 2;
    eddy::auth::SignableRequest req;
    req.method = d["method"].GetString();
    req.path = d["path"].GetString();
    req.query = d["query"].GetString();
    const std::string hex(d["body"].GetString(), d["body"].GetStringLength());  // hex-encoded
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
      req.body += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    }
    for (const auto& h : d["headers"].GetArray()) {
      req.headers.emplace_back(h[0].GetString(), h[1].GetString());
    }
    eddy::auth::Credentials creds{d["key"].GetString(), d["secret"].GetString(),
                                  d["token"].GetString()};
    eddy::auth::SigningParams params{d["region"].GetString(), d["service"].GetString(),
                                     d["amz_date"].GetString()};
    const std::string auth = eddy::auth::Sign(req, creds, params);
    std::string canonical = eddy::auth::CanonicalRequest(req);
    std::string escaped;
    for (char c : canonical) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
    std::cout << auth << "\t" << escaped << "\n";
  }
  return 0;
}
