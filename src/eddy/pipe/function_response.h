#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace eddy::pipe {

// What a successful invocation's response says about its batch.
struct BatchVerdict {
  enum class Kind {
    kSuccess,  // every record is done
    kPartial,  // records before `first_failed` are done; retry from it to the end
    kFailure,  // the whole batch failed (retried as a function error)
  };
  Kind kind = Kind::kSuccess;
  size_t first_failed = 0;  // kPartial: index in the batch of the lowest failed identifier
  std::string reason;       // kFailure, or a suspicious success: why, for the log and status
  // A success read from a response that does not look like a batch response (an object whose
  // keys do not include batchItemFailures, e.g. the typo "batchItemFailure", or JSON that is not
  // an object): Lambda counts it as success; eddy counts it and logs it, or fails it when strict.
  bool suspicious = false;
};

// Reads a function response as Lambda does for FunctionResponseTypes ["ReportBatchItemFailures"]
// (without it, any response of a successful invocation is success):
//   success: an empty body, JSON null, {}, {"batchItemFailures":null}, {"batchItemFailures":[]};
//   partial: {"batchItemFailures":[{"itemIdentifier":"SEQ"},...]}: retry from the lowest of them;
//   failure: a body that is not JSON; batchItemFailures that is not a list; an entry without an
//     itemIdentifier, with an empty or null one, or one that is not a record of the batch.
// `identifiers` are the batch's item identifiers in order (Kinesis: kinesis.sequenceNumber;
// DynamoDB: dynamodb.SequenceNumber). `strict` turns a suspicious success into a failure.
// Thread-safety: pure function.
BatchVerdict JudgeResponse(std::string_view body, const std::vector<std::string_view>& identifiers,
                           bool report_batch_item_failures, bool strict);

}  // namespace eddy::pipe
