#include "eddy/pipe/failure_destination.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "eddy/client/json_body.h"
#include "eddy/pipe/time_format.h"

namespace eddy::pipe {
namespace {

// Kinesis' record limit (data and partition key), less room for the partition key.
constexpr size_t kMaxKinesisRecordBytes = 1024 * 1024 - 256;

std::string NewRequestId() {
  static std::atomic<uint64_t> counter{0};
  const uint64_t n = counter.fetch_add(1) + 1;
  return fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", static_cast<uint32_t>(getpid()),
                     (n >> 48) & 0xffff, (n >> 36) & 0xfff, (n >> 24) & 0xfff, n & 0xffffffffffff);
}

}  // namespace

std::string FailureRecordJson(const FailedBatch& b, int64_t now_ms) {
  const consumer::Record& first = *b.records.front();
  const consumer::Record& last = *b.records.back();
  const bool kinesis = b.context->source_type == SourceType::kKinesis;
  auto arrival = [&](const consumer::Record& r) {
    return kinesis ? FormatIso8601Millis(r.arrival_ms) : FormatIso8601Seconds(r.arrival_ms);
  };
  client::JsonBody j;
  size_t size = 1024;
  for (const std::string* e : b.entries) size += e->size() + 1;
  j.Reserve(size);
  j.Open();
  j.Key("requestContext").Open();
  j.Key("requestId").String(NewRequestId());
  j.Key("functionArn").String(b.function_arn);
  j.Key("condition").String(b.condition);
  j.Key("approximateInvokeCount").Int(b.approximate_invoke_count);
  j.Close();
  j.Key("responseContext").Open();
  j.Key("statusCode").Int(b.status_code);
  j.Key("executedVersion").String("$LATEST");
  if (!b.function_error.empty()) j.Key("functionError").String(b.function_error);
  j.Close();
  j.Key("version").String("1.0");
  j.Key("timestamp").String(FormatIso8601Millis(now_ms));
  j.Key(kinesis ? "KinesisBatchInfo" : "DDBStreamBatchInfo").Open();
  j.Key("shardId").String(b.context->shard_id);
  j.Key("startSequenceNumber").String(first.sequence_number);
  j.Key("endSequenceNumber").String(last.sequence_number);
  j.Key("approximateArrivalOfFirstRecord").String(arrival(first));
  j.Key("approximateArrivalOfLastRecord").String(arrival(last));
  j.Key("batchSize").Int(static_cast<int64_t>(b.records.size()));
  j.Key("streamArn").String(b.context->event_source_arn);
  j.Close();
  j.Key("pipe").String(b.pipe);
  if (!b.error_type.empty() || !b.error_message.empty()) {
    j.Key("error").Open();
    j.Key("errorType").String(b.error_type);
    j.Key("errorMessage").String(b.error_message);
    j.Close();
  }
  j.Key("records").OpenArray();
  for (const std::string* e : b.entries) j.Raw(*e);
  j.CloseArray();
  j.Close();
  return j.Take();
}

Status LockFileAtPath(const std::string& path, int open_flags, bool wait, int* fd) {
  for (;;) {
    if (*fd < 0) {
      *fd = open(path.c_str(), open_flags, 0644);
      if (*fd < 0) return Status::FromErrno(errno, fmt::format("opening {}", path));
    }
    int rc;
    do {
      rc = flock(*fd, LOCK_EX | (wait ? 0 : LOCK_NB));
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      if (errno == EWOULDBLOCK) return Status::Unavailable(fmt::format("{} is locked", path));
      return Status::FromErrno(errno, fmt::format("locking {}", path));
    }
    struct stat locked, at_path;
    if (fstat(*fd, &locked) != 0) return Status::FromErrno(errno, fmt::format("stat {}", path));
    const bool same = stat(path.c_str(), &at_path) == 0 && at_path.st_dev == locked.st_dev &&
                      at_path.st_ino == locked.st_ino;
    if (same) return Status::Ok();
    // Replaced (or removed) while this waited for the lock: lock the file there now.
    close(*fd);
    *fd = -1;
  }
}

namespace {

// How the file sink opens its file: read too, to see whether the file ends in a torn line.
constexpr int kFileSinkOpenFlags = O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC;

class FileFailureSink final : public FailureSink {
 public:
  FileFailureSink(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~FileFailureSink() override {
    if (fd_ >= 0) close(fd_);
  }

  Status Send(const FailedBatch& batch) override {
    std::string line = FailureRecordJson(batch, NowMillis());
    line += '\n';
    std::lock_guard lock(mu_);
    // The file lock keeps a redrive from replacing the file between its read and its rename
    // while this appends (the append would go to the replaced file and be lost).
    if (Status locked = LockFileAtPath(path_, kFileSinkOpenFlags, /*wait=*/true, &fd_);
        !locked.ok()) {
      return locked;
    }
    Status appended = AppendLocked(line);
    flock(fd_, LOCK_UN);
    return appended;
  }

  Status CheckReachable() override { return Status::Ok(); }
  std::string Describe() const override { return "file://" + path_; }

 private:
  static int64_t NowMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  // REQUIRES: fd_ holds the file lock.
  Status AppendLocked(std::string& line) {
    // A process killed in the middle of a write leaves a line without its '\n'; a record
    // appended to it would be glued to the fragment and unreadable by a redrive.
    struct stat st;
    if (fstat(fd_, &st) != 0) return Status::FromErrno(errno, fmt::format("stat {}", path_));
    if (st.st_size > 0) {
      char last = '\n';
      if (pread(fd_, &last, 1, st.st_size - 1) == 1 && last != '\n') line.insert(0, 1, '\n');
    }
    size_t written = 0;
    while (written < line.size()) {
      const ssize_t n = write(fd_, line.data() + written, line.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::IoError(fmt::format("writing {}: {}", path_, std::strerror(errno)));
      }
      written += static_cast<size_t>(n);
    }
    if (fdatasync(fd_) != 0) {
      return Status::IoError(fmt::format("syncing {}: {}", path_, std::strerror(errno)));
    }
    return Status::Ok();
  }

  const std::string path_;
  std::mutex mu_;
  int fd_;  // under mu_; -1 after a failed reopen, which the next Send tries again
};

class KinesisFailureSink final : public FailureSink {
 public:
  KinesisFailureSink(client::KinesisClient& kinesis, std::string stream)
      : kinesis_(kinesis), stream_(std::move(stream)) {}

  Status Send(const FailedBatch& batch) override { return SendPart(batch, 0, batch.records.size()); }

  Status CheckReachable() override {
    auto summary = kinesis_.DescribeStreamSummary(stream_);
    if (!summary.ok()) {
      return Status::Unavailable(fmt::format("the on-failure destination stream {}: {}", stream_,
                                             summary.error().message));
    }
    return Status::Ok();
  }

  std::string Describe() const override { return "kinesis stream " + stream_; }

 private:
  Status SendPart(const FailedBatch& batch, size_t begin, size_t end) {
    FailedBatch part = batch;
    part.records.assign(batch.records.begin() + begin, batch.records.begin() + end);
    part.entries.assign(batch.entries.begin() + begin, batch.entries.begin() + end);
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    std::string json = FailureRecordJson(part, now);
    if (json.size() > kMaxKinesisRecordBytes) {
      if (end - begin > 1) {
        const size_t mid = begin + (end - begin) / 2;
        if (Status s = SendPart(batch, begin, mid); !s.ok()) return s;
        return SendPart(batch, mid, end);
      }
      spdlog::warn("pipe {}: the failed record {} of {} is too large for a Kinesis record; its "
                   "failure record is sent without it",
                   batch.pipe, part.records[0]->sequence_number, batch.context->shard_id);
      part.entries.clear();
      json = FailureRecordJson(part, now);
      json.insert(json.size() - 1, ",\"dataOmitted\":true");
    }
    auto put = kinesis_.PutRecord(
        stream_, client::PutEntry{json, batch.context->shard_id, std::string_view()});
    if (!put.ok()) {
      return Status::Unavailable(fmt::format("putting a failure record on {}: {}", stream_,
                                             put.error().message));
    }
    return Status::Ok();
  }

  client::KinesisClient& kinesis_;
  const std::string stream_;
};

}  // namespace

Result<std::unique_ptr<FailureSink>> MakeFileFailureSink(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  const int fd = open(path.c_str(), kFileSinkOpenFlags, 0644);
  if (fd < 0) {
    return Status::IoError(
        fmt::format("the on-failure destination {} cannot be opened: {}", path, std::strerror(errno)));
  }
  return std::unique_ptr<FailureSink>(new FileFailureSink(path, fd));
}

std::unique_ptr<FailureSink> MakeKinesisFailureSink(client::KinesisClient& kinesis,
                                                    std::string stream) {
  return std::make_unique<KinesisFailureSink>(kinesis, std::move(stream));
}

}  // namespace eddy::pipe
