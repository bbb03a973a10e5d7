#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/consumer/record.h"

// The JSON-lines protocol of KCL's MultiLangDaemon, as the daemon (KCL's
// amazon-kinesis-client-multilang, `messages/*.java`) writes it and as its clients read it
// (amazon_kclpy 3.x `kcl.py`/`messages.py`, aws-kcl 2.x `lib/kcl/*.js`). One JSON object per line;
// `action` names the message.
//
//   daemon -> child   {"action":"initialize","shardId":..,"sequenceNumber":s|null,"subSequenceNumber":n|null}
//                     {"action":"processRecords","records":[{"action":"record","data":<base64>,
//                       "partitionKey":..,"sequenceNumber":..,"subSequenceNumber":n,
//                       "approximateArrivalTimestamp":<epoch ms>}],"millisBehindLatest":n}
//                     {"action":"leaseLost"} {"action":"shardEnded"} {"action":"shutdownRequested"}
//                     {"action":"checkpoint","sequenceNumber":s|null,"subSequenceNumber":n|null,
//                       "error":<exception name>|null}          (the answer to a checkpoint request)
//   child -> daemon   {"action":"checkpoint","sequenceNumber":s|null,"subSequenceNumber":n|null}
//                     {"action":"status","responseFor":"<action>"}
//
// Neither client has a prepareCheckpoint message (nor has the daemon), so there is none here.
//
// Thread-safety: pure functions and value types.
namespace eddy::consumer::multilang {

// Action names as they appear on the wire.
inline constexpr std::string_view kInitializeAction = "initialize";
inline constexpr std::string_view kProcessRecordsAction = "processRecords";
inline constexpr std::string_view kLeaseLostAction = "leaseLost";
inline constexpr std::string_view kShardEndedAction = "shardEnded";
inline constexpr std::string_view kShutdownRequestedAction = "shutdownRequested";
inline constexpr std::string_view kCheckpointAction = "checkpoint";
inline constexpr std::string_view kStatusAction = "status";
inline constexpr std::string_view kRecordAction = "record";

// ---- daemon -> child ----

struct InitializeMessage {
  std::string shard_id;
  // Where the lease's checkpoint stands (a sequence number or a sentinel such as TRIM_HORIZON);
  // both null when the lease has none.
  std::optional<std::string> sequence_number;
  std::optional<int64_t> sub_sequence_number;
  friend bool operator==(const InitializeMessage&, const InitializeMessage&) = default;
};

struct ProcessRecordsMessage {
  std::vector<Record> records;  // decoding fills sequence/sub-sequence, arrival, key and data
  int64_t millis_behind_latest = 0;
};

struct LeaseLostMessage {};
struct ShardEndedMessage {};
struct ShutdownRequestedMessage {};

// The daemon's answer to a CheckpointRequest.
struct CheckpointAnswer {
  std::optional<std::string> sequence_number;
  std::optional<int64_t> sub_sequence_number;
  std::optional<std::string> error;  // KCL's exception name ("ShutdownException"); null: success
  friend bool operator==(const CheckpointAnswer&, const CheckpointAnswer&) = default;
};

using DaemonMessage = std::variant<InitializeMessage, ProcessRecordsMessage, LeaseLostMessage,
                                   ShardEndedMessage, ShutdownRequestedMessage, CheckpointAnswer>;

// ---- child -> daemon ----

// A request to checkpoint. A null (or absent) sequence number means "the last record
// delivered"; a null (or absent) sub-sequence number means 0. aws-kcl sends no
// subSequenceNumber at all, and omits sequenceNumber when called without one.
struct CheckpointRequest {
  std::optional<std::string> sequence_number;
  std::optional<int64_t> sub_sequence_number;
  friend bool operator==(const CheckpointRequest&, const CheckpointRequest&) = default;
};

// The child has finished the action named in `response_for`.
struct StatusMessage {
  std::string response_for;
  friend bool operator==(const StatusMessage&, const StatusMessage&) = default;
};

using ChildMessage = std::variant<CheckpointRequest, StatusMessage>;

// ---- encoding: one JSON object, without the line's '\n' ----

std::string EncodeInitialize(const InitializeMessage& message);
// Takes the records by reference: a batch can hold megabytes of data, encoded straight into
// the line.
std::string EncodeProcessRecords(const std::vector<Record>& records, int64_t millis_behind_latest);
std::string EncodeLeaseLost();
std::string EncodeShardEnded();
std::string EncodeShutdownRequested();
std::string EncodeCheckpointAnswer(const CheckpointAnswer& answer);
std::string EncodeCheckpointRequest(const CheckpointRequest& request);
std::string EncodeStatus(std::string_view response_for);

// ---- decoding ----
//
// Each decoder takes one line (without its '\n'; a trailing '\r' is ignored) and returns:
//  - nullopt for a line to skip: an empty or blank line, a line that is not JSON, or JSON that is
//    not an object. KCL's daemon skips these too (GetNextMessageTask), and clients surround
//    their lines with '\n' and may print stray text to stdout; the caller may log them;
//  - the message;
//  - InvalidArgument for a JSON object that is not a valid message of this direction: no
//    `action`, an unknown action, a missing, repeated or unknown field, or a field of the wrong
//    type. The error names the line (cut to kMaxQuotedLineBytes) and what is wrong.
// Never crashes or asserts, whatever the bytes.

inline constexpr size_t kMaxQuotedLineBytes = 256;

Result<std::optional<ChildMessage>> DecodeChildLine(std::string_view line);
Result<std::optional<DaemonMessage>> DecodeDaemonLine(std::string_view line);

// `line` as error messages quote it: at most kMaxQuotedLineBytes bytes, then "... (N bytes)".
std::string QuoteLine(std::string_view line);

}  // namespace eddy::consumer::multilang
