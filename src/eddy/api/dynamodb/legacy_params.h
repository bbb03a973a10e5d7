#pragma once

#include <optional>
#include <string>

#include "eddy/api/aws/api_error.h"
#include "eddy/api/aws/json_request.h"
#include "eddy/api/dynamodb/attribute_json.h"

namespace eddy::api::dynamodb {

// DynamoDB's legacy (pre-expression) parameters, still sent by older mappers and by the lease
// code of AWS's Kinesis Client Library: Expected (+ ConditionalOperator), AttributeUpdates,
// AttributesToGet, KeyConditions, QueryFilter / ScanFilter (+ ConditionalOperator). Each is
// translated into the equivalent expression text over generated placeholders (#l0 / :l0, ...),
// so the expression parsers and evaluators serve both forms with one semantics.
//
// A request may use either form, not both ("Can not use both expression and non-expression
// parameters in the same request: ...").
struct LegacyExpressions {
  std::optional<std::string> condition;      // from Expected
  std::optional<std::string> update;         // from AttributeUpdates
  std::optional<std::string> projection;     // from AttributesToGet
  std::optional<std::string> key_condition;  // from KeyConditions
  std::optional<std::string> filter;         // from QueryFilter or ScanFilter
  ExpressionNames names;
  ExpressionValues values;

  bool any() const { return condition || update || projection || key_condition || filter; }
};

// Reads the legacy members of `obj` into `out`, and refuses a mix of legacy and expression
// parameters. `out` stays empty (any() false) when there are none.
std::optional<ApiError> ReadLegacyParameters(JsonRequest& req, const rapidjson::Value& obj,
                                             LegacyExpressions* out);

}  // namespace eddy::api::dynamodb
