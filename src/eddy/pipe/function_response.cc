#include "eddy/pipe/function_response.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <unordered_map>

namespace eddy::pipe {
namespace {

BatchVerdict Failure(std::string reason) {
  BatchVerdict v;
  v.kind = BatchVerdict::Kind::kFailure;
  v.reason = std::move(reason);
  return v;
}

BatchVerdict Suspicious(std::string reason, bool strict) {
  if (strict) return Failure(reason + " (StrictBatchItemFailures)");
  BatchVerdict v;
  v.suspicious = true;
  v.reason = std::move(reason);
  return v;
}

}  // namespace

BatchVerdict JudgeResponse(std::string_view body, const std::vector<std::string_view>& identifiers,
                           bool report_batch_item_failures, bool strict) {
  if (!report_batch_item_failures) return {};
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return {};
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
    return Failure("the function response is not JSON");
  }
  if (doc.is_null()) return {};
  simdjson::dom::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) {
    return Suspicious("the function response is JSON but not an object with batchItemFailures",
                      strict);
  }
  simdjson::dom::element failures;
  if (object.at_key("batchItemFailures").get(failures) != simdjson::SUCCESS) {
    if (object.size() == 0) return {};
    std::string keys;
    for (auto [key, value] : object) {
      (void)value;
      keys += keys.empty() ? "" : ", ";
      keys += key;
    }
    return Suspicious(
        fmt::format("the function response has no batchItemFailures (its keys: {})", keys),
        strict);
  }
  if (failures.is_null()) return {};
  simdjson::dom::array list;
  if (failures.get_array().get(list) != simdjson::SUCCESS) {
    return Failure("batchItemFailures is not a list");
  }
  if (list.size() == 0) return {};
  // Sequence numbers are unique in a batch; index them once.
  std::unordered_map<std::string_view, size_t> index;
  index.reserve(identifiers.size());
  for (size_t i = 0; i < identifiers.size(); ++i) index.emplace(identifiers[i], i);
  size_t lowest = identifiers.size();
  for (simdjson::dom::element entry : list) {
    simdjson::dom::element id;
    if (entry.at_key("itemIdentifier").get(id) != simdjson::SUCCESS) {
      return Failure("an entry of batchItemFailures has no itemIdentifier");
    }
    std::string_view text;
    if (id.get_string().get(text) != simdjson::SUCCESS || text.empty()) {
      return Failure("an itemIdentifier of batchItemFailures is empty, null or not a string");
    }
    auto found = index.find(text);
    if (found == index.end()) {
      return Failure(fmt::format("itemIdentifier '{}' is not a record of the batch", text));
    }
    lowest = std::min(lowest, found->second);
  }
  BatchVerdict v;
  v.kind = BatchVerdict::Kind::kPartial;
  v.first_failed = lowest;
  return v;
}

}  // namespace eddy::pipe
