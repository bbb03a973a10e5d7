#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/function/function_config.h"
#include "eddy/pipe/pipe_config.h"

namespace eddy::runtime {

// A pipes file: the functions and the pipes one eddy process runs (docs/pipes.md).
//
//   {"Functions": [{"FunctionName": "to-legacy", "Runtime": "python3.12", "Handler": "app.handler",
//                   "Code": "functions/to-legacy", "Timeout": 30, "MemorySize": 256,
//                   "Environment": {"Variables": {"LEGACY_URL": "http://..."}},
//                   "ReservedConcurrentExecutions": 4}],
//    "Pipes": [{"Name": "orders", "FunctionName": "to-legacy",
//               "EventSourceArn": "arn:aws:kinesis:us-east-1:000000000000:stream/orders",
//               "StartingPosition": "TRIM_HORIZON", "BatchSize": 100, ...}]}
//
// Functions use Lambda's CreateFunction names (Code is a folder or a .zip; a relative path is
// taken from the file's folder); pipes use CreateEventSourceMapping's (pipe/pipe_config.h).
struct PipesFile {
  std::vector<function::FunctionConfig> functions;
  std::vector<pipe::PipeConfig> pipes;
};

// Reads and checks a pipes file: every function and pipe is validated, names are unique, and
// every FunctionName of a pipe names a function of the file. Errors: NotFound (no file),
// InvalidArgument naming the file, the entry and the problem.
Result<PipesFile> LoadPipesFile(const std::string& path);
// The same from text; `base_dir` is where relative code paths start.
Result<PipesFile> ParsePipesFile(std::string_view json, const std::string& base_dir);

}  // namespace eddy::runtime
