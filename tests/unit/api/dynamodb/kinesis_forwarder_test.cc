#include "eddy/api/dynamodb/kinesis_forwarder.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace eddy::api::dynamodb {
namespace {

model::AttributeValue S(std::string s) { return model::AttributeValue::String(std::move(s)); }

TEST(KinesisForwarderTest, RecordsHaveAwsShapeAndCarryTheirSequence) {
  table::TableDefinition t;
  t.name = "orders";
  t.id = 7;
  table::ChangeRecord c;
  c.sequence = 0x00AB'CDEF'0123'4567;
  c.event = table::ChangeEvent::kModify;
  c.origin = table::ChangeOrigin::kTimeToLive;
  c.time_us = 1'796'165'578'243'123;
  c.keys = {{"pk", S("a")}};
  c.old_image = model::Item{{"pk", S("a")}, {"v", S("1")}};
  c.new_image = model::Item{{"pk", S("a")}, {"v", S("2")}};
  for (bool micro : {false, true}) {
    const std::string json = KinesisChangeRecordJson(t, c, micro, "eu-west-1");
    rapidjson::Document d;
    d.Parse(json.c_str());
    ASSERT_FALSE(d.HasParseError()) << json;
    EXPECT_STREQ(d["awsRegion"].GetString(), "eu-west-1");
    EXPECT_STREQ(d["eventName"].GetString(), "MODIFY");
    EXPECT_STREQ(d["recordFormat"].GetString(), "application/json");
    EXPECT_STREQ(d["tableName"].GetString(), "orders");
    EXPECT_STREQ(d["eventSource"].GetString(), "aws:dynamodb");
    EXPECT_STREQ(d["userIdentity"]["type"].GetString(), "Service");
    EXPECT_EQ(d["dynamodb"]["ApproximateCreationDateTime"].GetInt64(),
              micro ? 1'796'165'578'243'123 : 1'796'165'578'243);
    EXPECT_STREQ(d["dynamodb"]["OldImage"]["v"]["S"].GetString(), "1");
    EXPECT_STREQ(d["dynamodb"]["NewImage"]["v"]["S"].GetString(), "2");
    EXPECT_FALSE(d["dynamodb"].HasMember("SequenceNumber"));
    const std::string id = d["eventID"].GetString();
    EXPECT_EQ(id.size(), 36u);
    EXPECT_EQ(ForwardedSequence(id, 7), c.sequence);
    EXPECT_EQ(ForwardedSequence(id, 8), 0u);  // another table's
  }
  c.origin = table::ChangeOrigin::kUser;
  rapidjson::Document d;
  d.Parse(KinesisChangeRecordJson(t, c, false, "us-east-1").c_str());
  EXPECT_TRUE(d["userIdentity"].IsNull());
  for (std::string_view bad : {"", "not-an-id", "00000007-0000-4000-8000-00000000000x",
                               "00000007-0000-4000-8000-000001000001"}) {
    EXPECT_EQ(ForwardedSequence(bad, 7), 0u) << bad;
  }
}

}  // namespace
}  // namespace eddy::api::dynamodb
