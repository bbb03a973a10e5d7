#include "eddy/function/function_host.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "eddy/base/check.h"
#include "eddy/function/code_package.h"
#include "eddy/function/definition.h"
#include "eddy/function/environment.h"
#include "eddy/function/runtime_api.h"

namespace eddy::function {
namespace {

using SteadyClock = std::chrono::steady_clock;

bool EndsWithZip(std::string_view path) {
  if (path.size() < 4) return false;
  std::string suffix(path.substr(path.size() - 4));
  std::transform(suffix.begin(), suffix.end(), suffix.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return suffix == ".zip";
}

void Erase(std::vector<std::shared_ptr<Environment>>& list, const Environment* environment) {
  list.erase(std::remove_if(list.begin(), list.end(),
                            [&](const auto& e) { return e.get() == environment; }),
             list.end());
}

bool Holds(const std::vector<std::shared_ptr<Environment>>& list,
           const Environment* environment) {
  return std::any_of(list.begin(), list.end(),
                     [&](const auto& e) { return e.get() == environment; });
}

}  // namespace

struct FunctionHost::Function : std::enable_shared_from_this<Function> {
  explicit Function(std::string function_name) : name(std::move(function_name)) {}
  const std::string name;
  // Everything below is guarded by the host's mu_.
  std::shared_ptr<const Definition> definition;
  bool removed = false;
  // Started or starting, not retired: at most max_concurrency (older definitions' busy ones
  // included).
  std::vector<std::shared_ptr<Environment>> environments;
  std::vector<std::shared_ptr<Environment>> idle;  // a subset; the most recently used last
  FunctionStats stats;  // the counters (environments and idle are counted when asked)
};

FunctionHost::FunctionHost(FunctionHostOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  housekeeping_thread_ = std::thread([this] { Housekeeping(); });
}

FunctionHost::~FunctionHost() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& [name, function] : functions_) {
      function->removed = true;
      std::vector<std::shared_ptr<Environment>> environments = function->environments;
      for (auto& environment : environments) RetireLocked(*function, std::move(environment));
    }
    functions_.clear();
    cv_.notify_all();
    housekeeping_cv_.notify_all();
  }
  housekeeping_thread_.join();  // it destroys every retired environment before it ends
  std::lock_guard lock(mu_);
  if (owns_work_dir_) {
    std::error_code ignored;
    std::filesystem::remove_all(work_dir_, ignored);
  }
}

std::string FunctionHost::FunctionArn(std::string_view name) const {
  return fmt::format("arn:aws:lambda:{}:{}:function:{}", options_.region, options_.account_id,
                     name);
}

Result<std::string> FunctionHost::WorkDir() {
  std::lock_guard lock(mu_);
  if (!work_dir_.empty()) return work_dir_;
  std::error_code ec;
  if (!options_.work_dir.empty()) {
    std::filesystem::create_directories(options_.work_dir, ec);
    if (ec) return Status::IoError("cannot make " + options_.work_dir + ": " + ec.message());
    work_dir_ = std::filesystem::absolute(options_.work_dir).string();
    return work_dir_;
  }
  std::string pattern =
      (std::filesystem::temp_directory_path(ec) / "eddy-functions-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Status::FromErrno(errno, "cannot make a work folder " + pattern);
  }
  work_dir_ = pattern;
  owns_work_dir_ = true;
  return work_dir_;
}

Status FunctionHost::Define(FunctionConfig config) {
  EDDY_RETURN_IF_ERROR(ValidateFunctionConfig(config));
  auto definition = std::make_shared<Definition>();
  definition->function_arn = FunctionArn(config.name);
  std::error_code ec;
  // A folder is used where it is (checked when invoked); a file, or a missing path named .zip,
  // is unpacked.
  const bool is_folder = std::filesystem::is_directory(config.code, ec);
  if (!is_folder &&
      (std::filesystem::is_regular_file(config.code, ec) || EndsWithZip(config.code))) {
    EDDY_ASSIGN_OR_RETURN(const std::string work_dir, WorkDir());
    uint64_t unpack;
    {
      std::lock_guard lock(mu_);
      unpack = next_unpack_++;
    }
    // The pid keeps two eddy processes sharing a work folder apart.
    const std::string folder =
        fmt::format("{}/{}.{}.{}", work_dir, config.name, ::getpid(), unpack);
    EDDY_ASSIGN_OR_RETURN(definition->unpacked,
                          UnpackZip(config.code, folder, options_.unzip, options_.python));
    definition->task_root = folder;
  } else {
    definition->task_root = std::filesystem::absolute(config.code, ec).lexically_normal().string();
    if (!definition->task_root.empty() && definition->task_root.back() == '/') {
      definition->task_root.pop_back();
    }
  }
  definition->config = std::move(config);

  std::lock_guard lock(mu_);
  if (stopping_) return Status::Unavailable("the function host is stopping");
  definition->generation = next_generation_++;
  std::shared_ptr<Function>& function = functions_[definition->config.name];
  if (!function) function = std::make_shared<Function>(definition->config.name);
  function->definition = std::move(definition);
  // Warm environments run the old code: retire them (busy ones when they are released).
  std::vector<std::shared_ptr<Environment>> idle = function->idle;
  for (auto& environment : idle) RetireLocked(*function, std::move(environment));
  cv_.notify_all();  // a waiter may start a new environment now
  return Status::Ok();
}

Status FunctionHost::Remove(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = functions_.find(name);
  if (it == functions_.end()) return Status::NotFound("Function not found: " + FunctionArn(name));
  Function& function = *it->second;
  function.removed = true;
  std::vector<std::shared_ptr<Environment>> idle = function.idle;
  for (auto& environment : idle) RetireLocked(function, std::move(environment));
  functions_.erase(it);
  cv_.notify_all();  // waiters for this function get NotFound
  return Status::Ok();
}

std::optional<FunctionConfig> FunctionHost::Get(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = functions_.find(name);
  if (it == functions_.end()) return std::nullopt;
  return it->second->definition->config;
}

std::vector<std::string> FunctionHost::List() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, function] : functions_) names.push_back(name);
  return names;
}

std::map<std::string, FunctionStats> FunctionHost::Stats() const {
  std::lock_guard lock(mu_);
  std::map<std::string, FunctionStats> stats;
  for (const auto& [name, function] : functions_) {
    FunctionStats s = function->stats;
    s.environments = static_cast<int>(function->environments.size());
    s.environments_idle = static_cast<int>(function->idle.size());
    stats.emplace(name, s);
  }
  return stats;
}

std::shared_ptr<FunctionHost::Function> FunctionHost::Find(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : it->second;
}

SteadyClock::time_point FunctionHost::ToSteady(int64_t deadline_ms) const {
  if (deadline_ms == INT64_MAX) return SteadyClock::time_point::max();
  const int64_t remaining = std::max<int64_t>(0, deadline_ms - clock_.NowMillis());
  if (remaining > int64_t{1} << 40) return SteadyClock::time_point::max();  // ~35 years
  return SteadyClock::now() + std::chrono::milliseconds(remaining);
}

Result<InvokeResult> FunctionHost::Invoke(const std::string& name, std::string payload,
                                          int64_t wait_deadline_ms) {
  if (payload.size() > kMaxRequestPayloadBytes) {
    return Status::InvalidArgument(
        fmt::format("RequestTooLargeException: Request must be smaller than {} bytes for the "
                    "InvokeFunction operation",
                    kMaxRequestPayloadBytes));
  }
  const std::shared_ptr<Function> function = Find(name);
  if (!function) return Status::NotFound("Function not found: " + FunctionArn(name));
  const SteadyClock::time_point deadline = ToSteady(wait_deadline_ms);
  const std::string request_id = NewRequestId();
  while (true) {
    EDDY_ASSIGN_OR_RETURN(Acquired acquired, Acquire(*function, deadline));
    Environment& environment = *acquired.environment;
    if (acquired.is_new) {
      if (Status started = environment.Start(); !started.ok()) {
        Discard(*function, acquired.environment);
        return started;
      }
    }
    Result<InvokeResult> result = environment.Invoke(request_id, &payload);
    Release(*function, acquired.environment);
    if (!result.ok() && result.status().code() == Status::Code::kUnavailable &&
        !acquired.is_new) {
      continue;  // it ended between invocations: another one, or a new one
    }
    std::lock_guard lock(mu_);
    if (acquired.is_new) ++function->stats.cold_starts;
    if (result.ok()) {
      result->cold_start = acquired.is_new;
      ++function->stats.invocations;
      if (result->function_error) ++function->stats.function_errors;
      if (result->error_type == "Sandbox.Timedout") ++function->stats.timeouts;
    }
    return result;
  }
}

Result<FunctionHost::Acquired> FunctionHost::Acquire(Function& function,
                                                     SteadyClock::time_point deadline) {
  std::unique_lock lock(mu_);
  while (true) {
    if (stopping_) return Status::Unavailable("the function host is stopping");
    if (function.removed) {
      return Status::NotFound("Function not found: " + FunctionArn(function.name));
    }
    while (!function.idle.empty()) {
      std::shared_ptr<Environment> environment = std::move(function.idle.back());
      function.idle.pop_back();
      if (environment->Usable()) return Acquired{std::move(environment), false};
      RetireLocked(function, std::move(environment));
    }
    const FunctionConfig& config = function.definition->config;
    const int max_concurrency =
        config.max_concurrency > 0 ? config.max_concurrency : options_.default_max_concurrency;
    if (static_cast<int>(function.environments.size()) < max_concurrency) {
      EnvironmentContext context;
      context.definition = function.definition;
      context.options = &options_;
      context.clock = &clock_;
      context.log = [this](const FunctionLogLine& line) { EmitLog(line); };
      context.on_ended = [this, weak = function.weak_from_this()](Environment* environment) {
        OnEnvironmentEnded(weak, environment);
      };
      auto environment = std::make_shared<Environment>(std::move(context));
      function.environments.push_back(environment);
      return Acquired{std::move(environment), true};
    }
    if (SteadyClock::now() >= deadline) {
      ++function.stats.throttles;
      return Status::ResourceExhausted(fmt::format(
          "TooManyRequestsException: Rate Exceeded. (function {} runs {} environments, its "
          "limit, and none was free in time)",
          function.name, max_concurrency));
    }
    if (deadline == SteadyClock::time_point::max()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, deadline);
    }
  }
}

void FunctionHost::Release(Function& function, const std::shared_ptr<Environment>& environment) {
  std::lock_guard lock(mu_);
  if (!Holds(function.environments, environment.get())) return;  // retired meanwhile
  if (stopping_ || function.removed ||
      environment->definition().generation != function.definition->generation ||
      !environment->Usable()) {
    RetireLocked(function, environment);
  } else {
    environment->idle_since = SteadyClock::now();
    function.idle.push_back(environment);
    housekeeping_cv_.notify_all();  // its idle expiry may be the next one
  }
  cv_.notify_all();
}

void FunctionHost::Discard(Function& function, const std::shared_ptr<Environment>& environment) {
  std::lock_guard lock(mu_);
  Erase(function.environments, environment.get());
  cv_.notify_all();
}

void FunctionHost::RetireLocked(Function& function, std::shared_ptr<Environment> environment) {
  Erase(function.environments, environment.get());
  Erase(function.idle, environment.get());
  environment->RequestStop();
  retired_.push_back(std::move(environment));
  housekeeping_cv_.notify_all();
  cv_.notify_all();  // its place is free
}

void FunctionHost::OnEnvironmentEnded(const std::weak_ptr<Function>& weak,
                                      Environment* environment) {
  std::lock_guard lock(mu_);
  const std::shared_ptr<Function> function = weak.lock();
  if (!function) return;
  // Only an idle one is retired here; one leased to an Invoke is retired by its Release. The
  // shared_ptr moves from the idle list to retired_: this thread never holds the last one.
  for (auto& idle : function->idle) {
    if (idle.get() == environment) {
      std::shared_ptr<Environment> ended = idle;
      RetireLocked(*function, std::move(ended));
      break;
    }
  }
}

void FunctionHost::Housekeeping() {
  const auto idle_limit =
      std::chrono::milliseconds(std::max<int64_t>(1, options_.idle_environment_ms));
  std::unique_lock lock(mu_);
  while (true) {
    // Stop environments idle for too long; find when the next one will be.
    const SteadyClock::time_point now = SteadyClock::now();
    SteadyClock::time_point next_expiry = SteadyClock::time_point::max();
    for (auto& [name, function] : functions_) {
      std::vector<std::shared_ptr<Environment>> idle = function->idle;
      for (auto& environment : idle) {
        const SteadyClock::time_point expiry = environment->idle_since + idle_limit;
        if (expiry <= now) {
          spdlog::debug("function {}: stopping an environment idle for {} ms", name,
                        options_.idle_environment_ms);
          RetireLocked(*function, std::move(environment));
        } else {
          next_expiry = std::min(next_expiry, expiry);
        }
      }
    }
    if (!retired_.empty()) {
      std::vector<std::shared_ptr<Environment>> retired = std::move(retired_);
      retired_.clear();
      lock.unlock();
      // Each was asked to stop when retired, so they stop together; destroying waits for each.
      retired.clear();
      lock.lock();
      continue;
    }
    if (stopping_) return;
    if (next_expiry == SteadyClock::time_point::max()) {
      housekeeping_cv_.wait(lock);
    } else {
      housekeeping_cv_.wait_until(lock, next_expiry);
    }
  }
}

void FunctionHost::EmitLog(const FunctionLogLine& line) const {
  if (options_.log_sink) {
    options_.log_sink(line);
    return;
  }
  spdlog::info("function {} {}: {}", line.function,
               line.request_id.empty() ? std::string_view("-") : line.request_id, line.line);
}

}  // namespace eddy::function
