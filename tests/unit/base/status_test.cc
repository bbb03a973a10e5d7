#include "eddy/base/status.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "eddy/base/result.h"

namespace eddy {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), Status::Code::kOk);
  EXPECT_TRUE(status.message().empty());
  EXPECT_EQ(status.ToString(), "OK");
  EXPECT_EQ(status, Status::Ok());
}

TEST(StatusTest, FactoriesSetCodeAndMessage) {
  struct Case {
    Status status;
    Status::Code code;
    std::string_view name;
  };
  const Case cases[] = {
      {Status::NotFound("m"), Status::Code::kNotFound, "NotFound"},
      {Status::Corruption("m"), Status::Code::kCorruption, "Corruption"},
      {Status::InvalidArgument("m"), Status::Code::kInvalidArgument, "InvalidArgument"},
      {Status::IoError("m"), Status::Code::kIoError, "IOError"},
      {Status::NoSpace("m"), Status::Code::kNoSpace, "NoSpace"},
      {Status::OutOfRange("m"), Status::Code::kOutOfRange, "OutOfRange"},
      {Status::AlreadyExists("m"), Status::Code::kAlreadyExists, "AlreadyExists"},
      {Status::FailedPrecondition("m"), Status::Code::kFailedPrecondition, "FailedPrecondition"},
      {Status::Unavailable("m"), Status::Code::kUnavailable, "Unavailable"},
      {Status::Internal("m"), Status::Code::kInternal, "Internal"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.name));
    EXPECT_FALSE(c.status.ok());
    EXPECT_EQ(c.status.code(), c.code);
    EXPECT_EQ(c.status.message(), "m");
    EXPECT_EQ(CodeName(c.code), c.name);
    EXPECT_EQ(c.status.ToString(), std::string(c.name) + ": m");
  }
  EXPECT_EQ(CodeName(Status::Code::kOk), "OK");
}

TEST(StatusTest, PredicatesMatchOnlyTheirCode) {
  EXPECT_TRUE(Status::NotFound("x").IsNotFound());
  EXPECT_FALSE(Status::NotFound("x").IsIoError());
  EXPECT_TRUE(Status::Corruption("x").IsCorruption());
  EXPECT_FALSE(Status::Corruption("x").IsNotFound());
  EXPECT_TRUE(Status::NoSpace("x").IsNoSpace());
  EXPECT_FALSE(Status::NoSpace("x").IsIoError());
  EXPECT_TRUE(Status::IoError("x").IsIoError());
  EXPECT_FALSE(Status::IoError("x").IsNoSpace());
  EXPECT_TRUE(Status::OutOfRange("x").IsOutOfRange());
  EXPECT_FALSE(Status::Ok().IsNotFound());
  EXPECT_FALSE(Status::Ok().IsIoError());
}

TEST(StatusTest, ToStringFormatsCodeAndMessage) {
  Status status = Status::Corruption("segment 00000000000000000000.log: bad CRC at byte 4096");
  EXPECT_EQ(status.ToString(),
            "Corruption: segment 00000000000000000000.log: bad CRC at byte 4096");
}

TEST(StatusTest, EqualityComparesCodeAndMessage) {
  EXPECT_EQ(Status::NotFound("a"), Status::NotFound("a"));
  EXPECT_FALSE(Status::NotFound("a") == Status::NotFound("b"));
  EXPECT_FALSE(Status::NotFound("a") == Status::IoError("a"));
  EXPECT_FALSE(Status::NotFound("") == Status::Ok());
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  Status base = Status::IoError("disk on fire");
  Status wrapped = base.WithContext("opening segment 7");
  EXPECT_EQ(wrapped.code(), Status::Code::kIoError);
  EXPECT_EQ(wrapped.message(), "opening segment 7: disk on fire");
  EXPECT_EQ(wrapped.ToString(), "IOError: opening segment 7: disk on fire");
  // The original is unchanged.
  EXPECT_EQ(base.message(), "disk on fire");
  // Context nests outermost-first.
  EXPECT_EQ(wrapped.WithContext("recovering").message(),
            "recovering: opening segment 7: disk on fire");
}

TEST(StatusTest, WithContextOnOkStaysOk) {
  Status status = Status::Ok().WithContext("ignored");
  EXPECT_TRUE(status.ok());
  EXPECT_TRUE(status.message().empty());
  EXPECT_EQ(status.ToString(), "OK");
}

TEST(StatusTest, FromErrnoNoSpace) {
  Status status = Status::FromErrno(ENOSPC, "write /data/x");
  EXPECT_TRUE(status.IsNoSpace());
  EXPECT_EQ(status.message(), std::string("write /data/x: ") + std::strerror(ENOSPC));
}

TEST(StatusTest, FromErrnoQuotaIsNoSpace) {
  EXPECT_TRUE(Status::FromErrno(EDQUOT, "write").IsNoSpace());
}

TEST(StatusTest, FromErrnoNotFound) {
  Status status = Status::FromErrno(ENOENT, "open /data/missing");
  EXPECT_TRUE(status.IsNotFound());
  EXPECT_EQ(status.message(), std::string("open /data/missing: ") + std::strerror(ENOENT));
}

TEST(StatusTest, FromErrnoOtherErrorsAreIoError) {
  Status status = Status::FromErrno(EIO, "fdatasync f");
  EXPECT_TRUE(status.IsIoError());
  EXPECT_EQ(status.message(), std::string("fdatasync f: ") + std::strerror(EIO));
  EXPECT_TRUE(Status::FromErrno(EACCES, "open").IsIoError());
  EXPECT_TRUE(Status::FromErrno(EBADF, "read").IsIoError());
}

// ---- Result<T> ----

TEST(ResultTest, HoldsValue) {
  Result<int> result = 42;
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.status().ok());
  EXPECT_EQ(result.value(), 42);
  EXPECT_EQ(*result, 42);
  result.value() = 7;
  EXPECT_EQ(*result, 7);
}

TEST(ResultTest, HoldsError) {
  Result<int> result = Status::NotFound("no such key");
  EXPECT_FALSE(result.ok());
  EXPECT_TRUE(result.status().IsNotFound());
  EXPECT_EQ(result.status().message(), "no such key");
}

TEST(ResultTest, ArrowAccessesMembers) {
  Result<std::string> result = std::string("hello");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->size(), 5u);
  const Result<std::string>& const_ref = result;
  EXPECT_EQ(const_ref->front(), 'h');
  EXPECT_EQ(*const_ref, "hello");
}

TEST(ResultTest, MoveOutOfRvalue) {
  Result<std::string> result = std::string(100, 'x');
  std::string taken = std::move(result).value();
  EXPECT_EQ(taken, std::string(100, 'x'));
}

TEST(ResultTest, HoldsMoveOnlyType) {
  Result<std::unique_ptr<int>> result = std::make_unique<int>(5);
  ASSERT_TRUE(result.ok());
  ASSERT_NE(result.value(), nullptr);
  EXPECT_EQ(**result, 5);

  std::unique_ptr<int> owned = std::move(result).value();
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 5);

  Result<std::unique_ptr<int>> moved_result = std::make_unique<int>(9);
  Result<std::unique_ptr<int>> target = std::move(moved_result);
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(**target, 9);
}

TEST(ResultTest, MoveOnlyTypeError) {
  Result<std::unique_ptr<int>> result = Status::Unavailable("closed");
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Status::Code::kUnavailable);
}

TEST(ResultDeathTest, ValueOnErrorAborts) {
  Result<int> result = Status::Internal("boom");
  EXPECT_DEATH((void)result.value(), "EDDY_CHECK failed");
}

TEST(ResultDeathTest, ConstructingFromOkStatusAborts) {
  EXPECT_DEATH(
      {
        Result<int> result(Status::Ok());
        (void)result;
      },
      "EDDY_CHECK failed");
}

// ---- Macros ----

int g_steps_run = 0;

Status Step(Status outcome) {
  ++g_steps_run;
  return outcome;
}

Status RunSteps(Status first, Status second) {
  EDDY_RETURN_IF_ERROR(Step(std::move(first)));
  EDDY_RETURN_IF_ERROR(Step(std::move(second)));
  return Status::Internal("reached the end");
}

TEST(MacroTest, ReturnIfErrorContinuesOnOk) {
  g_steps_run = 0;
  Status status = RunSteps(Status::Ok(), Status::Ok());
  EXPECT_EQ(g_steps_run, 2);
  EXPECT_EQ(status, Status::Internal("reached the end"));
}

TEST(MacroTest, ReturnIfErrorReturnsFirstError) {
  g_steps_run = 0;
  Status status = RunSteps(Status::NoSpace("full"), Status::Ok());
  EXPECT_EQ(g_steps_run, 1);
  EXPECT_EQ(status, Status::NoSpace("full"));
}

Result<std::string> CheckedGreeting(Status precondition) {
  EDDY_RETURN_IF_ERROR(precondition);
  return std::string("hi");
}

TEST(MacroTest, ReturnIfErrorInResultFunction) {
  Result<std::string> good = CheckedGreeting(Status::Ok());
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, "hi");
  Result<std::string> bad = CheckedGreeting(Status::FailedPrecondition("closed"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status(), Status::FailedPrecondition("closed"));
}

TEST(MacroTest, ReturnIfErrorReturnsLaterError) {
  g_steps_run = 0;
  Status status = RunSteps(Status::Ok(), Status::Corruption("bad"));
  EXPECT_EQ(g_steps_run, 2);
  EXPECT_EQ(status, Status::Corruption("bad"));
}

Result<int> ParseDigit(char c) {
  if (c < '0' || c > '9') return Status::InvalidArgument(std::string("not a digit: ") + c);
  return c - '0';
}

// Sums two digits; uses EDDY_ASSIGN_OR_RETURN with a declaration and with an existing variable.
Result<int> SumDigits(char a, char b) {
  EDDY_ASSIGN_OR_RETURN(int x, ParseDigit(a));
  int y = -1;
  EDDY_ASSIGN_OR_RETURN(y, ParseDigit(b));
  return x + y;
}

TEST(MacroTest, AssignOrReturnSuccess) {
  Result<int> sum = SumDigits('3', '4');
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(*sum, 7);
}

TEST(MacroTest, AssignOrReturnFailureInFirst) {
  Result<int> sum = SumDigits('x', '4');
  EXPECT_FALSE(sum.ok());
  EXPECT_EQ(sum.status(), Status::InvalidArgument("not a digit: x"));
}

TEST(MacroTest, AssignOrReturnFailureInSecond) {
  Result<int> sum = SumDigits('1', '?');
  EXPECT_FALSE(sum.ok());
  EXPECT_EQ(sum.status(), Status::InvalidArgument("not a digit: ?"));
}

Result<std::unique_ptr<std::string>> MakeBox(bool succeed) {
  if (!succeed) return Status::Unavailable("no box");
  return std::make_unique<std::string>("boxed");
}

// EDDY_ASSIGN_OR_RETURN in a function returning a plain Status, moving a move-only value.
Status UnboxInto(bool succeed, std::string* out) {
  EDDY_ASSIGN_OR_RETURN(auto box, MakeBox(succeed));
  EDDY_ASSIGN_OR_RETURN(std::unique_ptr<std::string> second, MakeBox(succeed));
  *out = *box + "+" + *second;
  return Status::Ok();
}

TEST(MacroTest, AssignOrReturnMoveOnlySuccess) {
  std::string out;
  Status status = UnboxInto(true, &out);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(out, "boxed+boxed");
}

TEST(MacroTest, AssignOrReturnMoveOnlyFailure) {
  std::string out = "untouched";
  Status status = UnboxInto(false, &out);
  EXPECT_EQ(status, Status::Unavailable("no box"));
  EXPECT_EQ(out, "untouched");
}

}  // namespace
}  // namespace eddy
