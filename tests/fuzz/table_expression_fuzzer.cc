// Fuzzes DynamoDB's expression languages end to end: parsing and validation of condition,
// filter, key-condition, update and projection expressions, then evaluation, key-condition
// analysis, update application and projection against a fixed item holding every type.
// No input may crash, hang, recurse or allocate without bound (the sanitizers check the
// rest); every refusal must be an InvalidArgument with a message; every updated item must
// still be a valid item (it round-trips through the binary item codec).
//
// The first byte of an input picks the expression kind; the rest is the expression's text.
// Built two ways:
//  - with clang and -DEDDY_FUZZ=ON: a libFuzzer target;
//  - otherwise: a driver that runs the built-in seeds and a fixed number of mutations of them
//    (EDDY_FUZZ_ITERATIONS, default 20000), registered with ctest; `--write-seeds DIR` writes
//    the seeds as libFuzzer's starting corpus.
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "eddy/model/attribute_value.h"
#include "eddy/table/expression/condition.h"
#include "eddy/table/expression/expression_inputs.h"
#include "eddy/table/expression/key_condition.h"
#include "eddy/table/expression/projection.h"
#include "eddy/table/expression/update.h"
#include "fuzz_seeds.h"

namespace {

using eddy::Result;
using eddy::Status;
using eddy::model::AttributeValue;
using eddy::model::Item;
using eddy::model::Number;
using eddy::model::ValueType;
namespace ex = eddy::table::expression;

const ex::ExpressionKind kKinds[] = {ex::ExpressionKind::kCondition, ex::ExpressionKind::kFilter,
                                     ex::ExpressionKind::kKeyCondition, ex::ExpressionKind::kUpdate,
                                     ex::ExpressionKind::kProjection};
constexpr size_t kKindCount = sizeof(kKinds) / sizeof(kKinds[0]);

AttributeValue Num(const char* text) { return AttributeValue::Num(*Number::Parse(text)); }

struct Fixture {
  Fixture() {
    item["pk"] = AttributeValue::String("user#1");
    item["sk"] = Num("42");
    item["s"] = AttributeValue::String("hello \xC3\xA9\xF0\x9D\x84\x9E");
    item["n"] = Num("-12.5");
    item["big"] = Num("9.9999999999999999999999999999999999999E125");
    item["b"] = AttributeValue::Binary(std::string("\x00\xff\x10", 3));
    item["ss"] = AttributeValue::StringSet({"a", "b"});
    item["ns"] = AttributeValue::NumberSet({*Number::Parse("1"), *Number::Parse("2.5")});
    item["bs"] = AttributeValue::BinarySet({std::string("\x01", 1), std::string("\x02", 1)});
    item["l"] =
        AttributeValue::List({AttributeValue::String("x"), Num("1"),
                              AttributeValue::Map({{"k", AttributeValue::StringSet({"z"})}}),
                              AttributeValue::List({AttributeValue::Null()})});
    item["m"] = AttributeValue::Map(
        {{"a", AttributeValue::Map({{"b", Num("1")}})}, {"l", AttributeValue::List({})}});
    item["t"] = AttributeValue::Bool(true);
    item["z"] = AttributeValue::Null();
    item["a.b"] = AttributeValue::String("dotted");

    names = {{"#a", "a"},   {"#b", "b"},   {"#n", "name"}, {"#d", "a.b"}, {"#l", "l"},
             {"#pk", "pk"}, {"#sk", "sk"}, {"#e", ""},     {"#i", "[3]"}};
    values = {{":s", AttributeValue::String("hel")},
              {":n", Num("1")},
              {":big", Num("9.9999999999999999999999999999999999999E125")},
              {":tiny", Num("1E-130")},
              {":neg", Num("-7")},
              {":b", AttributeValue::Binary(std::string("\x00", 1))},
              {":ss", AttributeValue::StringSet({"b", "c"})},
              {":ns", AttributeValue::NumberSet({*Number::Parse("2.50")})},
              {":bs", AttributeValue::BinarySet({std::string("\x02", 1)})},
              {":l", AttributeValue::List({Num("3")})},
              {":m", AttributeValue::Map({{"q", AttributeValue::Null()}})},
              {":t", AttributeValue::String("SS")},
              {":bool", AttributeValue::Bool(false)},
              {":null", AttributeValue::Null()},
              {":empty", AttributeValue::String("")},
              {":p", AttributeValue::String("user#1")}};
    table_schema.partition_key = "pk";
    table_schema.partition_key_type = ValueType::kString;
    table_schema.sort_key = "sk";
    table_schema.sort_key_type = ValueType::kNumber;
    index_schema.partition_key = "s";
    index_schema.partition_key_type = ValueType::kString;
  }

  Item item;
  ex::AttributeNames names;
  ex::AttributeValues values;
  ex::KeySchema table_schema;
  ex::KeySchema index_schema;
};

const Fixture& GetFixture() {
  static const Fixture* fixture = new Fixture();  // lives for the process
  return *fixture;
}

std::map<std::string, long> outcomes;

void CheckError(const Status& status, const char* what) {
  if (status.ok()) return;
  if (status.code() != Status::Code::kInvalidArgument || status.message().empty()) {
    std::fprintf(stderr, "%s: unexpected status %s\n", what, status.ToString().c_str());
    abort();
  }
}

// The error's kind, for the driver's summary: its text up to the first ';' or ':' after the
// parameter prefix.
std::string Category(const Status& status) {
  std::string message = status.message();
  if (message.rfind("Invalid ", 0) == 0) {
    const size_t colon = message.find(": ");
    if (colon != std::string::npos) message = message.substr(colon + 2);
  }
  const size_t end = message.find_first_of(";:");
  return message.substr(0, std::min<size_t>(end, 60));
}

void CheckItem(const Item& item) {
  const std::string encoded = eddy::model::EncodeItem(item);
  Result<Item> decoded = eddy::model::DecodeItem(encoded);
  if (!decoded.ok() || *decoded != item) {
    std::fprintf(stderr, "an updated item does not round-trip\n");
    abort();
  }
}

void RunOne(const uint8_t* data, size_t size) {
  if (size == 0) return;
  const Fixture& fixture = GetFixture();
  const ex::ExpressionKind kind = kKinds[data[0] % kKindCount];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  ex::PlaceholderUsage usage;
  const ex::ExpressionInputs inputs{&fixture.names, &fixture.values, &usage};
  const std::string label(ex::ParameterName(kind));
  Status status;

  switch (kind) {
    case ex::ExpressionKind::kCondition:
    case ex::ExpressionKind::kFilter:
    case ex::ExpressionKind::kKeyCondition: {
      Result<ex::ConditionExpression> condition =
          ex::ConditionExpression::Parse(text, kind, inputs);
      status = condition.status();
      if (!condition.ok()) break;
      (void)condition->Evaluate(fixture.item);
      (void)condition->Evaluate(Item());
      if (kind == ex::ExpressionKind::kKeyCondition) {
        for (const ex::KeySchema* schema : {&fixture.table_schema, &fixture.index_schema}) {
          Result<ex::KeyCondition> key = ex::AnalyzeKeyCondition(*condition, *schema);
          CheckError(key.status(), "AnalyzeKeyCondition");
          if (key.ok() && key->sort) (void)key->sort->Matches(fixture.item.at("sk"));
          ++outcomes[key.ok() ? "KeyCondition analyzed"
                              : "KeyCondition refused: " + Category(key.status())];
        }
      }
      break;
    }
    case ex::ExpressionKind::kUpdate: {
      Result<ex::UpdateExpression> update = ex::UpdateExpression::Parse(text, inputs);
      status = update.status();
      if (!update.ok()) break;
      (void)update->ModifiedAttributes();
      for (const Item* item : {&fixture.item, static_cast<const Item*>(nullptr)}) {
        Result<Item> updated = update->Apply(item != nullptr ? *item : Item());
        CheckError(updated.status(), "Apply");
        ++outcomes[updated.ok() ? "Update applied"
                                : "Update refused: " + Category(updated.status())];
        if (!updated.ok()) continue;
        CheckItem(*updated);
        CheckItem(ex::ProjectItem(*updated, update->UpdatedPaths()));
      }
      break;
    }
    case ex::ExpressionKind::kProjection: {
      Result<ex::ProjectionExpression> projection = ex::ProjectionExpression::Parse(text, inputs);
      status = projection.status();
      if (!projection.ok()) break;
      CheckItem(projection->Apply(fixture.item));
      (void)projection->TopLevelAttributes();
      break;
    }
  }
  CheckError(status, label.c_str());
  if (!status.ok() && status.message().rfind("Invalid " + label + ": ", 0) != 0) {
    std::fprintf(stderr, "%s error without its prefix: %s\n", label.c_str(),
                 status.message().c_str());
    abort();
  }
  ++outcomes[status.ok() ? "OK " + label : label + " refused: " + Category(status)];
  CheckError(ex::CheckAllPlaceholdersUsed(&fixture.names, &fixture.values, usage),
             "CheckAllPlaceholdersUsed");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  RunOne(data, size);
  return 0;
}

#ifndef EDDY_LIBFUZZER
namespace {

std::string Kind(ex::ExpressionKind kind) {
  for (size_t i = 0; i < kKindCount; ++i) {
    if (kKinds[i] == kind) return std::string(1, static_cast<char>(i));
  }
  abort();
}

std::vector<std::string> Seeds() {
  const std::string c = Kind(ex::ExpressionKind::kCondition);
  const std::string f = Kind(ex::ExpressionKind::kFilter);
  const std::string k = Kind(ex::ExpressionKind::kKeyCondition);
  const std::string u = Kind(ex::ExpressionKind::kUpdate);
  const std::string p = Kind(ex::ExpressionKind::kProjection);
  return {
      c + "attribute_not_exists(pk)",
      c + "s = :s AND (n < :n OR NOT begins_with(s, :s))",
      c + "#a.#b[0] <> :m OR contains(l, :n) AND size(ss) BETWEEN :n AND :n",
      c + "attribute_type(l[2].k, :t) AND n IN (:n, :neg, :big, :tiny)",
      f + "contains(s, :s) OR contains(ns, :n) OR contains(bs, :b) OR size(s) > :neg",
      f + "(m.a).b = :n AND attribute_exists(#d) AND b > :b",
      f + "NOT (z = :null) OR t = :bool",
      k + "pk = :p AND sk BETWEEN :neg AND :n",
      k + "#pk = :p AND begins_with(sk, :s)",
      k + ":neg < sk AND pk = :p",
      k + "s = :s",
      u + "SET n = n + :n, big = big + :big, l[9] = :l, m.a.c = :ss",
      u + "SET l = list_append(l, :l), c = if_not_exists(c, :neg) - :n REMOVE z, b",
      u + "ADD ns :ns, ss :ss, fresh :n DELETE bs :bs",
      u + "REMOVE m.l[0], absent, l[3][0] SET #e = :empty, #i = :null",
      u + "SET l[1] = (n - :tiny), #l[2].k = list_append(:l, :l) ADD l[99999] :n",
      p + "pk, l[2].k, l[0], m.a.b, #d, #i",
      p + "l[3][0], ss, ns, bs, b",
  };
}

// Structure-aware mutations: expression tokens, odd numbers and names, splices, repetition
// (for nesting and operator limits).
std::string Mutate(std::string s, std::mt19937_64& rng, const std::vector<std::string>& seeds) {
  static const char* const kTokens[] = {
      "(",
      ")",
      "((",
      "))",
      "[",
      "]",
      "[0]",
      "[99999999999]",
      "[2147483647]",
      ".",
      ",",
      " ",
      "=",
      "<>",
      "<",
      "<=",
      ">",
      ">=",
      "+",
      "-",
      " AND ",
      " OR ",
      " NOT ",
      " BETWEEN ",
      " IN ",
      " SET ",
      " REMOVE ",
      " ADD ",
      " DELETE ",
      "size(",
      "attribute_exists(",
      "attribute_not_exists(",
      "attribute_type(",
      "begins_with(",
      "contains(",
      "if_not_exists(",
      "list_append(",
      "foo(",
      ":s",
      ":n",
      ":big",
      ":tiny",
      ":ss",
      ":l",
      ":m",
      ":undefined",
      "#a",
      "#undefined",
      "#e",
      "status",
      "pk",
      "sk",
      "l",
      "m",
      "\"",
      "_",
      "\xC3\xA9",
      "\xF0\x9D",
      "4",
  };
  const int steps = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < steps; ++i) {
    const size_t pos = s.size() <= 1 ? s.size() : 1 + rng() % (s.size() - 1);
    switch (rng() % 7) {
      case 0:
        if (pos < s.size()) s[pos] = static_cast<char>(rng());
        break;
      case 1:
        s.insert(pos, kTokens[rng() % (sizeof(kTokens) / sizeof(kTokens[0]))]);
        break;
      case 2:
        if (pos < s.size()) s.erase(pos, 1 + rng() % std::min<size_t>(8, s.size() - pos));
        break;
      case 3: {
        const std::string& other = seeds[rng() % seeds.size()];
        s = s.substr(0, pos) + other.substr(std::min(other.size(), pos));
        break;
      }
      case 4:
        if (pos < s.size()) s.insert(pos, s.substr(pos, 1 + rng() % 16));
        break;
      case 5: {  // repeat a chunk many times: deep nesting, long chains, the size limit
        if (pos >= s.size()) break;
        const std::string chunk = s.substr(pos, 1 + rng() % 12);
        const size_t times = 1 + rng() % 400;
        std::string repeated;
        for (size_t t = 0; t < times && repeated.size() < 6000; ++t) repeated += chunk;
        s.insert(pos, repeated);
        break;
      }
      default:
        s[0] = static_cast<char>(rng());  // another expression kind, same text
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--write-seeds") {
    return eddy::fuzz::WriteSeeds(argv[2], Seeds());
  }
  const char* env = std::getenv("EDDY_FUZZ_ITERATIONS");
  const long iterations = env != nullptr ? std::atol(env) : 20000;
  const auto seeds = Seeds();
  for (const auto& s : seeds) RunOne(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  // Every seed must parse: they are the corpus's valid starting points.
  for (const auto& [what, n] : outcomes) {
    if (what.find("refused") != std::string::npos && what.rfind("Update refused", 0) != 0 &&
        what.rfind("KeyCondition refused", 0) != 0) {
      std::fprintf(stderr, "a seed was refused: %s\n", what.c_str());
      return 1;
    }
  }
  std::mt19937_64 rng(argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 42);
  for (long i = 0; i < iterations; ++i) {
    const std::string input = Mutate(seeds[rng() % seeds.size()], rng, seeds);
    RunOne(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  }
  std::printf("%zu seeds and %ld mutated expressions: no crash, every refusal a validation error\n",
              seeds.size(), iterations);
  for (const auto& [what, n] : outcomes) std::printf("  %7ld  %s\n", n, what.c_str());
  return 0;
}
#endif
