#include "eddy/consumer/record.h"
#include "eddy/consumer/record_processor.h"

namespace eddy::consumer {

int CompareSequenceNumbers(std::string_view a, std::string_view b) {
  // Decimal digits without sign: the longer number (leading zeros aside) is the larger.
  while (a.size() > 1 && a.front() == '0') a.remove_prefix(1);
  while (b.size() > 1 && b.front() == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

namespace {

// Rank of a position's kind: the sentinels before any record, SHARD_END after all of them.
int Rank(const ExtendedSequenceNumber& p) {
  if (p.sequence_number == ExtendedSequenceNumber::kTrimHorizon ||
      p.sequence_number == ExtendedSequenceNumber::kAtTimestamp ||
      p.sequence_number == ExtendedSequenceNumber::kLatest || p.sequence_number.empty()) {
    return 0;
  }
  if (p.sequence_number == ExtendedSequenceNumber::kShardEnd) return 2;
  return 1;
}

}  // namespace

int ComparePositions(const ExtendedSequenceNumber& a, const ExtendedSequenceNumber& b) {
  const int ra = Rank(a);
  const int rb = Rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra != 1) return 0;
  const int c = CompareSequenceNumbers(a.sequence_number, b.sequence_number);
  if (c != 0) return c;
  if (a.sub_sequence_number == b.sub_sequence_number) return 0;
  return a.sub_sequence_number < b.sub_sequence_number ? -1 : 1;
}

std::string_view CheckpointErrorName(CheckpointError error) {
  switch (error) {
    case CheckpointError::kNone:
      return "";
    case CheckpointError::kShutdown:
      return "ShutdownException";
    case CheckpointError::kThrottling:
      return "ThrottlingException";
    case CheckpointError::kInvalidState:
      return "InvalidStateException";
    case CheckpointError::kDependency:
      return "KinesisClientLibDependencyException";
    case CheckpointError::kInvalidArgument:
      return "IllegalArgumentException";
  }
  return "";
}

}  // namespace eddy::consumer
