#pragma once

#include <memory>
#include <string>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/pipe/target.h"

namespace eddy::pipe {

// POSTs each event to `url` (Content-Type application/json) over a pooled keep-alive
// connection. 2xx: delivered, the body read as the function response. 429, 502, 503, 504 and
// transport failures (connection refused, reset): kUnavailable. Any other status, or no answer
// within `timeout_ms`: kFunctionError carrying the status and the start of the body.
// Errors of Create: a URL that cannot be parsed.
Result<std::unique_ptr<Target>> MakeHttpTarget(const std::string& url, int timeout_ms);

// Runs `argv` once per batch: the event on its stdin (one line), its stdout read to the end as
// the function response. Exit code 0: delivered; 75 (EX_TEMPFAIL): kUnavailable; any other
// code, a signal, or more than `timeout_ms`: kFunctionError (the process group is killed on
// timeout). stderr lines go to eddy's log. A program that cannot be started: kBroken.
std::unique_ptr<Target> MakeCommandTarget(std::vector<std::string> argv, int timeout_ms);

}  // namespace eddy::pipe
