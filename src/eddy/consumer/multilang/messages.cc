#include "eddy/consumer/multilang/messages.h"

#include <rapidjson/writer.h>
#include <simdjson.h>

#include <array>
#include <utility>

#include "eddy/base/base64.h"

namespace eddy::consumer::multilang {
namespace {

// ---- encoding ----

// RapidJSON's output-stream concept over a std::string, so a line is written in place.
struct StringOutput {
  using Ch = char;
  std::string* text;
  void Put(char c) { text->push_back(c); }
  void Flush() {}
};

// The messages' few shapes over RapidJSON's writer (which escapes strings as JSON requires).
class LineWriter {
 public:
  explicit LineWriter(size_t capacity = 128) : out_{&text_}, writer_(out_) {
    text_.reserve(capacity);
  }
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  void StartObject(std::string_view action) {
    writer_.StartObject();
    Key("action");
    String(action);
  }
  void EndObject() { writer_.EndObject(); }
  void StartArray() { writer_.StartArray(); }
  void EndArray() { writer_.EndArray(); }
  void Key(std::string_view key) {
    writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  }
  void String(std::string_view value) {
    writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  void Int(int64_t value) { writer_.Int64(value); }
  void Null() { writer_.Null(); }
  void OptionalString(const std::optional<std::string>& value) {
    if (value) {
      String(*value);
    } else {
      Null();
    }
  }
  void OptionalInt(const std::optional<int64_t>& value) {
    if (value) {
      Int(*value);
    } else {
      Null();
    }
  }
  // `bytes` base64-encoded (standard alphabet, padded: what Jackson writes for a byte[]),
  // straight into the line.
  void Base64(std::string_view bytes) {
    // An empty raw value makes the writer emit the separator and count the value.
    writer_.RawValue("", 0, rapidjson::kStringType);
    text_ += '"';
    base64::EncodeTo(bytes, &text_);
    text_ += '"';
  }

  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
  StringOutput out_;
  rapidjson::Writer<StringOutput> writer_;
};

std::string EncodeBare(std::string_view action) {
  LineWriter w;
  w.StartObject(action);
  w.EndObject();
  return w.Take();
}

// ---- decoding ----

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

bool IsBlank(std::string_view line) {
  for (const char c : line) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') return false;
  }
  return true;
}

Status Invalid(std::string_view direction, std::string_view what, std::string_view line) {
  std::string msg = "invalid multilang message ";
  msg += direction;
  msg += ": ";
  msg += what;
  msg += " in line ";
  msg += QuoteLine(line);
  return Status::InvalidArgument(std::move(msg));
}

// The members of one JSON object, checked against the fields a message may have: each at most
// once, no other.
template <size_t N>
class Fields {
 public:
  explicit Fields(const std::array<std::string_view, N>& names) : names_(names) {}

  // Returns an empty string, or what is wrong.
  std::string Collect(simdjson::dom::object object) {
    for (const auto field : object) {
      const std::string_view key = field.key;
      if (key == "action") continue;  // checked by the caller
      size_t i = 0;
      while (i < N && names_[i] != key) ++i;
      if (i == N) return "unknown field \"" + std::string(key) + "\"";
      if (present_[i]) return "field \"" + std::string(key) + "\" appears twice";
      present_[i] = true;
      values_[i] = field.value;
    }
    return {};
  }

  bool has(size_t i) const { return present_[i]; }
  bool is_null(size_t i) const { return present_[i] && values_[i].is_null(); }
  simdjson::dom::element value(size_t i) const { return values_[i]; }
  std::string_view name(size_t i) const { return names_[i]; }

 private:
  const std::array<std::string_view, N>& names_;
  std::array<bool, N> present_{};
  std::array<simdjson::dom::element, N> values_{};
};

// A field that must be a string. Returns what is wrong, or an empty string.
template <size_t N>
std::string RequiredString(const Fields<N>& f, size_t i, std::string* out) {
  if (!f.has(i)) return "missing field \"" + std::string(f.name(i)) + "\"";
  std::string_view s;
  if (f.value(i).get(s) != simdjson::SUCCESS) {
    return "field \"" + std::string(f.name(i)) + "\" is not a string";
  }
  out->assign(s);
  return {};
}

// A field that may be absent or null, else a string.
template <size_t N>
std::string OptionalString(const Fields<N>& f, size_t i, std::optional<std::string>* out) {
  out->reset();
  if (!f.has(i) || f.is_null(i)) return {};
  std::string_view s;
  if (f.value(i).get(s) != simdjson::SUCCESS) {
    return "field \"" + std::string(f.name(i)) + "\" is neither a string nor null";
  }
  *out = std::string(s);
  return {};
}

// A field that may be absent or null, else an integer that fits in 64 signed bits.
template <size_t N>
std::string OptionalInt(const Fields<N>& f, size_t i, std::optional<int64_t>* out) {
  out->reset();
  if (!f.has(i) || f.is_null(i)) return {};
  int64_t v = 0;
  if (!f.value(i).is_int64() || f.value(i).get(v) != simdjson::SUCCESS) {
    return "field \"" + std::string(f.name(i)) + "\" is neither an integer nor null";
  }
  *out = v;
  return {};
}

// Parses `line` into its JSON object: nullopt for a line to skip (see the header).
std::optional<simdjson::dom::object> ParseObject(std::string_view line) {
  if (IsBlank(line)) return std::nullopt;
  simdjson::dom::element doc;
  if (ThreadParser().parse(line.data(), line.size(), /*realloc_if_needed=*/true).get(doc) !=
      simdjson::SUCCESS) {
    return std::nullopt;
  }
  simdjson::dom::object object;
  if (doc.get(object) != simdjson::SUCCESS) return std::nullopt;
  return object;
}

// The object's `action`, or what is wrong.
std::string ActionOf(simdjson::dom::object object, std::string_view* action) {
  size_t count = 0;
  for (const auto field : object) {
    if (field.key != "action") continue;
    if (++count > 1) return "field \"action\" appears twice";
    if (field.value.get(*action) != simdjson::SUCCESS) return "field \"action\" is not a string";
  }
  if (count == 0) return "missing field \"action\"";
  return {};
}

constexpr std::string_view kFromChild = "from the child";
constexpr std::string_view kFromDaemon = "from the daemon";

const std::array<std::string_view, 2> kCheckpointRequestFields = {"sequenceNumber",
                                                                   "subSequenceNumber"};
const std::array<std::string_view, 1> kStatusFields = {"responseFor"};
const std::array<std::string_view, 3> kInitializeFields = {"shardId", "sequenceNumber",
                                                           "subSequenceNumber"};
const std::array<std::string_view, 2> kProcessRecordsFields = {"records", "millisBehindLatest"};
const std::array<std::string_view, 0> kNoFields = {};
const std::array<std::string_view, 3> kCheckpointAnswerFields = {"sequenceNumber",
                                                                  "subSequenceNumber", "error"};
const std::array<std::string_view, 5> kRecordFields = {
    "data", "partitionKey", "sequenceNumber", "subSequenceNumber", "approximateArrivalTimestamp"};

// Decodes one record of a processRecords message; returns what is wrong, or an empty string.
std::string DecodeRecord(simdjson::dom::element element, Record* record) {
  simdjson::dom::object object;
  if (element.get(object) != simdjson::SUCCESS) return "a record is not an object";
  std::string_view action;
  if (std::string why = ActionOf(object, &action); !why.empty()) return "a record's " + why;
  if (action != kRecordAction) return "a record's action is not \"record\"";
  Fields<5> f(kRecordFields);
  if (std::string why = f.Collect(object); !why.empty()) return "a record has an " + why;
  std::string data;
  if (std::string why = RequiredString(f, 0, &data); !why.empty()) return "a record: " + why;
  std::optional<std::string> bytes = base64::Decode(data);
  if (!bytes) return "a record's data is not base64";
  record->data = std::move(*bytes);
  if (std::string why = RequiredString(f, 1, &record->partition_key); !why.empty()) {
    return "a record: " + why;
  }
  if (std::string why = RequiredString(f, 2, &record->sequence_number); !why.empty()) {
    return "a record: " + why;
  }
  std::optional<int64_t> sub;
  std::optional<int64_t> arrival;
  if (std::string why = OptionalInt(f, 3, &sub); !why.empty()) return "a record: " + why;
  if (std::string why = OptionalInt(f, 4, &arrival); !why.empty()) return "a record: " + why;
  record->sub_sequence_number = sub.value_or(0);
  record->arrival_ms = arrival.value_or(0);
  return {};
}

}  // namespace

std::string QuoteLine(std::string_view line) {
  std::string out;
  out.reserve(std::min(line.size(), kMaxQuotedLineBytes) + 32);
  out += '\'';
  for (size_t i = 0; i < line.size() && i < kMaxQuotedLineBytes; ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  out += '\'';
  if (line.size() > kMaxQuotedLineBytes) {
    out += "... (";
    out += std::to_string(line.size());
    out += " bytes)";
  }
  return out;
}

std::string EncodeInitialize(const InitializeMessage& message) {
  LineWriter w;
  w.StartObject(kInitializeAction);
  w.Key("shardId");
  w.String(message.shard_id);
  w.Key("sequenceNumber");
  w.OptionalString(message.sequence_number);
  w.Key("subSequenceNumber");
  w.OptionalInt(message.sub_sequence_number);
  w.EndObject();
  return w.Take();
}

std::string EncodeProcessRecords(const std::vector<Record>& records, int64_t millis_behind_latest) {
  size_t estimate = 64;
  for (const Record& r : records) {
    estimate += base64::EncodedSize(r.data.size()) + r.partition_key.size() +
                r.sequence_number.size() + 150;
  }
  LineWriter w(estimate);
  w.StartObject(kProcessRecordsAction);
  w.Key("records");
  w.StartArray();
  for (const Record& r : records) {
    w.StartObject(kRecordAction);
    w.Key("data");
    w.Base64(r.data);
    w.Key("partitionKey");
    w.String(r.partition_key);
    w.Key("sequenceNumber");
    w.String(r.sequence_number);
    w.Key("subSequenceNumber");
    w.Int(r.sub_sequence_number);
    w.Key("approximateArrivalTimestamp");
    w.Int(r.arrival_ms);
    w.EndObject();
  }
  w.EndArray();
  w.Key("millisBehindLatest");
  w.Int(millis_behind_latest);
  w.EndObject();
  return w.Take();
}

std::string EncodeLeaseLost() { return EncodeBare(kLeaseLostAction); }
std::string EncodeShardEnded() { return EncodeBare(kShardEndedAction); }
std::string EncodeShutdownRequested() { return EncodeBare(kShutdownRequestedAction); }

std::string EncodeCheckpointAnswer(const CheckpointAnswer& answer) {
  LineWriter w;
  w.StartObject(kCheckpointAction);
  w.Key("sequenceNumber");
  w.OptionalString(answer.sequence_number);
  w.Key("subSequenceNumber");
  w.OptionalInt(answer.sub_sequence_number);
  w.Key("error");
  w.OptionalString(answer.error);
  w.EndObject();
  return w.Take();
}

std::string EncodeCheckpointRequest(const CheckpointRequest& request) {
  LineWriter w;
  w.StartObject(kCheckpointAction);
  w.Key("sequenceNumber");
  w.OptionalString(request.sequence_number);
  w.Key("subSequenceNumber");
  w.OptionalInt(request.sub_sequence_number);
  w.EndObject();
  return w.Take();
}

std::string EncodeStatus(std::string_view response_for) {
  LineWriter w;
  w.StartObject(kStatusAction);
  w.Key("responseFor");
  w.String(response_for);
  w.EndObject();
  return w.Take();
}

Result<std::optional<ChildMessage>> DecodeChildLine(std::string_view line) {
  std::optional<simdjson::dom::object> object = ParseObject(line);
  if (!object) return std::optional<ChildMessage>();
  std::string_view action;
  if (std::string why = ActionOf(*object, &action); !why.empty()) {
    return Invalid(kFromChild, why, line);
  }
  if (action == kCheckpointAction) {
    Fields<2> f(kCheckpointRequestFields);
    CheckpointRequest request;
    std::string why = f.Collect(*object);
    if (why.empty()) why = OptionalString(f, 0, &request.sequence_number);
    if (why.empty()) why = OptionalInt(f, 1, &request.sub_sequence_number);
    if (!why.empty()) return Invalid(kFromChild, why, line);
    return std::optional<ChildMessage>(std::move(request));
  }
  if (action == kStatusAction) {
    Fields<1> f(kStatusFields);
    StatusMessage status;
    std::string why = f.Collect(*object);
    if (why.empty()) why = RequiredString(f, 0, &status.response_for);
    if (!why.empty()) return Invalid(kFromChild, why, line);
    return std::optional<ChildMessage>(std::move(status));
  }
  return Invalid(kFromChild,
                 "unexpected action \"" + std::string(action) +
                     "\" (a child sends only \"checkpoint\" and \"status\")",
                 line);
}

Result<std::optional<DaemonMessage>> DecodeDaemonLine(std::string_view line) {
  std::optional<simdjson::dom::object> object = ParseObject(line);
  if (!object) return std::optional<DaemonMessage>();
  std::string_view action;
  if (std::string why = ActionOf(*object, &action); !why.empty()) {
    return Invalid(kFromDaemon, why, line);
  }
  if (action == kInitializeAction) {
    Fields<3> f(kInitializeFields);
    InitializeMessage m;
    std::string why = f.Collect(*object);
    if (why.empty()) why = RequiredString(f, 0, &m.shard_id);
    if (why.empty()) why = OptionalString(f, 1, &m.sequence_number);
    if (why.empty()) why = OptionalInt(f, 2, &m.sub_sequence_number);
    if (!why.empty()) return Invalid(kFromDaemon, why, line);
    return std::optional<DaemonMessage>(std::move(m));
  }
  if (action == kProcessRecordsAction) {
    Fields<2> f(kProcessRecordsFields);
    ProcessRecordsMessage m;
    std::string why = f.Collect(*object);
    simdjson::dom::array records;
    if (why.empty()) {
      if (!f.has(0)) {
        why = "missing field \"records\"";
      } else if (f.value(0).get(records) != simdjson::SUCCESS) {
        why = "field \"records\" is not an array";
      }
    }
    std::optional<int64_t> behind;
    if (why.empty()) why = OptionalInt(f, 1, &behind);
    if (why.empty()) {
      m.millis_behind_latest = behind.value_or(0);
      m.records.reserve(records.size());
      for (const simdjson::dom::element element : records) {
        why = DecodeRecord(element, &m.records.emplace_back());
        if (!why.empty()) break;
      }
    }
    if (!why.empty()) return Invalid(kFromDaemon, why, line);
    return std::optional<DaemonMessage>(std::move(m));
  }
  if (action == kCheckpointAction) {
    Fields<3> f(kCheckpointAnswerFields);
    CheckpointAnswer m;
    std::string why = f.Collect(*object);
    if (why.empty()) why = OptionalString(f, 0, &m.sequence_number);
    if (why.empty()) why = OptionalInt(f, 1, &m.sub_sequence_number);
    if (why.empty()) why = OptionalString(f, 2, &m.error);
    if (!why.empty()) return Invalid(kFromDaemon, why, line);
    return std::optional<DaemonMessage>(std::move(m));
  }
  const bool lease_lost = action == kLeaseLostAction;
  const bool shard_ended = action == kShardEndedAction;
  const bool shutdown_requested = action == kShutdownRequestedAction;
  if (lease_lost || shard_ended || shutdown_requested) {
    Fields<0> f(kNoFields);
    if (std::string why = f.Collect(*object); !why.empty()) {
      return Invalid(kFromDaemon, why, line);
    }
    if (lease_lost) return std::optional<DaemonMessage>(LeaseLostMessage{});
    if (shard_ended) return std::optional<DaemonMessage>(ShardEndedMessage{});
    return std::optional<DaemonMessage>(ShutdownRequestedMessage{});
  }
  return Invalid(kFromDaemon, "unknown action \"" + std::string(action) + "\"", line);
}

}  // namespace eddy::consumer::multilang
