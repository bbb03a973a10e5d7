#include "eddy/table/expression/expression_inputs.h"

#include <vector>

namespace eddy::table::expression {

std::string_view ParameterName(ExpressionKind kind) {
  switch (kind) {
    case ExpressionKind::kCondition:
      return "ConditionExpression";
    case ExpressionKind::kFilter:
      return "FilterExpression";
    case ExpressionKind::kKeyCondition:
      return "KeyConditionExpression";
    case ExpressionKind::kUpdate:
      return "UpdateExpression";
    case ExpressionKind::kProjection:
      return "ProjectionExpression";
  }
  return "Expression";
}

namespace {

template <typename Map, typename Used>
Status CheckUsed(const Map* supplied, Used used, std::string_view parameter) {
  if (supplied == nullptr) return Status::Ok();
  std::vector<std::string_view> unused;
  for (const auto& [key, value] : *supplied) {
    if (!used(key)) unused.push_back(key);
  }
  if (unused.empty()) return Status::Ok();
  std::string message = "Value provided in ";
  message += parameter;
  message += " unused in expressions: keys: {";
  for (size_t i = 0; i < unused.size(); ++i) {
    if (i > 0) message += ", ";
    message += unused[i];
  }
  message += "}";
  return Status::InvalidArgument(std::move(message));
}

}  // namespace

Status CheckAllPlaceholdersUsed(const AttributeNames* names, const AttributeValues* values,
                                const PlaceholderUsage& usage) {
  // DynamoDB reports unused names before unused values (dynalite's suite, run against AWS).
  EDDY_RETURN_IF_ERROR(CheckUsed(
      names, [&](std::string_view key) { return usage.NameUsed(key); },
      "ExpressionAttributeNames"));
  return CheckUsed(
      values, [&](std::string_view key) { return usage.ValueUsed(key); },
      "ExpressionAttributeValues");
}

}  // namespace eddy::table::expression
