#pragma once

#include <cstdint>
#include <string>

namespace eddy::api {

// What every operation needs to know about the request it serves, passed as one object.
struct RequestContext {
  std::string request_id;            // also returned as x-amzn-RequestId
  std::string operation;             // e.g. "PutRecords"
  std::string region = "us-east-1";  // from the SigV4 credential scope when present
  std::string account_id = "000000000000";
  std::string host;  // the Host header, as the client addressed the server
  int64_t received_ms = 0;
};

}  // namespace eddy::api
