#pragma once

#include <memory>
#include <string>

#include "eddy/function/function_host.h"
#include "eddy/pipe/target.h"

namespace eddy::pipe {

// Invokes `function_name` on `host` (which must outlive the target) as Lambda's event source
// mappings do: synchronously, the event as the payload. A function error (X-Amz-Function-Error)
// is kFunctionError with the error document as body; no free environment in time is
// kUnavailable; a function that cannot start is kBroken.
std::unique_ptr<Target> MakeFunctionTarget(function::FunctionHost& host, std::string function_name,
                                           std::string function_arn);

}  // namespace eddy::pipe
