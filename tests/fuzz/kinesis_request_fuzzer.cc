// Fuzzes the Kinesis API from the request body down: JSON parsing, validation, the stream
// service and the shard logs. Every input must get exactly one reply, never a 5xx, and must not
// crash, hang or leak (the sanitizers check the last two).
//
// The first byte of an input picks the operation; the rest is the body.
// Built two ways:
//  - with clang and -DEDDY_FUZZ=ON: a libFuzzer target (`make fuzz`);
//  - otherwise: a driver that runs the built-in seeds and a fixed number of mutations of them
//    (EDDY_FUZZ_ITERATIONS, default 20000), registered with ctest; `--write-seeds DIR` writes
//    the seeds as libFuzzer's starting corpus.
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "eddy/api/kinesis/kinesis_api.h"
#include "eddy/base/clock.h"
#include "eddy/stream/stream_service.h"
#include "fuzz_seeds.h"

namespace {

const char* const kOperations[] = {"CreateStream",
                                   "DeleteStream",
                                   "ListStreams",
                                   "DescribeStream",
                                   "DescribeStreamSummary",
                                   "DescribeLimits",
                                   "PutRecord",
                                   "PutRecords",
                                   "GetShardIterator",
                                   "GetRecords",
                                   "ListShards",
                                   "SplitShard",
                                   "MergeShards",
                                   "UpdateShardCount",
                                   "AddTagsToStream",
                                   "RemoveTagsFromStream",
                                   "ListTagsForStream",
                                   "IncreaseStreamRetentionPeriod",
                                   "DecreaseStreamRetentionPeriod",
                                   "UpdateStreamMode",
                                   "UpdateMaxRecordSize",
                                   "TagResource",
                                   "UntagResource",
                                   "ListTagsForResource",
                                   "NoSuchOperation"};
constexpr size_t kOperationCount = sizeof(kOperations) / sizeof(kOperations[0]);

struct Target {
  Target() {
    char tmpl[] = "/tmp/eddy-fuzz-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) abort();
    dir = tmpl;
    eddy::stream::StreamServiceOptions options;
    options.data_dir = dir;
    options.shard_limit = 64;
    options.durability = eddy::log::Durability::kNone;  // the codec is the target, not fsync
    auto s = eddy::stream::StreamService::Open(options, eddy::SystemClock());
    if (!s.ok()) {
      std::fprintf(stderr, "open: %s\n", s.status().ToString().c_str());
      abort();
    }
    streams = std::move(s).value();
    api = std::make_unique<eddy::api::kinesis::KinesisApi>(streams.get(), eddy::SystemClock());
  }
  ~Target() {
    api.reset();
    streams.reset();
    std::filesystem::remove_all(dir);
  }
  std::string dir;
  std::unique_ptr<eddy::stream::StreamService> streams;
  std::unique_ptr<eddy::api::kinesis::KinesisApi> api;
};

// What the inputs reached, for the driver's summary.
std::mutex outcomes_mu;
std::map<std::string, long> outcomes;

Target& GetTarget() {
  static Target* target = new Target();  // lives for the process, as libFuzzer expects
  return *target;
}

void RunOne(const uint8_t* data, size_t size) {
  if (size == 0) return;
  eddy::api::RequestContext ctx;
  ctx.request_id = "fuzz";
  ctx.operation = kOperations[data[0] % kOperationCount];
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto replies = std::make_shared<std::atomic<int>>(0);
  std::promise<eddy::api::ApiResult> promise;
  auto future = promise.get_future();
  GetTarget().api->Handle(ctx, std::move(body), [&promise, replies](eddy::api::ApiResult r) {
    if (replies->fetch_add(1) == 0) promise.set_value(std::move(r));
  });
  if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    std::fprintf(stderr, "no reply within 30 s to %s\n", ctx.operation.c_str());
    abort();
  }
  auto result = future.get();
  {
    std::lock_guard lock(outcomes_mu);
    auto* e = std::get_if<eddy::api::ApiError>(&result);
    ++outcomes[e != nullptr ? e->type : "OK " + ctx.operation];
  }
  if (auto* error = std::get_if<eddy::api::ApiError>(&result)) {
    if (error->http_status >= 500 || error->type.empty()) {
      std::fprintf(stderr, "%s answered %d %s: %s\n", ctx.operation.c_str(), error->http_status,
                   error->type.c_str(), error->message.c_str());
      abort();
    }
  }
  if (replies->load() != 1) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  RunOne(data, size);
  return 0;
}

#ifndef EDDY_LIBFUZZER
namespace {

std::string Op(const char* name) {
  for (size_t i = 0; i < kOperationCount; ++i) {
    if (std::string(kOperations[i]) == name) return std::string(1, static_cast<char>(i));
  }
  abort();
}

std::vector<std::string> Seeds() {
  return {
      Op("CreateStream") + R"({"StreamName":"s1","ShardCount":2})",
      Op("CreateStream") + R"({"StreamName":"s2","StreamModeDetails":{"StreamMode":"ON_DEMAND"}})",
      Op("PutRecord") + R"({"StreamName":"s1","PartitionKey":"k","Data":"aGVsbG8="})",
      Op("PutRecord") +
          R"({"StreamName":"s1","PartitionKey":"k","Data":"eA==","ExplicitHashKey":"12345"})",
      Op("PutRecords") +
          R"({"StreamName":"s1","Records":[{"PartitionKey":"a","Data":"eA=="},{"PartitionKey":"b","Data":""}]})",
      Op("GetShardIterator") +
          R"({"StreamName":"s1","ShardId":"shardId-000000000000","ShardIteratorType":"TRIM_HORIZON"})",
      Op("GetShardIterator") +
          R"({"StreamName":"s1","ShardId":"shardId-000000000001","ShardIteratorType":"AT_SEQUENCE_NUMBER","StartingSequenceNumber":"49000000000000000000000000000000000000000000000000000000"})",
      Op("GetShardIterator") +
          R"({"StreamName":"s1","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1.5e9})",
      Op("GetRecords") +
          R"({"ShardIterator":"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","Limit":10})",
      Op("ListShards") +
          R"({"StreamName":"s1","MaxResults":1,"ShardFilter":{"Type":"AFTER_SHARD_ID","ShardId":"shardId-0"}})",
      Op("ListShards") + R"({"NextToken":"MTAwOjA6czE="})",
      Op("ListStreams") + R"({"Limit":1,"ExclusiveStartStreamName":"a"})",
      Op("DescribeStream") +
          R"({"StreamARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s1","Limit":1})",
      Op("SplitShard") +
          R"({"StreamName":"s1","ShardToSplit":"shardId-000000000000","NewStartingHashKey":"85070591730234615865843651857942052864"})",
      Op("MergeShards") +
          R"({"StreamName":"s1","ShardToMerge":"shardId-000000000002","AdjacentShardToMerge":"shardId-000000000003"})",
      Op("UpdateShardCount") +
          R"({"StreamName":"s1","TargetShardCount":3,"ScalingType":"UNIFORM_SCALING"})",
      Op("AddTagsToStream") + R"({"StreamName":"s1","Tags":{"a":"b","":"x"}})",
      Op("IncreaseStreamRetentionPeriod") + R"({"StreamName":"s1","RetentionPeriodHours":48})",
      Op("UpdateMaxRecordSize") + R"({"StreamName":"s1","MaxRecordSizeInKiB":2048})",
      Op("DeleteStream") + R"({"StreamName":"s2"})",
  };
}

// Structure-aware mutations: JSON punctuation, odd numbers and strings, splices.
std::string Mutate(std::string s, std::mt19937_64& rng, const std::vector<std::string>& seeds) {
  static const char* const kTokens[] = {"{",
                                        "}",
                                        "[",
                                        "]",
                                        "\"",
                                        ":",
                                        ",",
                                        "null",
                                        "true",
                                        "false",
                                        "0",
                                        "-1",
                                        "1e400",
                                        "-0",
                                        "18446744073709551616",
                                        "340282366920938463463374607431768211456",
                                        "\"\"",
                                        "\\u0000",
                                        "\"shardId-999999999999\"",
                                        "\"AT_LATEST\"",
                                        "\"LATEST\"",
                                        "2147483648",
                                        "1.5",
                                        "{}",
                                        "[]"};
  const int steps = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < steps; ++i) {
    const size_t pos = s.size() <= 1 ? s.size() : 1 + rng() % (s.size() - 1);
    switch (rng() % 6) {
      case 0:
        if (pos < s.size()) s[pos] = static_cast<char>(rng());
        break;
      case 1:
        s.insert(pos, kTokens[rng() % (sizeof(kTokens) / sizeof(kTokens[0]))]);
        break;
      case 2:
        if (pos < s.size()) s.erase(pos, 1 + rng() % std::min<size_t>(8, s.size() - pos));
        break;
      case 3: {
        const std::string& other = seeds[rng() % seeds.size()];
        s = s.substr(0, pos) + other.substr(std::min(other.size(), pos));
        break;
      }
      case 4:
        if (pos < s.size()) s.insert(pos, s.substr(pos, 1 + rng() % 16));
        break;
      default:
        s[0] = static_cast<char>(rng());  // another operation, same body
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--write-seeds") {
    // Seeds libFuzzer's corpus (make fuzz), so it starts from valid requests.
    return eddy::fuzz::WriteSeeds(argv[2], Seeds());
  }
  const char* env = std::getenv("EDDY_FUZZ_ITERATIONS");
  const long iterations = env != nullptr ? std::atol(env) : 20000;
  const auto seeds = Seeds();
  for (const auto& s : seeds) RunOne(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  std::mt19937_64 rng(argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 42);
  for (long i = 0; i < iterations; ++i) {
    const std::string input = Mutate(seeds[rng() % seeds.size()], rng, seeds);
    RunOne(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  }
  std::printf("%zu seeds and %ld mutated requests: every one answered, no 5xx\n", seeds.size(),
              iterations);
  for (const auto& [what, n] : outcomes) std::printf("  %7ld  %s\n", n, what.c_str());
  return 0;
}
#endif
