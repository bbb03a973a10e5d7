#include "eddy/pipe/function_target.h"

#include <fmt/format.h>

namespace eddy::pipe {
namespace {

std::string Excerpt(std::string_view body) {
  constexpr size_t kMax = 512;
  std::string out(body.substr(0, kMax));
  if (body.size() > kMax) out += "...";
  return out;
}

class FunctionTarget final : public Target {
 public:
  FunctionTarget(function::FunctionHost& host, std::string name, std::string arn)
      : host_(host), name_(std::move(name)), arn_(std::move(arn)) {}

  TargetResult Invoke(const std::string& payload) override {
    TargetResult result;
    Result<function::InvokeResult> invoked = host_.Invoke(name_, payload);
    if (!invoked.ok()) {
      result.kind = invoked.status().code() == Status::Code::kFailedPrecondition ||
                            invoked.status().code() == Status::Code::kNotFound
                        ? TargetResult::Kind::kBroken
                        : TargetResult::Kind::kUnavailable;
      result.error_type = "Function.Unavailable";
      result.error_message = invoked.status().message();
      return result;
    }
    result.body = std::move(invoked->payload);
    if (invoked->function_error) {
      result.kind = TargetResult::Kind::kFunctionError;
      result.error_type = invoked->error_type;
      result.error_message = Excerpt(result.body);
    }
    return result;
  }

  Status CheckReachable() override {
    if (!host_.Get(name_)) {
      return Status::NotFound(fmt::format("the target function {} is not defined", name_));
    }
    return Status::Ok();
  }

  std::string Describe() const override { return "function " + name_; }
  std::string Arn() const override { return arn_; }

 private:
  function::FunctionHost& host_;
  const std::string name_;
  const std::string arn_;
};

}  // namespace

std::unique_ptr<Target> MakeFunctionTarget(function::FunctionHost& host, std::string function_name,
                                           std::string function_arn) {
  return std::make_unique<FunctionTarget>(host, std::move(function_name), std::move(function_arn));
}

}  // namespace eddy::pipe
