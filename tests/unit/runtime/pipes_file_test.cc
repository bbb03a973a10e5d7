#include "eddy/runtime/pipes_file.h"

#include <gtest/gtest.h>

namespace eddy::runtime {
namespace {

constexpr std::string_view kFile = R"({
  "Functions": [{"FunctionName": "to-legacy", "Runtime": "python3.12", "Handler": "app.handler",
                 "Code": "functions/to-legacy", "Timeout": 30, "MemorySize": 256,
                 "Environment": {"Variables": {"LEGACY_URL": "http://legacy"}},
                 "ReservedConcurrentExecutions": 4}],
  "Pipes": [{"Name": "orders", "FunctionName": "to-legacy", "StartingPosition": "LATEST",
             "EventSourceArn": "arn:aws:kinesis:us-east-1:000000000000:stream/orders"},
            {"Name": "hook", "TargetUrl": "http://127.0.0.1:8080/x", "StartingPosition": "LATEST",
             "EventSourceArn": "arn:aws:kinesis:us-east-1:000000000000:stream/orders"}]})";

TEST(PipesFileTest, ReadsFunctionsAndPipes) {
  auto file = ParsePipesFile(kFile, "/srv/app");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_EQ(file->functions.size(), 1u);
  const auto& f = file->functions[0];
  EXPECT_EQ(f.name, "to-legacy");
  EXPECT_EQ(f.code, "/srv/app/functions/to-legacy");  // relative to the file's folder
  EXPECT_EQ(f.timeout_seconds, 30);
  EXPECT_EQ(f.memory_size_mb, 256);
  EXPECT_EQ(f.max_concurrency, 4);
  EXPECT_EQ(f.environment.at("LEGACY_URL"), "http://legacy");
  ASSERT_EQ(file->pipes.size(), 2u);
  EXPECT_EQ(file->pipes[0].function_name, "to-legacy");
  EXPECT_EQ(file->pipes[1].target_type, pipe::TargetType::kHttp);
}

TEST(PipesFileTest, RefusesWhatCannotRun) {
  struct Case {
    std::string_view json, message;
  };
  for (const Case& c : std::vector<Case>{
           {"[]", "a pipes file is a JSON object"},
           {R"({"Pipelines":[]})", "unexpected 'Pipelines'"},
           {R"({"Pipes":[{"Name":"p","FunctionName":"missing","StartingPosition":"LATEST",
               "EventSourceArn":"arn:aws:kinesis:us-east-1:000000000000:stream/s"}]})",
            "FunctionName missing is not one of the file's Functions"},
           {R"({"Functions":[{"FunctionName":"f","Runtime":"python3.12","Handler":"a.b"}]})",
            "Code (a folder or a .zip) is required"},
           {R"({"Functions":[{"FunctionName":"f","Runtime":"python3.12","Handler":"a.b",
               "Code":"x","Timeout":0}]})",
            "Functions[0] (f)"},
           {R"({"Functions":[{"FunctionName":"f","Runtime":"python3.12","Handler":"a.b",
               "Code":"x","Colour":1}]})",
            "Unknown function field 'Colour'"},
           {R"({"Pipes":[{"Name":"p","TargetUrl":"http://x","StartingPosition":"LATEST",
               "EventSourceArn":"arn:aws:kinesis:us-east-1:000000000000:stream/s"},
              {"Name":"p","TargetUrl":"http://x","StartingPosition":"LATEST",
               "EventSourceArn":"arn:aws:kinesis:us-east-1:000000000000:stream/s"}]})",
            "pipe p is defined twice"},
           {R"({"Pipes":[{"Name":"p","TargetUrl":"http://x",
               "EventSourceArn":"arn:aws:kinesis:us-east-1:000000000000:stream/s"}]})",
            "StartingPosition is required"},
       }) {
    auto file = ParsePipesFile(c.json, "/base");
    ASSERT_FALSE(file.ok()) << c.json;
    EXPECT_NE(file.status().message().find(c.message), std::string::npos)
        << file.status().message();
  }
}

TEST(PipesFileTest, AMissingFileIsNotFound) {
  auto file = LoadPipesFile("/nonexistent/pipes.json");
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(file.status().IsNotFound());
}

}  // namespace
}  // namespace eddy::runtime
