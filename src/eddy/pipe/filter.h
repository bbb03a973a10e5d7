#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/base/result.h"

namespace eddy::pipe {

// A compiled Lambda FilterCriteria: the event filter of an event-source mapping ("pipe").
//
// FilterCriteria is {"Filters":[{"Pattern":"<JSON text>"}, ...]}; the caller hands Compile the
// Pattern strings. A record passes when it matches at least one pattern (filters are OR-ed).
// Pattern syntax is the subset of EventBridge's that Lambda documents
// (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html):
//
//   - A pattern is a non-empty JSON object. A key whose value is an object descends into the
//     record's object at that key; a key whose value is an array is a leaf: a non-empty list of
//     matchers, OR-ed. All keys of one object must match (AND).
//   - Matchers: a string, number, boolean or null literal (exact; numbers compare numerically,
//     a string never equals a number, "" never equals null); {"prefix": "s"}; {"suffix": "s"};
//     {"equals-ignore-case": "s"} (ASCII letters only are folded); {"anything-but": v} or
//     {"anything-but": [v, ...]} with only strings or only numbers; {"numeric": [op, n]} with op
//     one of = > >= < <=, or {"numeric": [op, n, op, n]} with one lower (> >=) and one upper
//     (< <=) bound; {"exists": true|false}. Anything else (wildcard, cidr, $or, anything-but with
//     an operator, ...) is refused: Lambda does not document it.
//   - Only leaf values (string, number, boolean, null) are matched: an object at a leaf path
//     matches nothing but {"exists": false}. When the record holds an array at a path, the
//     path matches if any element does (nested arrays are flattened); when a pattern object
//     descends into an array of objects, every field of that pattern object must match within
//     the same element (EventBridge's array-consistent matching).
//   - {"exists": true} matches when at least one leaf value is present, null included;
//     {"exists": false} when none is: the key is absent, its value is an object or an empty
//     array, or a parent on the path is absent or not an object. Every other matcher requires
//     a leaf value, so a record lacking a named field never matches that field.
//   - {"anything-but": ...} matches any leaf value that does not equal one of the listed
//     values, whatever its type: {"anything-but": ["a"]} matches 5, true and null.
//   - Numbers, in patterns and records, are compared as IEEE doubles. EventBridge limits
//     numeric matching to ±5.0e9 with six decimal places; eddy does not refuse larger values.
//
// Thread-safety: immutable after Compile; Matches may be called from any number of threads.
// Copies are cheap and share the compiled patterns.
class EventFilter {
 public:
  // Lambda's quota is 5 filters per event-source mapping by default and can be raised to 10;
  // eddy has no per-account quotas, so it accepts the raised maximum.
  static constexpr size_t kMaxFilters = 10;
  // Filter.Pattern's length limit in Lambda's API reference, counted in characters (Unicode
  // code points of the UTF-8 text), not bytes.
  static constexpr size_t kMaxPatternLength = 4096;

  // Matches everything: the filter of a pipe without FilterCriteria.
  EventFilter();

  // `patterns`: each filter's Pattern string as given in FilterCriteria.Filters[].Pattern.
  // An empty list yields a filter that matches everything.
  // Errors: Status::InvalidArgument for more than kMaxFilters patterns, a pattern longer than
  // kMaxPatternLength, or a pattern that is not valid per the rules above. A bad pattern's
  // message is Lambda's "Invalid filter pattern definition." followed by which pattern (1-based)
  // and what is wrong with it.
  static Result<EventFilter> Compile(const std::vector<std::string>& patterns);

  // True when compiled from no patterns (or default-constructed).
  bool matches_everything() const;

  // True when the record (a JSON object text) matches at least one pattern. Text that is not
  // valid JSON, or a JSON value that is not an object: false. When matches_everything(), true
  // without looking at the record.
  // Parses the record once per call with a per-thread parser.
  bool Matches(std::string_view record_json) const;

  // Whether any pattern names the top-level key `key` (the pipe uses it to know whether Kinesis
  // `data` must be decoded).
  bool NamesKey(std::string_view key) const;

  // How many patterns were compiled (0 when matches_everything()).
  size_t pattern_count() const;

 private:
  struct Compiled;  // defined in filter.cc

  explicit EventFilter(std::shared_ptr<const Compiled> compiled);

  // Null when the filter matches everything. Shared, never modified: see Thread-safety.
  std::shared_ptr<const Compiled> compiled_;
};

}  // namespace eddy::pipe
