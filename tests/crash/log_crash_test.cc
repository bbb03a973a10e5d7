// SIGKILLs a process that appends to shard logs, at random moments, many times over the same
// directory. After every kill the logs are reopened (running recovery) and checked:
//  - every append the writer saw acknowledged is present, at the offsets it was given, intact;
//  - every readable record is intact and belongs to a complete append (no torn records, no half
//    batches), at dense offsets.
// The number of kills is EDDY_CRASH_KILLS (default 200).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "crash_record.h"
#include "eddy/base/clock.h"
#include "eddy/io/file_system.h"
#include "eddy/log/shard_log.h"

namespace eddy::log {
namespace {

using crashtest::ParseCrashRecord;

constexpr int kShards = 4;

struct Ack {
  uint64_t first;
  uint32_t count;
  uint64_t batch;
};

int KillCount() {
  const char* v = std::getenv("EDDY_CRASH_KILLS");
  return v != nullptr ? std::max(1, std::atoi(v)) : 200;
}

// Runs the writer until `delay_ms` have passed, SIGKILLs it, and returns the acks it printed.
std::vector<std::pair<int, Ack>> RunAndKill(const std::string& dir, uint64_t run_id, int delay_ms,
                                            std::string* error) {
  int fds[2];
  EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 3);  // the ack channel; dup2 clears close-on-exec
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 2);
    const std::string shards = std::to_string(kShards);
    const std::string run = std::to_string(run_id);
    execl(EDDY_LOG_CRASH_WRITER, EDDY_LOG_CRASH_WRITER, dir.c_str(), shards.c_str(), run.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string text;
  char buf[65536];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) > 0) {
      const ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) break;  // the writer died on its own
      text.append(buf, static_cast<size_t>(n));
    }
  }
  kill(pid, SIGKILL);
  for (;;) {  // what was written to the pipe before the kill is still there
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)) {
    *error = "writer exited by itself with status " + std::to_string(status);
  }
  std::vector<std::pair<int, Ack>> acks;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    int shard = 0;
    Ack a{};
    if (fields >> shard >> a.first >> a.count >> a.batch) acks.emplace_back(shard, a);
  }
  return acks;
}

class LogCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/eddy-crash-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::vector<std::unique_ptr<ShardLog>> OpenAll() {
    std::vector<std::unique_ptr<ShardLog>> logs;
    for (int s = 0; s < kShards; ++s) {
      auto log = ShardLog::Open(dir_ + "/shard-" + std::to_string(s), LogOptions{},
                                {io::PosixFileSystem(), SystemClock(), &scheduler_});
      EXPECT_TRUE(log.ok()) << log.status().ToString();
      if (!log.ok()) return {};
      logs.push_back(std::move(log).value());
    }
    return logs;
  }

  // Checks that an acknowledged append is present and intact.
  void CheckAck(ShardLog& log, int shard, const Ack& a) {
    auto r = log.Read(LogOffset(a.first), ReadLimits{a.count, 1u << 30});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->records.size(), a.count) << "shard " << shard << " offset " << a.first;
    for (uint32_t i = 0; i < a.count; ++i) {
      auto id = ParseCrashRecord(r->records[i].data);
      ASSERT_TRUE(id.has_value()) << "shard " << shard << " offset " << a.first + i;
      EXPECT_EQ(id->shard, static_cast<uint32_t>(shard));
      EXPECT_EQ(id->batch, a.batch);
      EXPECT_EQ(id->index, i);
      EXPECT_EQ(id->count, a.count);
    }
  }

  // Checks records [from, end): intact, whole batches, dense offsets. Returns the end.
  uint64_t CheckRange(ShardLog& log, int shard, uint64_t from) {
    const uint64_t end = log.end_offset().value();
    uint64_t next = from;
    uint32_t expect_index = 0;
    uint64_t batch = 0;
    while (next < end) {
      auto r = log.Read(LogOffset(next), ReadLimits{5000, 8u << 20});
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok() || r->records.empty()) break;
      for (const auto& rec : r->records) {
        EXPECT_EQ(rec.offset, next);
        auto id = ParseCrashRecord(rec.data);
        EXPECT_TRUE(id.has_value())
            << "torn or foreign record at shard " << shard << " offset " << rec.offset;
        if (!id) return end;
        EXPECT_EQ(id->shard, static_cast<uint32_t>(shard));
        EXPECT_EQ(id->index, expect_index) << "half batch at offset " << rec.offset;
        if (expect_index > 0) {
          EXPECT_EQ(id->batch, batch);
        }
        batch = id->batch;
        expect_index = id->index + 1 == id->count ? 0 : id->index + 1;
        ++next;
      }
    }
    EXPECT_EQ(expect_index, 0u) << "shard " << shard << " ends inside a batch";
    return end;
  }

  std::string dir_;
  SyncScheduler scheduler_{SyncScheduler::Options{2}};
};

TEST_F(LogCrashTest, AcknowledgedAppendsSurviveSigkill) {
  const int kills = KillCount();
  std::mt19937 rng(12345);
  std::map<int, std::vector<Ack>> all_acks;
  std::vector<uint64_t> checked_to(kShards, 0);
  uint64_t total_acks = 0;
  for (int k = 0; k < kills; ++k) {
    std::string error;
    // Mostly mid-append; sometimes during start-up and recovery.
    const int delay_ms =
        (k % 10 == 0) ? static_cast<int>(rng() % 5) : 5 + static_cast<int>(rng() % 60);
    auto acks = RunAndKill(dir_, static_cast<uint64_t>(k + 1), delay_ms, &error);
    ASSERT_TRUE(error.empty()) << error << " (kill " << k << ")";
    auto logs = OpenAll();
    ASSERT_EQ(logs.size(), static_cast<size_t>(kShards)) << "kill " << k;
    for (const auto& [shard, a] : acks) {
      CheckAck(*logs[shard], shard, a);
      all_acks[shard].push_back(a);
      ++total_acks;
    }
    for (int s = 0; s < kShards; ++s) checked_to[s] = CheckRange(*logs[s], s, checked_to[s]);
    if (::testing::Test::HasFailure()) FAIL() << "after kill " << k;
  }
  // Finally, everything ever acknowledged, across all the restarts.
  auto logs = OpenAll();
  ASSERT_EQ(logs.size(), static_cast<size_t>(kShards));
  for (const auto& [shard, acks] : all_acks) {
    for (const auto& a : acks) CheckAck(*logs[shard], shard, a);
  }
  for (int s = 0; s < kShards; ++s) CheckRange(*logs[s], s, logs[s]->start_offset().value());
  EXPECT_GT(total_acks, static_cast<uint64_t>(kills));  // the writer really ran
  RecordProperty("kills", kills);
  RecordProperty("acknowledged_appends", static_cast<int>(total_acks));
  std::printf("%d kills, %llu acknowledged appends verified\n", kills,
              static_cast<unsigned long long>(total_acks));
}

}  // namespace
}  // namespace eddy::log
