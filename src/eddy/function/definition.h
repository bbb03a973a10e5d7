#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "eddy/function/function_config.h"

namespace eddy::function {

// A folder the host unpacked a .zip into; removed with everything in it when the last
// definition and environment using it are gone.
// Thread-safety: immutable.
struct UnpackedCode {
  explicit UnpackedCode(std::string folder) : path(std::move(folder)) {}
  ~UnpackedCode();
  UnpackedCode(const UnpackedCode&) = delete;
  UnpackedCode& operator=(const UnpackedCode&) = delete;
  const std::string path;
};

// One version of a function, as Define made it: shared, immutable, by the host and the
// environments started from it (an environment keeps running the definition it was started
// with until it is retired).
struct Definition {
  FunctionConfig config;
  std::string task_root;     // absolute path of the code folder (LAMBDA_TASK_ROOT)
  std::string function_arn;  // arn:aws:lambda:<region>:<account>:function:<name>
  uint64_t generation = 0;   // which Define made it: a newer one retires older environments
  std::shared_ptr<const UnpackedCode> unpacked;  // null when the code is a folder
};

}  // namespace eddy::function
