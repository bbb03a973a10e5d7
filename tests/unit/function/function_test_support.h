#pragma once

// Helpers of the function host's tests: temporary code folders, a log sink that keeps lines,
// JSON access to what a test function answered.

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "eddy/function/function_host.h"
#include "support/scoped_temp_dir.h"

namespace eddy::function::testing_support {

// A Python interpreter for test bootstraps: the system's (fast to start) when there is one.
inline std::string PythonForBootstraps() {
  if (::access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  return "/usr/bin/env python3";
}

// What every test bootstrap starts with: a Runtime API client on one keep-alive connection.
inline constexpr const char* kBootstrapPrelude = R"(
import http.client, json, os, sys, time
API = os.environ['AWS_LAMBDA_RUNTIME_API']
_host, _port = API.split(':')
_conn = http.client.HTTPConnection(_host, int(_port))
def call(method, path, body=None, headers=None):
    _conn.request(method, '/2018-06-01/runtime/' + path, body=body, headers=headers or {})
    r = _conn.getresponse()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
def next_event():
    status, headers, body = call('GET', 'invocation/next')
    assert status == 200, (status, body)
    return headers, body
def respond(request_id, body, headers=None):
    if isinstance(body, str): body = body.encode()
    return call('POST', 'invocation/%s/response' % request_id, body, headers)
def fail(request_id, body, headers=None):
    if isinstance(body, str): body = body.encode()
    return call('POST', 'invocation/%s/error' % request_id, body, headers)
)";

struct LoggedLine {
  std::string function;
  std::string request_id;
  bool is_stderr;
  std::string line;
};

class FunctionTestBase : public ::testing::Test {
 protected:
  FunctionHostOptions Options() {
    FunctionHostOptions options;
    options.work_dir = (dir_.path() / "work").string();
    options.endpoint_url = "http://127.0.0.1:4566";
    options.log_sink = [this](const FunctionLogLine& line) {
      std::lock_guard lock(log_mu_);
      logs_.push_back({std::string(line.function), std::string(line.request_id), line.is_stderr,
                       std::string(line.line)});
    };
    return options;
  }

  // Writes <temp>/<folder>/bootstrap: the prelude, then `body` (Python), with `mode`.
  std::string WriteBootstrap(const std::string& folder, const std::string& body,
                             mode_t mode = 0755) {
    const std::filesystem::path path = dir_.path() / folder;
    std::filesystem::create_directories(path);
    const std::filesystem::path bootstrap = path / "bootstrap";
    {
      std::ofstream out(bootstrap);
      out << "#!" << PythonForBootstraps() << "\n" << kBootstrapPrelude << body << "\n";
    }
    EXPECT_EQ(::chmod(bootstrap.c_str(), mode), 0);
    return path.string();
  }

  static FunctionConfig Provided(const std::string& name, const std::string& code,
                                 int timeout_seconds = 10) {
    FunctionConfig config;
    config.name = name;
    config.code = code;
    config.runtime = "provided.al2023";
    config.handler = "unused.handler";
    config.timeout_seconds = timeout_seconds;
    return config;
  }

  std::vector<LoggedLine> Logs() {
    std::lock_guard lock(log_mu_);
    return logs_;
  }

  eddy::testing::ScopedTempDir dir_{"eddy_function_"};
  std::mutex log_mu_;
  std::vector<LoggedLine> logs_;
};

inline rapidjson::Document ParseJson(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str(), text.size());
  EXPECT_FALSE(document.HasParseError()) << text.substr(0, 500);
  return document;
}

inline std::string StringAt(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject()) return "<not an object>";
  auto it = object.FindMember(key);
  if (it == object.MemberEnd()) return "<missing>";
  if (!it->value.IsString()) return "<not a string>";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

// True once `pid` is gone (or a zombie of someone else's).
inline bool ProcessGone(pid_t pid) {
  for (int i = 0; i < 500; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) return true;
    std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const size_t paren = content.rfind(')');
    if (paren != std::string::npos && paren + 2 < content.size() && content[paren + 2] == 'Z') {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace eddy::function::testing_support
