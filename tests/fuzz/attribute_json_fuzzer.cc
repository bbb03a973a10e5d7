// Fuzzes the DynamoDB attribute-value codec: request body -> JsonRequest::Parse -> DecodeItem
// (and the other decoders). Every input must decode or be refused with a 400
// ValidationException or SerializationException, never crash or hang; an item that decodes
// must survive the storage form (EncodeItem/DecodeItem) unchanged, and its JSON must decode
// back to the same item and re-encode to the same text. Anything else aborts.
//
// The body's root object is read as the Item, as the ExpressionAttributeValues and as the
// ExpressionAttributeNames of a request.
// Built two ways:
//  - with clang and -DEDDY_FUZZ=ON: a libFuzzer target;
//  - otherwise: a driver that runs the built-in seeds and a fixed number of mutations of them
//    (EDDY_FUZZ_ITERATIONS, default 50000), registered with ctest; `--write-seeds DIR` writes
//    the seeds as libFuzzer's starting corpus.
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "eddy/api/aws/json_request.h"
#include "eddy/api/dynamodb/attribute_json.h"
#include "fuzz_seeds.h"

namespace {

namespace dynamodb = eddy::api::dynamodb;
using eddy::api::ApiError;
using eddy::api::JsonRequest;

// What the inputs reached, for the driver's summary.
std::map<std::string, long> outcomes;

void Check(bool ok, const char* what, const std::string& detail) {
  if (ok) return;
  std::fprintf(stderr, "invariant broken: %s\n%s\n", what, detail.c_str());
  abort();
}

// A refusal must be a well-formed 400 of one of the two kinds the codec answers.
void CheckRefusal(const ApiError& error) {
  Check(error.http_status == 400 && !error.message.empty() &&
            (error.type == "ValidationException" || error.type == "SerializationException"),
        "refusal shape", error.type + ": " + error.message);
  ++outcomes[error.type];
}

void CheckItemRoundTrips(const dynamodb::Item& item) {
  // The storage form gives back the same item.
  auto stored = eddy::model::DecodeItem(eddy::model::EncodeItem(item));
  Check(stored.ok(), "storage decode", stored.status().ToString());
  Check(*stored == item, "storage round trip", dynamodb::ItemToJson(item));
  // The JSON form decodes to the same item and is canonical.
  const std::string json = dynamodb::ItemToJson(item);
  auto parsed = JsonRequest::Parse(json);
  Check(std::holds_alternative<JsonRequest>(parsed), "re-parse", json);
  dynamodb::Item again;
  auto error = dynamodb::DecodeItem(std::get<JsonRequest>(parsed).root(), &again);
  Check(!error.has_value(), "re-decode", error ? error->message + " in " + json : json);
  Check(again == item, "JSON round trip", json);
  Check(dynamodb::ItemToJson(again) == json, "canonical JSON", json);
  // The item-level checks run on anything that decodes.
  const dynamodb::KeySchema schema{{"pk", eddy::model::ValueType::kString},
                                   dynamodb::KeyAttribute{"sk", eddy::model::ValueType::kNumber}};
  if (auto e = dynamodb::CheckItemKey(item, schema)) {
    CheckRefusal(*e);
  } else {
    Check(eddy::table::KeyAttributes(schema, item).size() == 2, "key of a checked item", json);
  }
  if (auto e = dynamodb::CheckKey(item, schema)) CheckRefusal(*e);
  if (auto e = dynamodb::CheckItemSize(item)) CheckRefusal(*e);
}

void RunOne(const uint8_t* data, size_t size) {
  auto parsed = JsonRequest::Parse(std::string(reinterpret_cast<const char*>(data), size));
  if (auto* error = std::get_if<ApiError>(&parsed)) {
    Check(error->type == "SerializationException", "parse refusal", error->message);
    ++outcomes["unparsable body"];
    return;
  }
  const rapidjson::Value& root = std::get<JsonRequest>(parsed).root();

  dynamodb::Item item;
  if (auto error = dynamodb::DecodeItem(root, &item)) {
    CheckRefusal(*error);
  } else {
    ++outcomes["OK item"];
    CheckItemRoundTrips(item);
  }
  dynamodb::ExpressionValues values;
  if (auto error = dynamodb::DecodeExpressionAttributeValues(root, &values)) {
    CheckRefusal(*error);
  } else {
    ++outcomes["OK ExpressionAttributeValues"];
  }
  dynamodb::ExpressionNames names;
  if (auto error = dynamodb::DecodeExpressionAttributeNames(root, &names)) {
    CheckRefusal(*error);
  } else {
    ++outcomes["OK ExpressionAttributeNames"];
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  RunOne(data, size);
  return 0;
}

#ifndef EDDY_LIBFUZZER
namespace {

std::string Nested(int levels, const std::string& open, const std::string& close,
                   const std::string& leaf) {
  std::string s;
  for (int i = 0; i < levels; ++i) s += open;
  s += leaf;
  for (int i = 0; i < levels; ++i) s += close;
  return s;
}

std::vector<std::string> Seeds() {
  return {
      R"({"pk":{"S":"user#1"},"sk":{"N":"-12.50"},"blob":{"B":"AP8Q"},"empty":{"S":""}})",
      R"({"tags":{"SS":["b","a","c"]},"scores":{"NS":["3","-1","2.5","1e-130"]},)"
      R"("keys":{"BS":["Ag==","AQ==",""]}})",
      R"({"address":{"M":{"city":{"S":"Lisbon"},"zip":{"N":"1100"},"x":{"M":{}}}},)"
      R"("history":{"L":[{"N":"1"},{"NULL":true},{"BOOL":false},{"L":[]},{"M":{"a":{"B":""}}}]}})",
      R"({":v":{"S":"x"},":n":{"N":"9.99999999999999999999999999999999999999E+125"}})",
      R"({"#a":"attr","#b":"other.name"})",
      R"({"s":{"S":"q\"\\\n\u0000\u00e9\ud83d\ude00"},"n":{"N":"-0.000"}})",
      R"({"a":{"S":"a","N":"1"},"b":{"NULL":false},"c":{"SS":[]},"d":{"NS":["1","1.0"]}})",
      R"({"a":{"B":"+/+="},"b":{"BS":["Yg==","Yg=="]},"c":{"X":"1"},"d":{}})",
      R"({"a":{"S":5},"b":{"M":[]},"c":{"L":{}},"d":{"BOOL":"true"}})",
      R"({"pk":{"S":""},"sk":{"N":"1"},"":{"S":"x"}})",
      "{\"deep\":" + Nested(31, R"({"M":{"n":)", "}}", R"({"S":"leaf"})") + "}",
      "{\"deep\":" + Nested(32, R"({"L":[)", "]}", R"({"N":"1"})") + "}",
      "{\"deep\":" + Nested(300, R"({"M":{"n":)", "}}", "{}") + "}",
  };
}

// Structure-aware mutations: JSON punctuation, type names, odd numbers and base64, splices.
std::string Mutate(std::string s, std::mt19937_64& rng, const std::vector<std::string>& seeds) {
  static const char* const kTokens[] = {"{",
                                        "}",
                                        "[",
                                        "]",
                                        "\"",
                                        ":",
                                        ",",
                                        "null",
                                        "true",
                                        "false",
                                        "0",
                                        "-1",
                                        "1e126",
                                        "1e-131",
                                        "\"\"",
                                        "\\u0000",
                                        "\"S\"",
                                        "\"N\"",
                                        "\"B\"",
                                        "\"SS\"",
                                        "\"NS\"",
                                        "\"BS\"",
                                        "\"M\"",
                                        "\"L\"",
                                        "\"NULL\"",
                                        "\"BOOL\"",
                                        "{}",
                                        "[]",
                                        "\"AA==\"",
                                        "\"A===\"",
                                        "\"-0.0\"",
                                        "\"1.50\"",
                                        "\"1E+2\"",
                                        "\"abc\"",
                                        "\":v\"",
                                        "\"#n\"",
                                        "{\"M\":{\"a\":",
                                        "{\"L\":[",
                                        "{\"S\":\"x\"}",
                                        "\"123456789012345678901234567890123456789\""};
  const int steps = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < steps; ++i) {
    const size_t pos = s.empty() ? 0 : rng() % s.size();
    switch (rng() % 5) {
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
      default:
        if (pos < s.size()) s.insert(pos, s.substr(pos, 1 + rng() % 16));
    }
  }
  return s;
}

// A random item of mostly well-formed values, now and then a wrong one (bad number, base64 or
// JSON type, duplicate, empty set, extra type, deep nesting), so that most bodies get past the
// parser and reach the codec's paths.
class ItemGenerator {
 public:
  explicit ItemGenerator(std::mt19937_64& rng) : rng_(rng) {}

  std::string Item() {
    std::string s = "{";
    const int n = static_cast<int>(rng_() % 6);
    for (int i = 0; i < n; ++i) {
      if (i > 0) s += ",";
      s += Name() + ":" + Value(0);
    }
    return s + "}";
  }

 private:
  bool OneIn(int n) { return rng_() % n == 0; }
  template <size_t N>
  const char* Pick(const char* const (&options)[N]) {
    return options[rng_() % N];
  }
  std::string Name() {
    static const char* const kNames[] = {"\"pk\"", "\"sk\"", "\"a\"",   "\":v\"",
                                         "\"#n\"", "\"\"",   "\"a.b\"", "\"\\u00e9\""};
    return Pick(kNames);
  }
  std::string Text() {
    static const char* const kTexts[] = {"\"\"",        "\"a\"",     "\"b\"",
                                         "\"\\u0000\"", "\"\\\"q\"", "\"\\ud83d\\ude00\""};
    return Pick(kTexts);
  }
  std::string NumberText() {
    static const char* const kNumbers[] = {"\"0\"",
                                           "\"1\"",
                                           "\"1.0\"",
                                           "\"-1.50\"",
                                           "\"1e3\"",
                                           "\"1E-130\"",
                                           "\"9.99999999999999999999999999999999999999E+125\"",
                                           "\"1e126\"",
                                           "\"1e-131\"",
                                           "\"12345678901234567890123456789012345678\"",
                                           "\"123456789012345678901234567890123456789\"",
                                           "\"abc\"",
                                           "\"\"",
                                           "\" 1\""};
    return Pick(kNumbers);
  }
  std::string Base64() {
    static const char* const kBlobs[] = {"\"\"",     "\"AA==\"", "\"AP8Q\"", "\"Yg==\"",
                                         "\"+/+=\"", "\"abc\"",  "\"=AAA\""};
    return Pick(kBlobs);
  }
  std::string Wrong() {
    static const char* const kWrong[] = {"5", "1.5", "true", "null", "[]", "{}", "\"x\""};
    return Pick(kWrong);
  }
  std::string Set(std::string (ItemGenerator::*member)()) {
    std::string s = "[";
    const int n = static_cast<int>(rng_() % 4);
    for (int i = 0; i < n; ++i) s += (i > 0 ? "," : "") + (OneIn(20) ? Wrong() : (this->*member)());
    return s + "]";
  }
  // Maps and lists `levels` deep around a value: both sides of the 32-level limit.
  std::string Chain(int levels) {
    std::string s = Value(kMaxDepth);
    for (int i = 0; i < levels; ++i) {
      s = OneIn(2) ? "{\"L\":[" + s + "]}" : "{\"M\":{" + Name() + ":" + s + "}}";
    }
    return s;
  }
  std::string Value(int depth) {
    if (depth == 0 && OneIn(10)) return Chain(28 + static_cast<int>(rng_() % 8));
    std::string type, payload;
    switch (rng_() % 10) {
      case 0:
        type = "S";
        payload = Text();
        break;
      case 1:
        type = "N";
        payload = NumberText();
        break;
      case 2:
        type = "B";
        payload = Base64();
        break;
      case 3:
        type = "SS";
        payload = Set(&ItemGenerator::Text);
        break;
      case 4:
        type = "NS";
        payload = Set(&ItemGenerator::NumberText);
        break;
      case 5:
        type = "BS";
        payload = Set(&ItemGenerator::Base64);
        break;
      case 6:
        type = "NULL";
        payload = OneIn(5) ? "false" : "true";
        break;
      case 7:
        type = "BOOL";
        payload = OneIn(2) ? "false" : "true";
        break;
      case 8: {
        // Deep chains now and then, around the 32-level limit.
        type = "L";
        const int n = depth >= kMaxDepth ? 0 : static_cast<int>(rng_() % 3);
        payload = "[";
        for (int i = 0; i < n; ++i) payload += (i > 0 ? "," : "") + Value(depth + 1);
        payload += "]";
        break;
      }
      default: {
        type = "M";
        const int n = depth >= kMaxDepth ? 0 : static_cast<int>(rng_() % 3);
        payload = "{";
        for (int i = 0; i < n; ++i) payload += (i > 0 ? "," : "") + Name() + ":" + Value(depth + 1);
        payload += "}";
      }
    }
    if (OneIn(40)) payload = Wrong();
    std::string value = "{\"" + type + "\":" + payload;
    if (OneIn(40)) value += ",\"S\":\"extra\"";
    if (OneIn(40)) value += ",\"X\":1";
    return value + "}";
  }

  static constexpr int kMaxDepth = 4;  // for ordinary values; Chain() goes deeper
  std::mt19937_64& rng_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--write-seeds") {
    return eddy::fuzz::WriteSeeds(argv[2], Seeds());
  }
  const char* env = std::getenv("EDDY_FUZZ_ITERATIONS");
  const long iterations = env != nullptr ? std::atol(env) : 50000;
  const auto seeds = Seeds();
  for (const auto& s : seeds) RunOne(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  std::mt19937_64 rng(argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 42);
  ItemGenerator generator(rng);
  for (long i = 0; i < iterations; ++i) {
    // Generated items, some of them mutated, and mutated seeds, in equal parts.
    std::string input;
    switch (i % 3) {
      case 0:
        input = generator.Item();
        break;
      case 1:
        input = Mutate(generator.Item(), rng, seeds);
        break;
      default:
        input = Mutate(seeds[rng() % seeds.size()], rng, seeds);
    }
    RunOne(reinterpret_cast<const uint8_t*>(input.data()), input.size());
  }
  std::printf(
      "%zu seeds and %ld generated or mutated bodies: every one decoded or refused, "
      "round trips exact\n",
      seeds.size(), iterations);
  for (const auto& [what, n] : outcomes) std::printf("  %7ld  %s\n", n, what.c_str());
  return 0;
}
#endif
