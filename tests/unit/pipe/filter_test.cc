#include "eddy/pipe/filter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/base/status.h"

namespace eddy::pipe {
namespace {

// Compiles `patterns`. On failure the test fails and a match-everything filter is returned, so
// the assertions that follow fail loudly rather than crash.
EventFilter MustCompile(const std::vector<std::string>& patterns) {
  Result<EventFilter> filter = EventFilter::Compile(patterns);
  EXPECT_TRUE(filter.ok()) << filter.status().ToString();
  if (!filter.ok()) return EventFilter();
  return std::move(filter).value();
}

bool Match(const std::string& pattern, const std::string& record) {
  return MustCompile({pattern}).Matches(record);
}

// The message of the InvalidArgument that compiling `patterns` yields; "" when it compiles.
std::string CompileError(const std::vector<std::string>& patterns) {
  Result<EventFilter> filter = EventFilter::Compile(patterns);
  if (filter.ok()) return "";
  EXPECT_EQ(filter.status().code(), Status::Code::kInvalidArgument);
  return filter.status().message();
}

constexpr std::string_view kPrefix = "Invalid filter pattern definition. Pattern 1: ";

// Asserts that `pattern` is refused with Lambda's prefix and a detail containing `detail`.
void ExpectRefused(const std::string& pattern, const std::string& detail) {
  const std::string message = CompileError(std::vector<std::string>{pattern});
  EXPECT_EQ(message.rfind(kPrefix, 0), 0u) << pattern << " -> " << message;
  EXPECT_NE(message.find(detail), std::string::npos) << pattern << " -> " << message;
}

// ---- no filter ----

TEST(EventFilterTest, DefaultMatchesEverything) {
  EventFilter filter;
  EXPECT_TRUE(filter.matches_everything());
  EXPECT_EQ(filter.pattern_count(), 0u);
  EXPECT_TRUE(filter.Matches(R"({"a":1})"));
  EXPECT_TRUE(filter.Matches("not json"));
  EXPECT_FALSE(filter.NamesKey("a"));
}

TEST(EventFilterTest, EmptyFilterListMatchesEverything) {
  EventFilter filter = MustCompile({});
  EXPECT_TRUE(filter.matches_everything());
  EXPECT_TRUE(filter.Matches(R"({"anything":"goes"})"));
}

TEST(EventFilterTest, CompiledFilterDoesNotMatchEverything) {
  EventFilter filter = MustCompile({R"({"a":["x"]})"});
  EXPECT_FALSE(filter.matches_everything());
  EXPECT_EQ(filter.pattern_count(), 1u);
}

// ---- literals ----

TEST(EventFilterTest, StringLiteralMatchesExactly) {
  const std::string pattern = R"({"status":["ERROR"]})";
  EXPECT_TRUE(Match(pattern, R"({"status":"ERROR"})"));
  EXPECT_FALSE(Match(pattern, R"({"status":"error"})"));
  EXPECT_FALSE(Match(pattern, R"({"status":"ERROR "})"));
  EXPECT_FALSE(Match(pattern, R"({"status":"ERRORS"})"));
}

TEST(EventFilterTest, EscapedStringsCompareUnescaped) {
  EXPECT_TRUE(Match(R"({"k\u0065y":["a\"b"]})", R"({"key":"a\u0022b"})"));
  EXPECT_FALSE(Match(R"({"key":["a\"b"]})", R"({"key":"a\\b"})"));
}

TEST(EventFilterTest, NumberLiteralComparesNumerically) {
  const std::string pattern = R"({"n":[100]})";
  EXPECT_TRUE(Match(pattern, R"({"n":100})"));
  EXPECT_TRUE(Match(pattern, R"({"n":100.0})"));
  EXPECT_TRUE(Match(pattern, R"({"n":1e2})"));
  EXPECT_FALSE(Match(pattern, R"({"n":100.5})"));
  EXPECT_FALSE(Match(pattern, R"({"n":-100})"));
  EXPECT_TRUE(Match(R"({"n":[2.5]})", R"({"n":25e-1})"));
  EXPECT_TRUE(Match(R"({"n":[-7]})", R"({"n":-7})"));
}

TEST(EventFilterTest, StringsAndNumbersNeverCompareEqual) {
  EXPECT_FALSE(Match(R"({"n":["300"]})", R"({"n":300})"));
  EXPECT_FALSE(Match(R"({"n":[300]})", R"({"n":"300"})"));
  EXPECT_TRUE(Match(R"({"n":["300"]})", R"({"n":"300"})"));
  // Zero is no string, null or false either.
  EXPECT_FALSE(Match(R"({"n":[0]})", R"({"n":"0"})"));
  EXPECT_FALSE(Match(R"({"n":[0]})", R"({"n":null})"));
  EXPECT_FALSE(Match(R"({"n":[0]})", R"({"n":false})"));
  EXPECT_TRUE(Match(R"({"n":[0]})", R"({"n":-0.0})"));
}

TEST(EventFilterTest, NullMatchesOnlyNull) {
  const std::string pattern = R"({"r":[null]})";
  EXPECT_TRUE(Match(pattern, R"({"r":null})"));
  EXPECT_FALSE(Match(pattern, R"({"r":""})"));
  EXPECT_FALSE(Match(pattern, R"({"r":"null"})"));
  EXPECT_FALSE(Match(pattern, R"({"r":0})"));
  EXPECT_FALSE(Match(pattern, R"({})"));  // absent is not null
}

TEST(EventFilterTest, EmptyStringMatchesOnlyEmptyString) {
  const std::string pattern = R"({"v":[""]})";
  EXPECT_TRUE(Match(pattern, R"({"v":""})"));
  EXPECT_FALSE(Match(pattern, R"({"v":null})"));
  EXPECT_FALSE(Match(pattern, R"({"v":" "})"));
  EXPECT_FALSE(Match(pattern, R"({})"));
}

TEST(EventFilterTest, BooleanLiteralMatchesBooleanOnly) {
  const std::string pattern = R"({"b":[true]})";
  EXPECT_TRUE(Match(pattern, R"({"b":true})"));
  EXPECT_FALSE(Match(pattern, R"({"b":false})"));
  EXPECT_FALSE(Match(pattern, R"({"b":"true"})"));
  EXPECT_FALSE(Match(pattern, R"({"b":1})"));
  EXPECT_TRUE(Match(R"({"b":[false]})", R"({"b":false})"));
}

TEST(EventFilterTest, ObjectAtLeafPathMatchesNoLiteral) {
  EXPECT_FALSE(Match(R"({"a":["x"]})", R"({"a":{"x":"x"}})"));
  EXPECT_FALSE(Match(R"({"a":[null]})", R"({"a":{}})"));
}

// ---- AND / OR ----

TEST(EventFilterTest, OrAcrossValuesOfALeaf) {
  const std::string pattern = R"({"priority":["high","critical",1]})";
  EXPECT_TRUE(Match(pattern, R"({"priority":"high"})"));
  EXPECT_TRUE(Match(pattern, R"({"priority":"critical"})"));
  EXPECT_TRUE(Match(pattern, R"({"priority":1})"));
  EXPECT_FALSE(Match(pattern, R"({"priority":"low"})"));
}

TEST(EventFilterTest, OrAcrossMatchersOfDifferentKinds) {
  const std::string pattern = R"({"v":[{"prefix":"ab"},{"numeric":[">",10]},null]})";
  EXPECT_TRUE(Match(pattern, R"({"v":"abc"})"));
  EXPECT_TRUE(Match(pattern, R"({"v":11})"));
  EXPECT_TRUE(Match(pattern, R"({"v":null})"));
  EXPECT_FALSE(Match(pattern, R"({"v":"xbc"})"));
  EXPECT_FALSE(Match(pattern, R"({"v":10})"));
}

TEST(EventFilterTest, AndAcrossFields) {
  const std::string pattern = R"({"city":["Seattle"],"state":["WA"]})";
  EXPECT_TRUE(Match(pattern, R"({"city":"Seattle","state":"WA","month":"May"})"));
  EXPECT_FALSE(Match(pattern, R"({"city":"Seattle","state":"OR"})"));
  EXPECT_FALSE(Match(pattern, R"({"city":"Portland","state":"WA"})"));
  EXPECT_FALSE(Match(pattern, R"({"city":"Seattle"})"));
}

TEST(EventFilterTest, OrAcrossFilters) {
  EventFilter filter = MustCompile({R"({"a":["1"]})", R"({"b":["2"]})"});
  EXPECT_EQ(filter.pattern_count(), 2u);
  EXPECT_TRUE(filter.Matches(R"({"a":"1"})"));
  EXPECT_TRUE(filter.Matches(R"({"b":"2"})"));
  EXPECT_TRUE(filter.Matches(R"({"a":"0","b":"2"})"));
  EXPECT_FALSE(filter.Matches(R"({"a":"2","b":"1"})"));
  EXPECT_FALSE(filter.Matches(R"({})"));
}

// ---- structure ----

TEST(EventFilterTest, NestedObjects) {
  const std::string pattern = R"({"detail":{"state":["running"],"owner":{"team":["core"]}}})";
  EXPECT_TRUE(Match(pattern, R"({"detail":{"state":"running","owner":{"team":"core"}}})"));
  EXPECT_FALSE(Match(pattern, R"({"detail":{"state":"running","owner":{"team":"web"}}})"));
  EXPECT_FALSE(Match(pattern, R"({"detail":{"state":"running"}})"));
  // The pattern's path is not the record's: a top-level "state" is not detail.state.
  EXPECT_FALSE(Match(pattern, R"({"state":"running","team":"core","detail":{}})"));
}

TEST(EventFilterTest, MissingFieldNeverMatches) {
  EXPECT_FALSE(Match(R"({"a":["x"]})", R"({"b":"x"})"));
  EXPECT_FALSE(Match(R"({"a":[{"anything-but":"y"}]})", R"({"b":"x"})"));
  EXPECT_FALSE(Match(R"({"a":[{"numeric":[">",0]}]})", R"({})"));
  EXPECT_FALSE(Match(R"({"a":[{"prefix":""}]})", R"({})"));
}

TEST(EventFilterTest, MissingOrScalarParentNeverMatches) {
  const std::string pattern = R"({"a":{"b":["x"]}})";
  EXPECT_FALSE(Match(pattern, R"({})"));
  EXPECT_FALSE(Match(pattern, R"({"a":"x"})"));
  EXPECT_FALSE(Match(pattern, R"({"a":null})"));
  EXPECT_TRUE(Match(pattern, R"({"a":{"b":"x"}})"));
}

TEST(EventFilterTest, ArrayInRecordMatchesWhenAnyElementMatches) {
  const std::string pattern = R"({"tags":["blue"]})";
  EXPECT_TRUE(Match(pattern, R"({"tags":["red","blue"]})"));
  EXPECT_FALSE(Match(pattern, R"({"tags":["red","green"]})"));
  EXPECT_FALSE(Match(pattern, R"({"tags":[]})"));
  EXPECT_TRUE(Match(R"({"n":[{"numeric":[">",5]}]})", R"({"n":[1,2,9]})"));
}

TEST(EventFilterTest, NestedArraysInRecordAreFlattened) {
  EXPECT_TRUE(Match(R"({"m":["deep"]})", R"({"m":[["a"],[["deep"]]]})"));
  EXPECT_FALSE(Match(R"({"m":["deep"]})", R"({"m":[["a"],[["shallow"]]]})"));
}

TEST(EventFilterTest, ArrayOfObjectsMatchesWithinOneElement) {
  const std::string pattern = R"({"employees":{"first":["Anna"],"last":["Smith"]}})";
  const std::string same_element =
      R"({"employees":[{"first":"John","last":"Doe"},{"first":"Anna","last":"Smith"}]})";
  const std::string different_elements =
      R"({"employees":[{"first":"Anna","last":"Doe"},{"first":"John","last":"Smith"}]})";
  EXPECT_TRUE(Match(pattern, same_element));
  EXPECT_FALSE(Match(pattern, different_elements));
  EXPECT_TRUE(Match(R"({"employees":{"first":["John"]}})", different_elements));
}

// ---- operators ----

TEST(EventFilterTest, PrefixMatchesStringsOnly) {
  const std::string pattern = R"({"region":[{"prefix":"us-"}]})";
  EXPECT_TRUE(Match(pattern, R"({"region":"us-east-1"})"));
  EXPECT_TRUE(Match(pattern, R"({"region":"us-"})"));
  EXPECT_FALSE(Match(pattern, R"({"region":"eu-west-1"})"));
  EXPECT_FALSE(Match(pattern, R"({"region":"us"})"));
  EXPECT_FALSE(Match(pattern, R"({"region":"US-east-1"})"));
  EXPECT_FALSE(Match(R"({"n":[{"prefix":"12"}]})", R"({"n":123})"));
}

TEST(EventFilterTest, SuffixMatchesStringsOnly) {
  const std::string pattern = R"({"key":[{"suffix":".png"}]})";
  EXPECT_TRUE(Match(pattern, R"({"key":"images/cat.png"})"));
  EXPECT_TRUE(Match(pattern, R"({"key":".png"})"));
  EXPECT_FALSE(Match(pattern, R"({"key":"images/cat.jpg"})"));
  EXPECT_FALSE(Match(pattern, R"({"key":"png"})"));
  EXPECT_FALSE(Match(pattern, R"({"key":"cat.PNG"})"));
  EXPECT_FALSE(Match(R"({"n":[{"suffix":"3"}]})", R"({"n":123})"));
}

TEST(EventFilterTest, EqualsIgnoreCase) {
  const std::string pattern = R"({"name":[{"equals-ignore-case":"aLiCe"}]})";
  EXPECT_TRUE(Match(pattern, R"({"name":"alice"})"));
  EXPECT_TRUE(Match(pattern, R"({"name":"ALICE"})"));
  EXPECT_FALSE(Match(pattern, R"({"name":"alicia"})"));
  EXPECT_FALSE(Match(pattern, R"({"name":"alice "})"));
  EXPECT_FALSE(Match(pattern, R"({"name":null})"));
}

TEST(EventFilterTest, AnythingButSingleString) {
  const std::string pattern = R"({"state":[{"anything-but":"deleted"}]})";
  EXPECT_TRUE(Match(pattern, R"({"state":"pending"})"));
  EXPECT_FALSE(Match(pattern, R"({"state":"deleted"})"));
  EXPECT_FALSE(Match(pattern, R"({})"));  // the value must exist
}

TEST(EventFilterTest, AnythingButStringList) {
  const std::string pattern = R"({"state":[{"anything-but":["archived","deleted"]}]})";
  EXPECT_TRUE(Match(pattern, R"({"state":"pending"})"));
  EXPECT_FALSE(Match(pattern, R"({"state":"archived"})"));
  EXPECT_FALSE(Match(pattern, R"({"state":"deleted"})"));
  // Another type is "anything but" strings.
  EXPECT_TRUE(Match(pattern, R"({"state":5})"));
  EXPECT_TRUE(Match(pattern, R"({"state":null})"));
}

TEST(EventFilterTest, AnythingButNumbers) {
  EXPECT_TRUE(Match(R"({"x":[{"anything-but":100}]})", R"({"x":101})"));
  EXPECT_FALSE(Match(R"({"x":[{"anything-but":100}]})", R"({"x":100.0})"));
  const std::string pattern = R"({"x":[{"anything-but":[100,200]}]})";
  EXPECT_TRUE(Match(pattern, R"({"x":150})"));
  EXPECT_FALSE(Match(pattern, R"({"x":200})"));
  EXPECT_TRUE(Match(pattern, R"({"x":"100"})"));  // a string is not the number 100
}

TEST(EventFilterTest, AnythingButOnArrayMatchesWhenSomeElementDiffers) {
  const std::string pattern = R"({"s":[{"anything-but":"a"}]})";
  EXPECT_TRUE(Match(pattern, R"({"s":["a","b"]})"));
  EXPECT_FALSE(Match(pattern, R"({"s":["a","a"]})"));
}

TEST(EventFilterTest, NumericSingleBounds) {
  EXPECT_TRUE(Match(R"({"n":[{"numeric":[">",10]}]})", R"({"n":10.5})"));
  EXPECT_FALSE(Match(R"({"n":[{"numeric":[">",10]}]})", R"({"n":10})"));
  EXPECT_TRUE(Match(R"({"n":[{"numeric":[">=",10]}]})", R"({"n":10})"));
  EXPECT_FALSE(Match(R"({"n":[{"numeric":[">=",10]}]})", R"({"n":9.99})"));
  EXPECT_TRUE(Match(R"({"n":[{"numeric":["<",0]}]})", R"({"n":-1})"));
  EXPECT_FALSE(Match(R"({"n":[{"numeric":["<",0]}]})", R"({"n":0})"));
  EXPECT_TRUE(Match(R"({"n":[{"numeric":["<=",0]}]})", R"({"n":0})"));
  EXPECT_FALSE(Match(R"({"n":[{"numeric":["<=",0]}]})", R"({"n":0.001})"));
  EXPECT_TRUE(Match(R"({"n":[{"numeric":["=",301.8]}]})", R"({"n":3.018e2})"));
  EXPECT_FALSE(Match(R"({"n":[{"numeric":["=",301.8]}]})", R"({"n":301.81})"));
}

TEST(EventFilterTest, NumericRange) {
  const std::string pattern = R"({"price":[{"numeric":[">",0,"<=",150.5]}]})";
  EXPECT_TRUE(Match(pattern, R"({"price":100})"));
  EXPECT_TRUE(Match(pattern, R"({"price":150.5})"));
  EXPECT_FALSE(Match(pattern, R"({"price":0})"));
  EXPECT_FALSE(Match(pattern, R"({"price":150.51})"));
  EXPECT_FALSE(Match(pattern, R"({"price":-3})"));
  // Bounds may be given upper first.
  EXPECT_TRUE(Match(R"({"p":[{"numeric":["<",20,">=",10]}]})", R"({"p":10})"));
  EXPECT_FALSE(Match(R"({"p":[{"numeric":["<",20,">=",10]}]})", R"({"p":20})"));
}

TEST(EventFilterTest, NumericMatchesNumbersOnly) {
  const std::string pattern = R"({"n":[{"numeric":[">",1]}]})";
  EXPECT_FALSE(Match(pattern, R"({"n":"5"})"));
  EXPECT_FALSE(Match(pattern, R"({"n":true})"));
  EXPECT_FALSE(Match(pattern, R"({"n":null})"));
  EXPECT_TRUE(Match(pattern, R"({"n":5})"));
}

TEST(EventFilterTest, ExistsTrueMatchesAnyPresentLeafValue) {
  const std::string pattern = R"({"c":{"email":[{"exists":true}]}})";
  EXPECT_TRUE(Match(pattern, R"({"c":{"email":"a@example.com"}})"));
  EXPECT_TRUE(Match(pattern, R"({"c":{"email":""}})"));
  EXPECT_TRUE(Match(pattern, R"({"c":{"email":null}})"));
  EXPECT_TRUE(Match(pattern, R"({"c":{"email":[0]}})"));
  EXPECT_FALSE(Match(pattern, R"({"c":{"phone":"555"}})"));
  EXPECT_FALSE(Match(pattern, R"({})"));
  // Exists applies to leaf values only (EventBridge): an object or an empty array is not one.
  EXPECT_FALSE(Match(pattern, R"({"c":{"email":{"work":"a@example.com"}}})"));
  EXPECT_FALSE(Match(pattern, R"({"c":{"email":[]}})"));
}

TEST(EventFilterTest, ExistsFalseMatchesAbsentField) {
  const std::string pattern = R"({"c":{"email":[{"exists":false}]}})";
  EXPECT_TRUE(Match(pattern, R"({"c":{"phone":"555"}})"));
  // The parent is absent, or offers no fields, or the field is not a leaf.
  EXPECT_TRUE(Match(pattern, R"({})"));
  EXPECT_TRUE(Match(pattern, R"({"c":"x"})"));
  EXPECT_TRUE(Match(pattern, R"({"c":{"email":{"work":"w"}}})"));
  EXPECT_FALSE(Match(pattern, R"({"c":{"email":"a@example.com"}})"));
  EXPECT_FALSE(Match(pattern, R"({"c":{"email":null}})"));
}

TEST(EventFilterTest, ExistsFalseInArrayOfObjectsLooksAtEachElement) {
  const std::string pattern = R"({"c":{"email":[{"exists":false}]}})";
  EXPECT_FALSE(Match(pattern, R"({"c":[{"email":"a"},{"email":"b"}]})"));
  EXPECT_TRUE(Match(pattern, R"({"c":[{"email":"a"},{"phone":"555"}]})"));
  EXPECT_TRUE(Match(pattern, R"({"c":[]})"));
}

TEST(EventFilterTest, ExistsFalseCombinesWithOtherFields) {
  const std::string pattern = R"({"type":["order"],"cancelled":[{"exists":false}]})";
  EXPECT_TRUE(Match(pattern, R"({"type":"order"})"));
  EXPECT_FALSE(Match(pattern, R"({"type":"order","cancelled":true})"));
  EXPECT_FALSE(Match(pattern, R"({"type":"refund"})"));
}

TEST(EventFilterTest, ExistsFalseOrValue) {
  const std::string pattern = R"({"v":[{"exists":false},"x"]})";
  EXPECT_TRUE(Match(pattern, R"({})"));
  EXPECT_TRUE(Match(pattern, R"({"v":"x"})"));
  EXPECT_FALSE(Match(pattern, R"({"v":"y"})"));
}

// ---- shapes the pipe sees ----

TEST(EventFilterTest, DynamoDbStreamKeys) {
  const std::string pattern = R"({"dynamodb":{"Keys":{"Id":{"N":["101"]}}}})";
  const std::string record =
      R"({"eventID":"1","eventName":"INSERT","eventSource":"aws:dynamodb",)"
      R"("dynamodb":{"Keys":{"Id":{"N":"101"}},"NewImage":{"Id":{"N":"101"},)"
      R"("Message":{"S":"hi"}},"StreamViewType":"NEW_IMAGE"}})";
  EXPECT_TRUE(Match(pattern, record));
  EXPECT_FALSE(Match(pattern, R"({"dynamodb":{"Keys":{"Id":{"N":"102"}}}})"));
  EXPECT_FALSE(Match(pattern, R"({"dynamodb":{"Keys":{"Id":{"S":"101"}}}})"));
}

TEST(EventFilterTest, DynamoDbEventName) {
  EventFilter filter = MustCompile({R"({"eventName":["INSERT"]})"});
  EXPECT_TRUE(filter.Matches(R"({"eventName":"INSERT","dynamodb":{}})"));
  EXPECT_FALSE(filter.Matches(R"({"eventName":"MODIFY","dynamodb":{}})"));
  EXPECT_FALSE(filter.Matches(R"({"eventName":"REMOVE","dynamodb":{}})"));
}

TEST(EventFilterTest, DynamoDbNewImageBoolean) {
  const std::string pattern =
      R"({"eventName":["INSERT"],"dynamodb":{"NewImage":{"active":{"BOOL":[true]}}}})";
  EXPECT_TRUE(Match(pattern, R"({"eventName":"INSERT","dynamodb":{"NewImage":)"
                             R"({"active":{"BOOL":true}}}})"));
  EXPECT_FALSE(Match(pattern, R"({"eventName":"INSERT","dynamodb":{"NewImage":)"
                              R"({"active":{"BOOL":false}}}})"));
}

TEST(EventFilterTest, KinesisData) {
  EventFilter filter = MustCompile({R"({"data":{"temperature":[{"numeric":[">",30]}]}})"});
  EXPECT_TRUE(filter.Matches(R"({"partitionKey":"k","data":{"temperature":35}})"));
  EXPECT_FALSE(filter.Matches(R"({"partitionKey":"k","data":{"temperature":30}})"));
  EXPECT_FALSE(filter.Matches(R"({"partitionKey":"k","data":"eyJ0ZW1wZXJhdHVyZSI6MzV9"})"));
  EXPECT_TRUE(filter.NamesKey("data"));
  EXPECT_FALSE(filter.NamesKey("partitionKey"));
}

TEST(EventFilterTest, NamesKeyLooksAtTopLevelKeysOfAllPatterns) {
  EventFilter filter =
      MustCompile({R"({"partitionKey":["k"]})", R"({"body":{"data":["x"]},"kind":["a"]})"});
  EXPECT_TRUE(filter.NamesKey("partitionKey"));
  EXPECT_TRUE(filter.NamesKey("body"));
  EXPECT_TRUE(filter.NamesKey("kind"));
  EXPECT_FALSE(filter.NamesKey("data"));  // nested, not top-level
  EXPECT_FALSE(filter.NamesKey("Data"));
}

// ---- records that are not JSON objects ----

TEST(EventFilterTest, BadRecordsNeverMatch) {
  EventFilter filter = MustCompile({R"({"a":[{"exists":false}]})"});
  EXPECT_TRUE(filter.Matches(R"({})"));
  EXPECT_FALSE(filter.Matches(""));
  EXPECT_FALSE(filter.Matches("{"));
  EXPECT_FALSE(filter.Matches(R"({"a":1,})"));
  EXPECT_FALSE(filter.Matches("[]"));
  EXPECT_FALSE(filter.Matches("42"));
  EXPECT_FALSE(filter.Matches(std::string("{\"a\":1}\0", 8)));
}

TEST(EventFilterTest, ShortRecordAfterLongRecordParsesOnItsOwn) {
  EventFilter filter = MustCompile({R"({"a":["x"]})"});
  const std::string long_record = R"({"a":"x","pad":")" + std::string(10000, 'p') + R"("})";
  EXPECT_TRUE(filter.Matches(long_record));
  EXPECT_TRUE(filter.Matches(R"({"a":"x"})"));
  // A prefix of the long record is not valid JSON even though the buffer still holds the rest.
  EXPECT_FALSE(filter.Matches(std::string_view(long_record).substr(0, 20)));
}

TEST(EventFilterTest, MatchesFromManyThreads) {
  const EventFilter filter = MustCompile({R"({"n":[{"numeric":[">=",500]}]})"});
  std::atomic<int> matched{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&filter, &matched] {
      for (int i = 0; i < 1000; ++i) {
        if (filter.Matches(R"({"n":)" + std::to_string(i) + "}")) ++matched;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(matched.load(), 4 * 500);
}

// ---- compile errors ----

TEST(EventFilterCompileTest, RefusesInvalidJson) {
  ExpectRefused(R"({"a":["x"])", "not valid JSON");
  ExpectRefused("", "not valid JSON");
  ExpectRefused(R"({'a':['x']})", "not valid JSON");
}

TEST(EventFilterCompileTest, RefusesNonObjectPattern) {
  ExpectRefused(R"(["a"])", "must be a JSON object");
  ExpectRefused(R"("a")", "must be a JSON object");
  ExpectRefused("null", "must be a JSON object");
}

TEST(EventFilterCompileTest, RefusesEmptyObjects) {
  ExpectRefused("{}", "the pattern is an empty object");
  ExpectRefused(R"({"a":{}})", R"(empty object at "a")");
}

TEST(EventFilterCompileTest, RefusesLeafThatIsNotArrayOrObject) {
  ExpectRefused(R"({"a":"x"})", R"(must be an array or an object, at "a")");
  ExpectRefused(R"({"a":1})", "must be an array or an object");
  ExpectRefused(R"({"a":null})", "must be an array or an object");
  ExpectRefused(R"({"a":{"b":true}})", R"(must be an array or an object, at "a.b")");
}

TEST(EventFilterCompileTest, RefusesEmptyLeafArray) {
  ExpectRefused(R"({"a":[]})", R"(empty array at "a")");
}

TEST(EventFilterCompileTest, RefusesNestedArrayInLeaf) {
  ExpectRefused(R"({"a":[["x"]]})", "nested arrays are not allowed");
}

TEST(EventFilterCompileTest, RefusesUnknownOperators) {
  ExpectRefused(R"({"a":[{"wildcard":"x*"}]})", R"(unsupported operator "wildcard" at "a")");
  ExpectRefused(R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"(unsupported operator "cidr")");
  ExpectRefused(R"({"a":[{"Prefix":"x"}]})", R"(unsupported operator "Prefix")");
  ExpectRefused(R"({"a":[{"anything-but":{"prefix":"x"}}]})", "\"anything-but\" must be given");
}

TEST(EventFilterCompileTest, RefusesOrPrimitive) {
  ExpectRefused(R"({"$or":[{"a":["x"]},{"b":["y"]}]})", "\"$or\" is not supported");
}

TEST(EventFilterCompileTest, RefusesMatcherObjectWithoutExactlyOneKey) {
  ExpectRefused(R"({"a":[{"prefix":"x","suffix":"y"}]})", "exactly one key");
  ExpectRefused(R"({"a":[{}]})", "exactly one key");
}

TEST(EventFilterCompileTest, RefusesBadStringOperatorArguments) {
  ExpectRefused(R"({"a":[{"prefix":1}]})", R"("prefix" must be given a string)");
  ExpectRefused(R"({"a":[{"suffix":["x"]}]})", R"("suffix" must be given a string)");
  ExpectRefused(R"({"a":[{"equals-ignore-case":null}]})",
                R"("equals-ignore-case" must be given a string)");
}

TEST(EventFilterCompileTest, RefusesBadExistsArgument) {
  ExpectRefused(R"({"a":[{"exists":"true"}]})", R"("exists" must be given true or false)");
  ExpectRefused(R"({"a":[{"exists":1}]})", R"("exists" must be given true or false)");
}

TEST(EventFilterCompileTest, RefusesBadAnythingBut) {
  const std::string detail = "\"anything-but\" must be given";
  ExpectRefused(R"({"a":[{"anything-but":[]}]})", detail);
  ExpectRefused(R"({"a":[{"anything-but":["x",1]}]})", detail);
  ExpectRefused(R"({"a":[{"anything-but":null}]})", detail);
  ExpectRefused(R"({"a":[{"anything-but":true}]})", detail);
  ExpectRefused(R"({"a":[{"anything-but":[["x"]]}]})", detail);
}

TEST(EventFilterCompileTest, RefusesBadNumeric) {
  ExpectRefused(R"({"a":[{"numeric":5}]})", R"("numeric" must be given an array)");
  ExpectRefused(R"({"a":[{"numeric":[">"]}]})", "[op, number] or [op, number, op, number]");
  ExpectRefused(R"({"a":[{"numeric":[">",1,"<"]}]})", "[op, number]");
  ExpectRefused(R"({"a":[{"numeric":[]}]})", "[op, number]");
  ExpectRefused(R"({"a":[{"numeric":["!=",1]}]})", R"(operator "!=" is not one of)");
  ExpectRefused(R"({"a":[{"numeric":[1,">"]}]})", "operators must be strings");
  ExpectRefused(R"({"a":[{"numeric":[">","10"]}]})", "operands must be numbers");
  ExpectRefused(R"({"a":[{"numeric":["=",1,"<",2]}]})", R"("=" cannot be combined)");
  ExpectRefused(R"({"a":[{"numeric":[">",1,">=",2]}]})", "two lower bounds");
  ExpectRefused(R"({"a":[{"numeric":["<",1,"<=",2]}]})", "two upper bounds");
  ExpectRefused(R"({"a":[{"numeric":[">",5,"<",5]}]})", "lower bound must be less");
  ExpectRefused(R"({"a":[{"numeric":[">=",6,"<=",5]}]})", "lower bound must be less");
}

TEST(EventFilterCompileTest, RefusesDuplicateKeys) {
  ExpectRefused(R"({"a":["x"],"a":["y"]})", R"(duplicate key "a")");
  ExpectRefused(R"({"d":{"b":["x"],"b":["y"]}})", R"(duplicate key "d.b")");
}

TEST(EventFilterCompileTest, RefusesTooManyFilters) {
  std::vector<std::string> patterns(EventFilter::kMaxFilters, R"({"a":["x"]})");
  EXPECT_TRUE(EventFilter::Compile(patterns).ok());
  patterns.push_back(R"({"a":["x"]})");
  const std::string message = CompileError(patterns);
  EXPECT_NE(message.find("11 filters given; at most 10 are allowed"), std::string::npos)
      << message;
}

TEST(EventFilterCompileTest, RefusesTooLongPattern) {
  const std::string head = R"({"a":[")";
  const std::string tail = R"("]})";
  const size_t fill = EventFilter::kMaxPatternLength - head.size() - tail.size();
  const std::string longest = head + std::string(fill, 'x') + tail;
  ASSERT_EQ(longest.size(), EventFilter::kMaxPatternLength);
  EXPECT_TRUE(EventFilter::Compile({longest}).ok());
  ExpectRefused(head + std::string(fill + 1, 'x') + tail,
                "the pattern is 4097 characters long; at most 4096 are allowed");
}

TEST(EventFilterCompileTest, CountsPatternLengthInCharactersNotBytes) {
  const std::string head = R"({"a":[")";
  const std::string tail = R"("]})";
  std::string fill;
  for (size_t i = head.size() + tail.size(); i < EventFilter::kMaxPatternLength; ++i) {
    fill += "\xC3\xA9";  // é: one character, two bytes
  }
  const std::string pattern = head + fill + tail;
  ASSERT_GT(pattern.size(), EventFilter::kMaxPatternLength);
  EXPECT_TRUE(EventFilter::Compile({pattern}).ok());
}

TEST(EventFilterCompileTest, ErrorNamesThePatternAndPath) {
  const std::string message =
      CompileError({R"({"a":["x"]})", R"({"detail":{"state":[{"wildcard":"r*"}]}})"});
  EXPECT_EQ(message,
            "Invalid filter pattern definition. Pattern 2: unsupported operator \"wildcard\" at "
            "\"detail.state\".");
}

}  // namespace
}  // namespace eddy::pipe
