#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/table/model_types.h"
#include "eddy/table/expression/document_path.h"
#include "eddy/table/expression/expression_inputs.h"

namespace eddy::table::expression {

// A parsed and validated ProjectionExpression: document paths separated by commas, no two of
// which overlap ("a, a.b") or conflict ("a[0], a.b").
//
// Thread-safety: immutable after Parse; Apply may run concurrently.
class ProjectionExpression {
 public:
  // Errors are InvalidArgument with AWS's texts ("Invalid ProjectionExpression: ..."): syntax,
  // reserved words, undefined placeholders, then overlapping and conflicting paths.
  static Result<ProjectionExpression> Parse(std::string_view text, const ExpressionInputs& inputs);

  // `item` restricted to the paths (see ProjectItem).
  Item Apply(const Item& item) const;

  const std::vector<DocumentPath>& paths() const { return paths_; }
  // The distinct top-level attributes the projection reads, sorted.
  std::vector<std::string> TopLevelAttributes() const;

 private:
  std::vector<DocumentPath> paths_;
};

// `item` restricted to `paths`, as DynamoDB projects: a nested path keeps its enclosing maps
// and lists with only the selected members; list elements selected by index are compacted
// into a list in index order ("a[2], a[0]" of [x, y, z] gives [x, z]); a path that reaches
// nothing adds nothing (no empty enclosing map or list). Used for ProjectionExpression and for
// ReturnValues UPDATED_OLD / UPDATED_NEW. Overlapping paths are allowed here; the shorter one
// wins.
Item ProjectItem(const Item& item, const std::vector<DocumentPath>& paths);

}  // namespace eddy::table::expression
