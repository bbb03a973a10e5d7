#include "eddy/pipe/filter.h"

#include <simdjson.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace eddy::pipe {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// ---- the compiled tree ----

enum class MatcherKind : unsigned char {
  kString,            // "text"
  kNumber,            // 42, 4.2
  kBool,              // true, false
  kNull,              // null
  kPrefix,            // {"prefix": "text"}
  kSuffix,            // {"suffix": "text"}
  kEqualsIgnoreCase,  // {"equals-ignore-case": "text"}; `text` is stored ASCII-lowercased
  kAnythingBut,       // {"anything-but": ...}
  kNumeric,           // {"numeric": [...]}
};

// Bounds of {"numeric": [...]}; {"numeric": ["=", n]} is the closed range [n, n].
struct NumericRange {
  bool has_lower = false;
  bool lower_inclusive = false;
  double lower = 0;
  bool has_upper = false;
  bool upper_inclusive = false;
  double upper = 0;
};

// One matcher of a leaf. Only the members its kind names are meaningful. {"exists": ...} is not
// a Matcher: it is folded into the leaf's exists_true / exists_false flags.
struct Matcher {
  MatcherKind kind = MatcherKind::kNull;
  std::string text;                      // kString, kPrefix, kSuffix, kEqualsIgnoreCase
  double number = 0;                     // kNumber
  bool boolean = false;                  // kBool
  std::vector<std::string> but_strings;  // kAnythingBut
  std::vector<double> but_numbers;       // kAnythingBut
  NumericRange range;                    // kNumeric
};

struct ObjectPattern;

// One key of a pattern object: a leaf (object == nullptr) or a nested pattern object.
struct FieldPattern {
  std::string key;
  std::unique_ptr<ObjectPattern> object;
  std::vector<Matcher> matchers;  // leaf only; OR-ed
  bool exists_true = false;       // leaf only: {"exists": true} is among the matchers
  bool exists_false = false;      // leaf only: {"exists": false} is among the matchers
};

// A pattern object: every field must match (AND).
struct ObjectPattern {
  std::vector<FieldPattern> fields;
};

// ---- helpers ----

constexpr std::string_view kInvalidPattern = "Invalid filter pattern definition.";

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string AsciiLowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// `lowered` is already ASCII-lowercased.
bool EqualsIgnoreAsciiCase(std::string_view value, std::string_view lowered) {
  if (value.size() != lowered.size()) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    if (AsciiLower(value[i]) != lowered[i]) return false;
  }
  return true;
}

// Lambda states Pattern's limit in characters; count code points, assuming UTF-8 (bytes that
// are not continuation bytes). Invalid UTF-8 is refused later by the JSON parser anyway.
size_t CountCharacters(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool IsNumber(element_type type) {
  return type == element_type::INT64 || type == element_type::UINT64 ||
         type == element_type::DOUBLE;
}

// REQUIRES: IsNumber(value.type()).
double NumberOf(const element& value) {
  return value.get_double().value_unsafe();
}

// REQUIRES: value.type() == element_type::STRING.
std::string_view StringOf(const element& value) {
  return value.get_string().value_unsafe();
}

// ---- compiling ----

// Compiles one Pattern. Every error is an InvalidArgument whose message starts with Lambda's
// "Invalid filter pattern definition." and names the pattern (1-based) and, where there is one,
// the dotted path of the offending key.
class PatternCompiler {
 public:
  explicit PatternCompiler(size_t index) : index_(index) {}

  Result<ObjectPattern> Compile(std::string_view text) {
    simdjson::dom::parser parser;
    element root;
    if (parser.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS) {
      return Invalid("the pattern is not valid JSON");
    }
    if (root.type() != element_type::OBJECT) return Invalid("the pattern must be a JSON object");
    ObjectPattern pattern;
    EDDY_RETURN_IF_ERROR(CompileObject(root, "", &pattern));
    return pattern;
  }

 private:
  Status Invalid(std::string_view detail) const {
    std::string msg(kInvalidPattern);
    msg += " Pattern ";
    msg += std::to_string(index_ + 1);
    msg += ": ";
    msg += detail;
    msg += '.';
    return Status::InvalidArgument(std::move(msg));
  }

  // `what` followed by the quoted path: `the value of "detail.state"`.
  Status InvalidAt(std::string_view what, std::string_view path) const {
    std::string detail(what);
    detail += " \"";
    detail += path;
    detail += '"';
    return Invalid(detail);
  }

  static std::string Join(std::string_view parent, std::string_view key) {
    if (parent.empty()) return std::string(key);
    std::string path(parent);
    path += '.';
    path += key;
    return path;
  }

  Status CompileObject(const element& value, std::string_view path, ObjectPattern* out) {
    const simdjson::dom::object object = value.get_object().value_unsafe();  // type checked
    for (const auto field : object) {
      const std::string_view key = field.key;
      const std::string field_path = Join(path, key);
      // EventBridge reads "$or" as an OR of sub-patterns; Lambda does not document it, and
      // treating it as a plain key would silently change the pattern's meaning.
      if (key == "$or") return InvalidAt("\"$or\" is not supported, at", field_path);
      for (const FieldPattern& seen : out->fields) {
        if (seen.key == key) return InvalidAt("duplicate key", field_path);
      }
      FieldPattern compiled;
      compiled.key = std::string(key);
      switch (field.value.type()) {
        case element_type::OBJECT:
          compiled.object = std::make_unique<ObjectPattern>();
          EDDY_RETURN_IF_ERROR(CompileObject(field.value, field_path, compiled.object.get()));
          break;
        case element_type::ARRAY:
          EDDY_RETURN_IF_ERROR(CompileLeaf(field.value, field_path, &compiled));
          break;
        default:
          return InvalidAt("the value must be an array or an object, at", field_path);
      }
      out->fields.push_back(std::move(compiled));
    }
    // EventBridge refuses empty objects; an empty object would also match every record, which
    // nobody writes on purpose.
    if (out->fields.empty()) {
      if (path.empty()) return Invalid("the pattern is an empty object");
      return InvalidAt("empty object at", path);
    }
    return Status::Ok();
  }

  Status CompileLeaf(const element& value, const std::string& path, FieldPattern* out) {
    const simdjson::dom::array array = value.get_array().value_unsafe();  // type checked
    if (array.size() == 0) return InvalidAt("empty array at", path);
    for (const element item : array) {
      Matcher matcher;
      switch (item.type()) {
        case element_type::STRING:
          matcher.kind = MatcherKind::kString;
          matcher.text = std::string(StringOf(item));
          break;
        case element_type::INT64:
        case element_type::UINT64:
        case element_type::DOUBLE:
          matcher.kind = MatcherKind::kNumber;
          matcher.number = NumberOf(item);
          break;
        case element_type::BOOL:
          // Lambda's text lists strings, numbers and null, but booleans are what the AWS CDK's
          // FilterRule.isEqual(true) emits for DynamoDB's {"BOOL": [true]}; EventBridge
          // matches them exactly.
          matcher.kind = MatcherKind::kBool;
          matcher.boolean = item.get_bool().value_unsafe();
          break;
        case element_type::NULL_VALUE:
          matcher.kind = MatcherKind::kNull;
          break;
        case element_type::OBJECT: {
          bool is_exists = false;
          EDDY_RETURN_IF_ERROR(CompileOperator(item, path, &matcher, &is_exists, out));
          if (is_exists) continue;  // folded into out->exists_*
          break;
        }
        case element_type::ARRAY:
          return InvalidAt("nested arrays are not allowed, at", path);
      }
      out->matchers.push_back(std::move(matcher));
    }
    return Status::Ok();
  }

  // One {"operator": argument} object of a leaf. {"exists": b} sets *is_exists and the leaf's
  // flag instead of filling *matcher.
  Status CompileOperator(const element& item, const std::string& path, Matcher* matcher,
                         bool* is_exists, FieldPattern* leaf) {
    const simdjson::dom::object object = item.get_object().value_unsafe();  // type checked
    if (object.size() != 1) {
      return InvalidAt("a matcher object must have exactly one key, at", path);
    }
    const auto [op, arg] = *object.begin();
    if (op == "prefix" || op == "suffix" || op == "equals-ignore-case") {
      if (arg.type() != element_type::STRING) {
        return InvalidAt("\"" + std::string(op) + "\" must be given a string, at", path);
      }
      if (op == "prefix") {
        matcher->kind = MatcherKind::kPrefix;
        matcher->text = std::string(StringOf(arg));
      } else if (op == "suffix") {
        matcher->kind = MatcherKind::kSuffix;
        matcher->text = std::string(StringOf(arg));
      } else {
        matcher->kind = MatcherKind::kEqualsIgnoreCase;
        matcher->text = AsciiLowered(StringOf(arg));
      }
      return Status::Ok();
    }
    if (op == "exists") {
      bool flag = false;
      if (arg.get_bool().get(flag) != simdjson::SUCCESS) {
        return InvalidAt("\"exists\" must be given true or false, at", path);
      }
      *is_exists = true;
      (flag ? leaf->exists_true : leaf->exists_false) = true;
      return Status::Ok();
    }
    if (op == "anything-but") return CompileAnythingBut(arg, path, matcher);
    if (op == "numeric") return CompileNumeric(arg, path, matcher);
    return InvalidAt("unsupported operator \"" + std::string(op) + "\" at", path);
  }

  Status CompileAnythingBut(const element& arg, const std::string& path, Matcher* matcher) {
    matcher->kind = MatcherKind::kAnythingBut;
    const auto bad = [&] {
      return InvalidAt(
          "\"anything-but\" must be given a string, a number, or a non-empty array of only "
          "strings or only numbers, at",
          path);
    };
    const auto add = [&](const element& value) {
      if (value.type() == element_type::STRING) {
        matcher->but_strings.emplace_back(StringOf(value));
        return true;
      }
      if (IsNumber(value.type())) {
        matcher->but_numbers.push_back(NumberOf(value));
        return true;
      }
      return false;  // null, booleans, objects ({"anything-but": {"prefix": ...}}), arrays
    };
    if (arg.type() != element_type::ARRAY) return add(arg) ? Status::Ok() : bad();
    const simdjson::dom::array values = arg.get_array().value_unsafe();
    for (const element value : values) {
      if (!add(value)) return bad();
    }
    const bool strings = !matcher->but_strings.empty();
    const bool numbers = !matcher->but_numbers.empty();
    if (strings == numbers) return bad();  // empty, or strings mixed with numbers
    return Status::Ok();
  }

  Status CompileNumeric(const element& arg, const std::string& path, Matcher* matcher) {
    matcher->kind = MatcherKind::kNumeric;
    const auto bad = [&](std::string_view why) {
      return InvalidAt("\"numeric\" " + std::string(why) + ", at", path);
    };
    simdjson::dom::array terms;
    if (arg.get_array().get(terms) != simdjson::SUCCESS) return bad("must be given an array");
    const size_t size = terms.size();
    if (size != 2 && size != 4) {
      return bad("must be given [op, number] or [op, number, op, number]");
    }
    NumericRange& range = matcher->range;
    for (size_t i = 0; i < size; i += 2) {
      std::string_view op;
      if (terms.at(i).get_string().get(op) != simdjson::SUCCESS) {
        return bad("operators must be strings");
      }
      const element value = terms.at(i + 1).value_unsafe();
      if (!IsNumber(value.type())) return bad("operands must be numbers");
      const double n = NumberOf(value);
      if (op == "=") {
        if (size != 2) return bad("\"=\" cannot be combined with another operator");
        range = NumericRange{true, true, n, true, true, n};
      } else if (op == ">" || op == ">=") {
        if (range.has_lower) return bad("has two lower bounds");
        range.has_lower = true;
        range.lower_inclusive = op == ">=";
        range.lower = n;
      } else if (op == "<" || op == "<=") {
        if (range.has_upper) return bad("has two upper bounds");
        range.has_upper = true;
        range.upper_inclusive = op == "<=";
        range.upper = n;
      } else {
        return bad("operator \"" + std::string(op) + "\" is not one of =, <, <=, >, >=");
      }
    }
    // Event Ruler (EventBridge's engine) refuses a range whose bottom is not below its top.
    if (size == 4 && range.lower >= range.upper) {
      return bad("lower bound must be less than the upper bound");
    }
    return Status::Ok();
  }

  size_t index_;
};

// ---- matching ----

bool InRange(const NumericRange& range, double d) {
  if (range.has_lower && !(d > range.lower || (range.lower_inclusive && d == range.lower))) {
    return false;
  }
  if (range.has_upper && !(d < range.upper || (range.upper_inclusive && d == range.upper))) {
    return false;
  }
  return true;
}

// REQUIRES: `value` is a string, number, boolean or null.
bool MatcherMatches(const Matcher& m, const element& value) {
  const element_type type = value.type();
  switch (m.kind) {
    case MatcherKind::kString:
      return type == element_type::STRING && StringOf(value) == m.text;
    case MatcherKind::kNumber:
      return IsNumber(type) && NumberOf(value) == m.number;
    case MatcherKind::kBool: {
      bool b = false;
      return value.get_bool().get(b) == simdjson::SUCCESS && b == m.boolean;
    }
    case MatcherKind::kNull:
      return type == element_type::NULL_VALUE;
    case MatcherKind::kPrefix:
      return type == element_type::STRING && StringOf(value).substr(0, m.text.size()) == m.text;
    case MatcherKind::kSuffix: {
      if (type != element_type::STRING) return false;
      const std::string_view s = StringOf(value);
      return s.size() >= m.text.size() && s.substr(s.size() - m.text.size()) == m.text;
    }
    case MatcherKind::kEqualsIgnoreCase:
      return type == element_type::STRING && EqualsIgnoreAsciiCase(StringOf(value), m.text);
    case MatcherKind::kAnythingBut:
      // A value of another type than the listed ones is "anything but" them (see filter.h).
      if (type == element_type::STRING) {
        const std::string_view s = StringOf(value);
        return std::find(m.but_strings.begin(), m.but_strings.end(), s) == m.but_strings.end();
      }
      if (IsNumber(type)) {
        const double d = NumberOf(value);
        return std::find(m.but_numbers.begin(), m.but_numbers.end(), d) == m.but_numbers.end();
      }
      return true;
    case MatcherKind::kNumeric:
      return IsNumber(type) && InRange(m.range, NumberOf(value));
  }
  return false;
}

// Calls fn(leaf) for each leaf value (string, number, boolean, null) of `value`, flattening
// arrays and skipping objects, until fn returns true. Returns whether it did.
template <typename Fn>
bool AnyLeafValue(const element& value, const Fn& fn) {
  switch (value.type()) {
    case element_type::OBJECT:
      return false;
    case element_type::ARRAY: {
      const simdjson::dom::array array = value.get_array().value_unsafe();
      for (const element item : array) {
        if (AnyLeafValue(item, fn)) return true;
      }
      return false;
    }
    default:
      return fn(value);
  }
}

// `value`: the record's value at the leaf's path, or null when there is none.
bool MatchLeaf(const FieldPattern& leaf, const element* value) {
  bool present = false;
  if (value != nullptr && AnyLeafValue(*value, [&](const element& v) {
        present = true;
        if (leaf.exists_true) return true;
        for (const Matcher& m : leaf.matchers) {
          if (MatcherMatches(m, v)) return true;
        }
        return false;
      })) {
    return true;
  }
  return !present && leaf.exists_false;
}

bool MatchObject(const ObjectPattern& pattern, const simdjson::dom::object* object);

// `value`: the record's value where `pattern` applies, or null when there is none. An array
// matches when one of its elements matches the whole pattern object (array-consistent
// matching); anything that is not an object offers no fields.
bool MatchNested(const ObjectPattern& pattern, const element* value) {
  if (value == nullptr) return MatchObject(pattern, nullptr);
  switch (value->type()) {
    case element_type::OBJECT: {
      const simdjson::dom::object object = value->get_object().value_unsafe();
      return MatchObject(pattern, &object);
    }
    case element_type::ARRAY: {
      const simdjson::dom::array array = value->get_array().value_unsafe();
      bool empty = true;
      for (const element item : array) {
        empty = false;
        if (MatchNested(pattern, &item)) return true;
      }
      return empty && MatchObject(pattern, nullptr);
    }
    default:
      return MatchObject(pattern, nullptr);
  }
}

// `object`: the record's object where `pattern` applies, or null when there is none (every
// field is then absent, which only {"exists": false} accepts).
bool MatchObject(const ObjectPattern& pattern, const simdjson::dom::object* object) {
  for (const FieldPattern& field : pattern.fields) {
    element child;
    const bool present =
        object != nullptr && object->at_key(field.key).get(child) == simdjson::SUCCESS;
    const element* value = present ? &child : nullptr;
    const bool ok = field.object ? MatchNested(*field.object, value) : MatchLeaf(field, value);
    if (!ok) return false;
  }
  return true;
}

// One parser and one padded copy buffer per thread, reused across records, so that the hot path
// allocates only when a record is larger than any this thread has seen.
struct RecordParser {
  simdjson::dom::parser parser;
  std::vector<char> buffer;
};

RecordParser& ThreadRecordParser() {
  thread_local RecordParser parser;
  return parser;
}

}  // namespace

struct EventFilter::Compiled {
  std::vector<ObjectPattern> patterns;  // OR-ed
  std::vector<std::string> top_keys;    // distinct top-level keys of all patterns
};

EventFilter::EventFilter() = default;

EventFilter::EventFilter(std::shared_ptr<const Compiled> compiled)
    : compiled_(std::move(compiled)) {}

Result<EventFilter> EventFilter::Compile(const std::vector<std::string>& patterns) {
  if (patterns.size() > kMaxFilters) {
    return Status::InvalidArgument("Invalid filter criteria: " + std::to_string(patterns.size()) +
                                   " filters given; at most " + std::to_string(kMaxFilters) +
                                   " are allowed.");
  }
  if (patterns.empty()) return EventFilter();
  auto compiled = std::make_shared<Compiled>();
  for (size_t i = 0; i < patterns.size(); ++i) {
    const size_t length = CountCharacters(patterns[i]);
    if (length > kMaxPatternLength) {
      return Status::InvalidArgument(std::string(kInvalidPattern) + " Pattern " +
                                     std::to_string(i + 1) + ": the pattern is " +
                                     std::to_string(length) + " characters long; at most " +
                                     std::to_string(kMaxPatternLength) + " are allowed.");
    }
    EDDY_ASSIGN_OR_RETURN(ObjectPattern pattern, PatternCompiler(i).Compile(patterns[i]));
    for (const FieldPattern& field : pattern.fields) {
      auto& keys = compiled->top_keys;
      if (std::find(keys.begin(), keys.end(), field.key) == keys.end()) keys.push_back(field.key);
    }
    compiled->patterns.push_back(std::move(pattern));
  }
  return EventFilter(std::move(compiled));
}

bool EventFilter::matches_everything() const { return compiled_ == nullptr; }

size_t EventFilter::pattern_count() const {
  return compiled_ == nullptr ? 0 : compiled_->patterns.size();
}

bool EventFilter::NamesKey(std::string_view key) const {
  if (compiled_ == nullptr) return false;
  const auto& keys = compiled_->top_keys;
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

bool EventFilter::Matches(std::string_view record_json) const {
  if (compiled_ == nullptr) return true;
  if (record_json.empty()) return false;  // not JSON; also keeps memcpy away from a null data()
  RecordParser& p = ThreadRecordParser();
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: copy into a buffer that has them
  // rather than let parse() allocate a padded copy per record.
  const size_t needed = record_json.size() + simdjson::SIMDJSON_PADDING;
  if (p.buffer.size() < needed) p.buffer.resize(needed);
  std::memcpy(p.buffer.data(), record_json.data(), record_json.size());
  element root;
  if (p.parser.parse(p.buffer.data(), record_json.size(), false).get(root) != simdjson::SUCCESS) {
    return false;
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return false;
  for (const ObjectPattern& pattern : compiled_->patterns) {
    if (MatchObject(pattern, &object)) return true;
  }
  return false;
}

}  // namespace eddy::pipe
