#include "eddy/pipe/redrive.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <utility>

#include "eddy/base/clock.h"
#include "eddy/consumer/record.h"
#include "eddy/pipe/event.h"
#include "eddy/pipe/failure_destination.h"
#include "eddy/pipe/pipe_status.h"

namespace eddy::pipe {
namespace {

using simdjson::dom::element;

// Owns a descriptor; closing it releases its flock.
class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(ScopedFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() { Reset(); }

  int get() const { return fd_; }
  int* out() { return &fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Up to `n` bytes at `offset` (fewer only at the end of the file).
Result<std::string> ReadAt(int fd, uint64_t offset, size_t n, const std::string& path) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    const ssize_t r = pread(fd, out.data() + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, fmt::format("reading {}", path));
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  out.resize(got);
  return out;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, fmt::format("writing {}", path));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Appends bytes [begin, end) of `from` to `to`.
Status CopyRange(int from, uint64_t begin, uint64_t end, int to, const std::string& from_path,
                 const std::string& to_path) {
  constexpr size_t kChunk = 1 << 20;
  while (begin < end) {
    EDDY_ASSIGN_OR_RETURN(std::string chunk,
                          ReadAt(from, begin, std::min<uint64_t>(kChunk, end - begin), from_path));
    if (chunk.empty()) {
      return Status::FailedPrecondition(
          fmt::format("{} became shorter while the redrive copied it", from_path));
    }
    EDDY_RETURN_IF_ERROR(WriteAll(to, chunk, to_path));
    begin += chunk.size();
  }
  return Status::Ok();
}

// Makes a rename in `dir` durable.
Status SyncDirectory(const std::string& dir) {
  ScopedFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return Status::FromErrno(errno, fmt::format("opening the folder {}", dir));
  if (fsync(fd.get()) != 0) return Status::FromErrno(errno, fmt::format("syncing {}", dir));
  return Status::Ok();
}

// A line of the file: its text without the '\n', and its size with it (the last line of what
// was present at the start may have none: a torn write).
struct Line {
  std::string text;
  uint64_t size = 0;
};

// The line at `offset`, not reading at or past `limit`.
Result<Line> ReadLine(int fd, uint64_t offset, uint64_t limit, const std::string& path) {
  constexpr size_t kChunk = 64 * 1024;
  Line line;
  uint64_t at = offset;
  while (at < limit) {
    EDDY_ASSIGN_OR_RETURN(std::string chunk,
                          ReadAt(fd, at, std::min<uint64_t>(kChunk, limit - at), path));
    if (chunk.empty()) {
      return Status::FailedPrecondition(fmt::format(
          "{} is shorter than when the redrive started: another process changed it", path));
    }
    const size_t newline = chunk.find('\n');
    if (newline != std::string::npos) {
      line.text.append(chunk, 0, newline);
      line.size = line.text.size() + 1;
      return line;
    }
    line.text += chunk;
    at += chunk.size();
  }
  line.size = line.text.size();
  return line;
}

simdjson::dom::parser& DomParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

simdjson::ondemand::parser& OndemandParser() {
  thread_local simdjson::ondemand::parser parser;
  return parser;
}

std::string StringAt(element object, std::string_view key) {
  std::string_view value;
  if (object[key].get_string().get(value) != simdjson::SUCCESS) return {};
  return std::string(value);
}

int64_t IntAt(element object, std::string_view key, int64_t fallback) {
  int64_t value = 0;
  if (object[key].get_int64().get(value) != simdjson::SUCCESS) return fallback;
  return value;
}

// A failure record of the pipe, as far as a redrive needs it.
struct ParsedFailure {
  EventContext context;  // the source kind, the shard and the stream's ARN
  std::string condition;
  int64_t invoke_count = 0;
  int status_code = 200;
  std::string function_error, error_type, error_message;
  std::vector<consumer::Record> records;  // sequence number and arrival time of each entry
  std::vector<std::string> entries;       // the Records[] entries, byte for byte
};

// The exact text of each element of the top-level "records" array. A DOM re-serialization would
// rewrite numbers and escapes; the function must get the entries as it was first sent them.
Status RawEntries(std::string_view text, std::vector<std::string>* out) {
  const simdjson::padded_string padded(text);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object top;
  if (OndemandParser().iterate(padded).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(top) != simdjson::SUCCESS) {
    return Status::InvalidArgument("not a JSON object");
  }
  for (auto member : top) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (std::move(member).get(field) != simdjson::SUCCESS ||
        field.unescaped_key().get(key) != simdjson::SUCCESS) {
      return Status::InvalidArgument("unreadable JSON");
    }
    if (key != "records") continue;
    simdjson::ondemand::array records;
    if (field.value().get_array().get(records) != simdjson::SUCCESS) {
      return Status::InvalidArgument("\"records\" is not a list");
    }
    for (auto item : records) {
      simdjson::ondemand::object entry;
      std::string_view raw;
      if (item.get_object().get(entry) != simdjson::SUCCESS ||
          entry.raw_json().get(raw) != simdjson::SUCCESS) {
        return Status::InvalidArgument("an entry of \"records\" is not an object");
      }
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\r' ||
                              raw.back() == '\n')) {
        raw.remove_suffix(1);
      }
      out->emplace_back(raw);
    }
    return Status::Ok();
  }
  return Status::InvalidArgument("no \"records\"");
}

// One entry's identifier (kinesis.sequenceNumber or dynamodb.SequenceNumber, what
// ReportBatchItemFailures names) and arrival time (epoch seconds, with a fraction for Kinesis).
Status ReadEntry(element entry, SourceType source, consumer::Record* record) {
  const bool kinesis = source == SourceType::kKinesis;
  element inner;
  if (entry[kinesis ? "kinesis" : "dynamodb"].get(inner) != simdjson::SUCCESS ||
      !inner.is_object()) {
    return Status::InvalidArgument(fmt::format("an entry of \"records\" has no \"{}\"",
                                               kinesis ? "kinesis" : "dynamodb"));
  }
  record->sequence_number = StringAt(inner, kinesis ? "sequenceNumber" : "SequenceNumber");
  if (record->sequence_number.empty()) {
    return Status::InvalidArgument(fmt::format(
        "an entry of \"records\" has no {}", kinesis ? "kinesis.sequenceNumber"
                                                     : "dynamodb.SequenceNumber"));
  }
  double seconds = 0;
  if (inner[kinesis ? "approximateArrivalTimestamp" : "ApproximateCreationDateTime"]
          .get_double()
          .get(seconds) == simdjson::SUCCESS) {
    record->arrival_ms = std::llround(seconds * 1000);
  }
  return Status::Ok();
}

// What a line of the file is.
enum class LineKind {
  kBlank,
  kOtherPipe,
  kUnreadable,  // not a failure record of any pipe (not JSON, no "pipe"): kept, reported
  kOursUnusable,  // the pipe's, but nothing can be redriven from it: kept, reported
  kOurs,
};

struct Inspection {
  LineKind kind = LineKind::kBlank;
  std::string problem;    // kUnreadable, kOursUnusable
  ParsedFailure failure;  // kOurs, when asked for
};

// Reads what a redrive needs from a failure record (`doc`, parsed from `text`).
Status ParseFailure(element doc, std::string_view text, ParsedFailure* f) {
  element info;
  if (doc["KinesisBatchInfo"].get(info) == simdjson::SUCCESS && info.is_object()) {
    f->context.source_type = SourceType::kKinesis;
  } else if (doc["DDBStreamBatchInfo"].get(info) == simdjson::SUCCESS && info.is_object()) {
    f->context.source_type = SourceType::kDynamoDbStream;
  } else {
    return Status::InvalidArgument("no KinesisBatchInfo or DDBStreamBatchInfo");
  }
  f->context.shard_id = StringAt(info, "shardId");
  f->context.event_source_arn = StringAt(info, "streamArn");
  element part;
  if (doc["requestContext"].get(part) == simdjson::SUCCESS && part.is_object()) {
    f->condition = StringAt(part, "condition");
    f->invoke_count = IntAt(part, "approximateInvokeCount", 0);
  }
  if (doc["responseContext"].get(part) == simdjson::SUCCESS && part.is_object()) {
    f->status_code = static_cast<int>(IntAt(part, "statusCode", 200));
    f->function_error = StringAt(part, "functionError");
  }
  if (doc["error"].get(part) == simdjson::SUCCESS && part.is_object()) {
    f->error_type = StringAt(part, "errorType");
    f->error_message = StringAt(part, "errorMessage");
  }
  simdjson::dom::array records;
  if (doc["records"].get_array().get(records) != simdjson::SUCCESS) {
    return Status::InvalidArgument("no \"records\" list");
  }
  if (records.size() == 0) {
    return Status::InvalidArgument(
        "\"records\" is empty (a record too large for a Kinesis destination is sent without its "
        "data)");
  }
  for (element entry : records) {
    consumer::Record record;
    EDDY_RETURN_IF_ERROR(ReadEntry(entry, f->context.source_type, &record));
    f->records.push_back(std::move(record));
  }
  // The DOM parser's document is no longer used past this point: the ondemand parser is another.
  EDDY_RETURN_IF_ERROR(RawEntries(text, &f->entries));
  if (f->entries.size() != f->records.size()) {
    return Status::InvalidArgument("\"records\" is not a plain list of objects");
  }
  return Status::Ok();
}

// What `text` is to the pipe `pipe`. Without `full`, only whose it is (kOurs is not checked).
Inspection Inspect(std::string_view text, std::string_view pipe, bool full) {
  Inspection in;
  if (text.find_first_not_of(" \t\r") == std::string_view::npos) return in;
  element doc;
  if (auto err = DomParser().parse(text.data(), text.size()).get(doc)) {
    in.kind = LineKind::kUnreadable;
    in.problem = fmt::format("not JSON ({})", simdjson::error_message(err));
    return in;
  }
  std::string_view owner;
  if (!doc.is_object() || doc["pipe"].get_string().get(owner) != simdjson::SUCCESS) {
    in.kind = LineKind::kUnreadable;
    in.problem = "not a failure record of a pipe (no \"pipe\")";
    return in;
  }
  if (owner != pipe) {
    in.kind = LineKind::kOtherPipe;
    return in;
  }
  in.kind = LineKind::kOurs;
  if (!full) return in;
  if (Status parsed = ParseFailure(doc, text, &in.failure); !parsed.ok()) {
    in.kind = LineKind::kOursUnusable;
    in.problem = parsed.message();
  }
  return in;
}

// Takes the records the deliverer gives up on (their retries ran out): they stay in the file.
// Thread-safety: used by one BatchDeliverer on one thread.
class KeptRecords final : public FailureSink {
 public:
  explicit KeptRecords(const std::vector<consumer::Record>& records)
      : records_(records), kept_(records.size(), false) {}

  Status Send(const FailedBatch& batch) override {
    for (const consumer::Record* r : batch.records) {
      kept_[static_cast<size_t>(r - records_.data())] = true;
    }
    ++batches_;
    max_invokes_ = std::max(max_invokes_, batch.approximate_invoke_count);
    last_ = batch;  // the last answer's condition and error; its pointers are not used
    return Status::Ok();
  }
  Status CheckReachable() override { return Status::Ok(); }
  std::string Describe() const override { return "the failure file (kept by the redrive)"; }

  bool kept(size_t i) const { return kept_[i]; }
  size_t count() const { return static_cast<size_t>(std::count(kept_.begin(), kept_.end(), true)); }
  bool any() const { return batches_ > 0; }
  int max_invokes() const { return max_invokes_; }
  const FailedBatch& last() const { return last_; }

 private:
  const std::vector<consumer::Record>& records_;
  std::vector<bool> kept_;
  int batches_ = 0;
  int max_invokes_ = 0;
  FailedBatch last_;
};

// What the redrive of one failure record did.
struct Redriven {
  size_t delivered = 0;
  size_t failed_again = 0;
  bool interrupted = false;  // stopped before every record was delivered or given up on
  std::string replacement;   // the failure record of what is left, with its '\n'; or empty
};

class FileRedrive {
 public:
  FileRedrive(const PipeConfig& config, Target& target, const RedriveOptions& options)
      : config_(config),
        target_(target),
        options_(options),
        stop_(options.stop != nullptr ? *options.stop : never_),
        path_(config.on_failure.name),
        tmp_path_(path_ + ".redrive.tmp"),
        lock_path_(path_ + ".redrive.lock") {
    delivery_config_ = config;
    // The records of a failure file are old by nature: their age must not send them back.
    delivery_config_.maximum_record_age_in_seconds = -1;
    delivery_config_.maximum_retry_attempts = options.maximum_retry_attempts.value_or(
        config.maximum_retry_attempts >= 0 ? config.maximum_retry_attempts
                                           : kDefaultRedriveRetryAttempts);
  }

  Result<RedriveProgress> Run() {
    struct stat st;
    if (stat(path_.c_str(), &st) != 0) {
      if (errno != ENOENT) return Status::FromErrno(errno, fmt::format("stat {}", path_));
      Report();  // no file: the pipe never gave up on a batch
      return progress_;
    }
    ScopedFd held;
    Status locked = LockFileAtPath(lock_path_, O_RDWR | O_CREAT | O_CLOEXEC, /*wait=*/false,
                                   held.out());
    if (locked.code() == Status::Code::kUnavailable) {
      return Status::FailedPrecondition(fmt::format(
          "another redrive of {} is running (it holds {})", path_, lock_path_));
    }
    EDDY_RETURN_IF_ERROR(locked);
    Status done = RunLocked();
    // Removed while still held: a redrive that opened it before waits for nothing, and one that
    // locks the removed file sees it is no longer at the path (LockFileAtPath) and makes anew.
    unlink(lock_path_.c_str());
    EDDY_RETURN_IF_ERROR(done);
    return progress_;
  }

 private:
  Status RunLocked() {
    {
      // The end of what is redriven, read under the file lock so that no append is half-done.
      ScopedFd locked;
      Status s = LockFileAtPath(path_, O_RDONLY | O_CLOEXEC, /*wait=*/true, locked.out());
      if (s.IsNotFound()) {
        Report();
        return Status::Ok();
      }
      EDDY_RETURN_IF_ERROR(s);
      struct stat st;
      if (fstat(locked.get(), &st) != 0) {
        return Status::FromErrno(errno, fmt::format("stat {}", path_));
      }
      original_left_ = static_cast<uint64_t>(st.st_size);
      flock(locked.get(), LOCK_UN);
      file_ = std::move(locked);
    }
    EDDY_RETURN_IF_ERROR(CountFailureRecords());
    Report();
    for (size_t line_number = 1; original_left_ > 0; ++line_number) {
      if (stop_.load(std::memory_order_relaxed)) {
        progress_.interrupted = true;
        break;
      }
      EDDY_ASSIGN_OR_RETURN(Line line,
                            ReadLine(file_.get(), cursor_, cursor_ + original_left_, path_));
      EDDY_ASSIGN_OR_RETURN(bool go_on, HandleLine(line, line_number));
      if (!go_on) break;
    }
    return Status::Ok();
  }

  // The failure records of the pipe among the lines present at the start.
  Status CountFailureRecords() {
    uint64_t at = 0;
    const uint64_t end = original_left_;
    while (at < end) {
      EDDY_ASSIGN_OR_RETURN(Line line, ReadLine(file_.get(), at, end, path_));
      if (Inspect(line.text, config_.name, /*full=*/false).kind == LineKind::kOurs) {
        ++progress_.failure_records_total;
      }
      at += line.size;
    }
    return Status::Ok();
  }

  // Redrives the line at cursor_ if it is the pipe's, and moves past it. False: stop now.
  Result<bool> HandleLine(const Line& line, size_t line_number) {
    Inspection in = Inspect(line.text, config_.name, /*full=*/true);
    if (in.kind != LineKind::kOurs) {
      if (in.kind == LineKind::kUnreadable || in.kind == LineKind::kOursUnusable) {
        ++progress_.malformed_lines;
        progress_.problems.push_back(fmt::format("line {}: {}", line_number, in.problem));
        spdlog::warn("pipe {}: redrive: {} line {} is kept as it is: {}", config_.name, path_,
                     line_number, in.problem);
      }
      Skip(line.size, line.size);
      if (in.kind == LineKind::kOursUnusable) {
        ++progress_.failure_records_done;
        Report();
      }
      return true;
    }
    const Redriven r = Deliver(in.failure);
    if (r.delivered > 0 || r.failed_again > 0) {
      std::string old_bytes = line.text;
      if (line.size > line.text.size()) old_bytes += '\n';
      if (Status s = ReplaceLine(old_bytes, r.replacement); !s.ok()) {
        return s.WithContext(fmt::format(
            "after redriving line {} of {} ({} records delivered, which the file may still hold)",
            line_number, path_, r.delivered));
      }
      Skip(line.size, r.replacement.size());
    } else {
      Skip(line.size, line.size);
    }
    progress_.records_delivered += r.delivered;
    progress_.records_failed_again += r.failed_again;
    spdlog::debug("pipe {}: redrive: line {}: {} records delivered, {} failing again{}",
                  config_.name, line_number, r.delivered, r.failed_again,
                  r.interrupted ? ", interrupted" : "");
    if (r.interrupted) {
      progress_.interrupted = true;
      Report();
      return false;
    }
    ++progress_.failure_records_done;
    Report();
    return true;
  }

  // Moves past a line of `old_size` bytes, which now takes `new_size` bytes.
  void Skip(uint64_t old_size, uint64_t new_size) {
    cursor_ += new_size;
    original_left_ -= old_size;
  }

  // Delivers the records of one failure record with the pipe's rules, and builds the failure
  // record of those left (given up on again, or not reached before `stop`).
  Redriven Deliver(ParsedFailure& f) {
    std::vector<DeliveryItem> items;
    items.reserve(f.records.size());
    for (size_t i = 0; i < f.records.size(); ++i) {
      items.push_back(DeliveryItem{&f.records[i], std::move(f.entries[i])});
    }
    KeptRecords kept(f.records);
    ShardStatus shard_status;
    PipeStatus pipe_status;
    BatchDeliverer deliverer(delivery_config_, f.context, target_, &kept, shard_status,
                             pipe_status, *SystemClock(), options_.pacing, stop_);
    const size_t done = deliverer.Deliver(items, 0, items.size());

    Redriven r;
    r.failed_again = kept.count();
    r.delivered = done - r.failed_again;  // what was given up on is among the done
    r.interrupted = done < items.size();
    FailedBatch left;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i < done && !kept.kept(i)) continue;
      left.records.push_back(items[i].record);
      left.entries.push_back(&items[i].entry);
    }
    if (left.records.empty()) return r;
    const auto invocations = static_cast<int64_t>(shard_status.invocations.load() -
                                                  shard_status.unavailable.load());
    left.pipe = config_.name;
    left.context = &f.context;
    left.function_arn = target_.Arn();
    if (kept.any()) {
      const FailedBatch& last = kept.last();
      left.condition = last.condition;
      left.status_code = last.status_code;
      left.function_error = last.function_error;
      left.error_type = last.error_type;
      left.error_message = last.error_message;
      left.approximate_invoke_count = static_cast<int>(f.invoke_count + kept.max_invokes());
    } else {  // interrupted before anything was given up on: the first failure still stands
      left.condition = f.condition;
      left.status_code = f.status_code;
      left.function_error = f.function_error;
      left.error_type = f.error_type;
      left.error_message = f.error_message;
      left.approximate_invoke_count = static_cast<int>(f.invoke_count + invocations);
    }
    r.replacement = FailureRecordJson(left, SystemClock()->NowMillis());
    r.replacement += '\n';
    return r;
  }

  // Replaces `old_bytes` at cursor_ by `new_bytes`, atomically, under the file lock, keeping
  // every byte after them (lines appended meanwhile included). file_ becomes the new file.
  Status ReplaceLine(std::string_view old_bytes, std::string_view new_bytes) {
    ScopedFd locked;
    Status s = LockFileAtPath(path_, O_RDONLY | O_CLOEXEC, /*wait=*/true, locked.out());
    if (s.IsNotFound()) {
      return Status::FailedPrecondition(fmt::format("{} was removed during the redrive", path_));
    }
    EDDY_RETURN_IF_ERROR(s);
    struct stat current, ours;
    if (fstat(locked.get(), &current) != 0 || fstat(file_.get(), &ours) != 0) {
      return Status::FromErrno(errno, fmt::format("stat {}", path_));
    }
    EDDY_ASSIGN_OR_RETURN(std::string found,
                          ReadAt(locked.get(), cursor_, old_bytes.size(), path_));
    if (current.st_dev != ours.st_dev || current.st_ino != ours.st_ino || found != old_bytes) {
      return Status::FailedPrecondition(fmt::format(
          "{} was changed during the redrive other than by a pipe appending to it; stopping",
          path_));
    }
    ScopedFd tmp(open(tmp_path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (tmp.get() < 0) return Status::FromErrno(errno, fmt::format("creating {}", tmp_path_));
    const uint64_t size = static_cast<uint64_t>(current.st_size);
    Status written = [&]() -> Status {
      if (fchmod(tmp.get(), current.st_mode & 07777) != 0) {
        return Status::FromErrno(errno, fmt::format("chmod {}", tmp_path_));
      }
      EDDY_RETURN_IF_ERROR(CopyRange(locked.get(), 0, cursor_, tmp.get(), path_, tmp_path_));
      EDDY_RETURN_IF_ERROR(WriteAll(tmp.get(), new_bytes, tmp_path_));
      EDDY_RETURN_IF_ERROR(CopyRange(locked.get(), cursor_ + old_bytes.size(), size, tmp.get(),
                                     path_, tmp_path_));
      if (fdatasync(tmp.get()) != 0) {
        return Status::FromErrno(errno, fmt::format("syncing {}", tmp_path_));
      }
      if (rename(tmp_path_.c_str(), path_.c_str()) != 0) {
        return Status::FromErrno(errno, fmt::format("renaming {} to {}", tmp_path_, path_));
      }
      return Status::Ok();
    }();
    if (!written.ok()) {
      unlink(tmp_path_.c_str());
      return written;
    }
    // From here the new file is at the path: read on from it even if syncing the folder fails.
    file_ = std::move(tmp);
    std::string dir = std::filesystem::path(path_).parent_path().string();
    return SyncDirectory(dir.empty() ? "." : dir);
    // `locked` is closed after the rename: a sink waiting for the lock then finds the new file.
  }

  void Report() {
    if (options_.on_progress) options_.on_progress(progress_);
  }

  const PipeConfig& config_;
  PipeConfig delivery_config_;  // the pipe's, without the record age, with the redrive's retries
  Target& target_;
  const RedriveOptions& options_;
  const std::atomic<bool> never_{false};
  const std::atomic<bool>& stop_;
  const std::string path_, tmp_path_, lock_path_;
  ScopedFd file_;               // the file at path_, as this redrive last saw or wrote it
  uint64_t cursor_ = 0;         // where, in file_, the next line present at the start begins
  uint64_t original_left_ = 0;  // bytes of the lines present at the start not yet handled
  RedriveProgress progress_;
};

}  // namespace

Result<RedriveProgress> RedriveFileDestination(const PipeConfig& config, Target& target,
                                               const RedriveOptions& options) {
  switch (config.on_failure.type) {
    case FailureDestination::Type::kNone:
      return Status::FailedPrecondition(fmt::format(
          "pipe {} has no on-failure destination (DestinationConfig.OnFailure): nothing to "
          "redrive",
          config.name));
    case FailureDestination::Type::kKinesis:
      return Status::FailedPrecondition(fmt::format(
          "pipe {}: its on-failure destination is the Kinesis stream {}; redriving a stream "
          "destination is not supported yet (only a file:/// destination can be redriven)",
          config.name, config.on_failure.name));
    case FailureDestination::Type::kFile:
      break;
  }
  if (config.on_failure.name.empty()) {
    return Status::InvalidArgument(
        fmt::format("pipe {}: its on-failure destination names no file", config.name));
  }
  FileRedrive redrive(config, target, options);
  return redrive.Run();
}

}  // namespace eddy::pipe
