#pragma once

#include <functional>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#include "eddy/consumer/record.h"
#include "eddy/pipe/failure_destination.h"
#include "eddy/pipe/target.h"

namespace eddy::pipe::testing {

// The sequence numbers of the Kinesis records of an event payload, in order.
inline std::vector<std::string> SequenceNumbersOf(const std::string& payload) {
  static const std::regex kSeq("\"sequenceNumber\":\"([0-9]+)\"");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(payload.begin(), payload.end(), kSeq);
       it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

// A target answering with a function of the batch's sequence numbers; remembers every batch.
class ScriptedTarget final : public Target {
 public:
  using Script = std::function<TargetResult(const std::vector<std::string>& batch)>;
  explicit ScriptedTarget(Script script) : script_(std::move(script)) {}

  TargetResult Invoke(const std::string& payload) override {
    std::vector<std::string> batch = SequenceNumbersOf(payload);
    {
      std::lock_guard lock(mu_);
      batches_.push_back(batch);
      payloads_.push_back(payload);
    }
    return script_(batch);
  }
  Status CheckReachable() override { return Status::Ok(); }
  std::string Describe() const override { return "scripted"; }
  std::string Arn() const override { return "arn:aws:lambda:us-east-1:000000000000:function:f"; }

  std::vector<std::vector<std::string>> batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }
  std::vector<std::string> payloads() const {
    std::lock_guard lock(mu_);
    return payloads_;
  }

 private:
  Script script_;
  mutable std::mutex mu_;
  std::vector<std::vector<std::string>> batches_;
  std::vector<std::string> payloads_;
};

inline TargetResult Ok(std::string body = "") {
  TargetResult r;
  r.body = std::move(body);
  return r;
}
inline TargetResult FunctionError(std::string type = "Exception") {
  TargetResult r;
  r.kind = TargetResult::Kind::kFunctionError;
  r.error_type = std::move(type);
  r.error_message = "boom";
  r.body = R"({"errorType":"Exception","errorMessage":"boom"})";
  return r;
}
inline TargetResult Unavailable() {
  TargetResult r;
  r.kind = TargetResult::Kind::kUnavailable;
  r.error_message = "connection refused";
  return r;
}

// A destination keeping every failure record (as JSON), optionally refusing the first ones.
class MemorySink final : public FailureSink {
 public:
  Status Send(const FailedBatch& batch) override {
    std::lock_guard lock(mu_);
    if (refuse_ > 0) {
      --refuse_;
      return Status::Unavailable("refused");
    }
    records_.push_back(FailureRecordJson(batch, 1'700'000'000'000));
    std::vector<std::string> seqs;
    for (const consumer::Record* r : batch.records) seqs.push_back(r->sequence_number);
    batches_.push_back(seqs);
    conditions_.push_back(batch.condition);
    return Status::Ok();
  }
  Status CheckReachable() override { return Status::Ok(); }
  std::string Describe() const override { return "memory"; }

  void RefuseNext(int n) {
    std::lock_guard lock(mu_);
    refuse_ = n;
  }
  std::vector<std::vector<std::string>> batches() const {
    std::lock_guard lock(mu_);
    return batches_;
  }
  std::vector<std::string> records() const {
    std::lock_guard lock(mu_);
    return records_;
  }
  std::vector<std::string> conditions() const {
    std::lock_guard lock(mu_);
    return conditions_;
  }

 private:
  mutable std::mutex mu_;
  int refuse_ = 0;
  std::vector<std::vector<std::string>> batches_;
  std::vector<std::string> records_;
  std::vector<std::string> conditions_;
};

// Records with sequence numbers 1000, 1001, ... and the given partition keys (default "k<i>").
inline std::vector<consumer::Record> MakeRecords(size_t n, int64_t arrival_ms,
                                                 std::vector<std::string> keys = {}) {
  std::vector<consumer::Record> out;
  for (size_t i = 0; i < n; ++i) {
    consumer::Record r;
    r.sequence_number = std::to_string(1000 + i);
    r.arrival_ms = arrival_ms;
    r.partition_key = keys.empty() ? "k" + std::to_string(i) : keys[i % keys.size()];
    r.data = "{\"n\":" + std::to_string(i) + "}";
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace eddy::pipe::testing
