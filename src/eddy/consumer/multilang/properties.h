#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/consumer/worker_options.h"

namespace eddy::consumer::multilang {

// One `key = value` of a Java .properties file.
struct Property {
  std::string key;
  std::string value;
  int line = 0;  // where the (logical) line starts, from 1
};

// Reads the text of a Java .properties file as java.util.Properties.load does: `key = value`,
// `key: value` or `key value`; leading blanks skipped; `#` and `!` comment lines; a line ending in
// an odd number of backslashes continues on the next one (whose leading blanks are dropped);
// escapes \t \n \r \f \uXXXX and \<any> in keys and values; trailing blanks of a value kept. Bytes
// pass through as they are (Java reads ISO-8859-1; a UTF-8 file stays UTF-8 here) and \uXXXX is
// written as UTF-8. Returns the entries in file order, repeated keys included (Java keeps the
// last). Errors: a malformed \uXXXX escape (InvalidArgument, naming the line).
Result<std::vector<Property>> ParseJavaProperties(std::string_view text);

// What a KCL multilang .properties file configures for eddy.
struct MultiLangConfig {
  std::string executable_name;      // KCL's executableName: the command line of the processor
  int timeout_seconds = 0;          // KCL's timeoutInSeconds; 0: no limit
  std::string processing_language;  // KCL's processingLanguage: informational only
  consumer::WorkerOptions worker;
};

// A key that KCL knows and eddy accepts but does not act on, and why.
struct ConfigWarning {
  std::string key;
  std::string reason;
};

struct LoadedMultiLangConfig {
  MultiLangConfig config;
  std::vector<ConfigWarning> warnings;
};

// Maps the keys of KCL's MultiLangDaemonConfiguration onto a MultiLangConfig (README.md has the
// table: which keys are honoured, which ignored and why, which values are refused). Errors
// (InvalidArgument, naming the key and line): a key neither KCL nor eddy knows, a value that is
// not a number, out of range or not one of the allowed names, a credentials provider eddy cannot
// provide, a missing executableName, applicationName or streamName/streamArn.
Result<LoadedMultiLangConfig> MultiLangConfigFromProperties(const std::vector<Property>& properties);

// ParseJavaProperties, then MultiLangConfigFromProperties.
Result<LoadedMultiLangConfig> ParseMultiLangProperties(std::string_view text);

// Reads the file at `path` (errors name it), then ParseMultiLangProperties.
Result<LoadedMultiLangConfig> LoadMultiLangProperties(const std::string& path);

}  // namespace eddy::consumer::multilang
