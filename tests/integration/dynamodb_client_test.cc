// The typed DynamoDB client against a real eddy server (in process, real HTTP, temp dir).
#include "eddy/client/dynamodb_client.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "support/in_process_server.h"

namespace eddy::client {
namespace {

using model::AttributeValue;
using model::Item;
using model::Number;
using model::ValueType;

AttributeValue S(std::string s) { return AttributeValue::String(std::move(s)); }
AttributeValue N(std::string_view s) { return AttributeValue::Num(*Number::Parse(s)); }

class DynamoDbClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(eddy_.Start());
    dynamodb_ = eddy_.Connect<DynamoDbClient>();
    ASSERT_TRUE(dynamodb_);
  }
  void TearDown() override {
    dynamodb_.reset();
    eddy_.Stop();
  }

  // A table keyed by pk (S) and sk (N), ACTIVE.
  void CreateKeyedTable(const std::string& name, std::vector<GlobalIndexSpec> indexes = {}) {
    CreateTableSpec spec;
    spec.name = name;
    spec.key = KeySchema{{"pk", ValueType::kString}, KeyAttribute{"sk", ValueType::kNumber}};
    spec.global_indexes = std::move(indexes);
    auto created = dynamodb_->CreateTable(spec);
    ASSERT_TRUE(created.ok()) << created.error().ToString();
    auto active = dynamodb_->WaitForActive(name);
    ASSERT_TRUE(active.ok()) << active.error().ToString();
  }

  static Item Key(const std::string& pk, std::string_view sk) {
    return Item{{"pk", S(pk)}, {"sk", N(sk)}};
  }

  std::optional<Item> Get(const std::string& table, const Item& key) {
    auto got = dynamodb_->GetItem(table, key, /*consistent_read=*/true);
    EXPECT_TRUE(got.ok()) << got.error().ToString();
    return got.ok() ? *got : std::nullopt;
  }

  eddy::testing::InProcessServer eddy_{"eddy-dynamodb-client-"};
  std::unique_ptr<DynamoDbClient> dynamodb_;
};

TEST_F(DynamoDbClientTest, TableLifecycle) {
  CreateTableSpec spec;
  spec.name = "leases";
  spec.key = KeySchema{{"pk", ValueType::kString}, KeyAttribute{"sk", ValueType::kBinary}};
  spec.global_indexes.push_back(GlobalIndexSpec{
      "by_owner", KeySchema{{"owner", ValueType::kString}, KeyAttribute{"n", ValueType::kNumber}},
      ProjectionType::kInclude, {"checkpoint"}});
  spec.stream = StreamViewType::kNewAndOldImages;
  auto created = dynamodb_->CreateTable(spec);
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  EXPECT_EQ(created->name, "leases");
  EXPECT_TRUE(created->status == "CREATING" || created->status == "ACTIVE") << created->status;

  auto table = dynamodb_->WaitForActive("leases");
  ASSERT_TRUE(table.ok()) << table.error().ToString();
  EXPECT_EQ(table->status, "ACTIVE");
  EXPECT_NE(table->arn.find(":table/leases"), std::string::npos) << table->arn;
  EXPECT_EQ(table->key.hash.name, "pk");
  EXPECT_EQ(table->key.hash.type, ValueType::kString);
  ASSERT_TRUE(table->key.range.has_value());
  EXPECT_EQ(table->key.range->name, "sk");
  EXPECT_EQ(table->key.range->type, ValueType::kBinary);
  EXPECT_EQ(table->billing_mode, "PAY_PER_REQUEST");
  EXPECT_GT(table->created_ms, 0);
  ASSERT_EQ(table->global_indexes.size(), 1u);
  const IndexDescription& index = table->global_indexes[0];
  EXPECT_EQ(index.name, "by_owner");
  EXPECT_EQ(index.status, "ACTIVE");
  EXPECT_EQ(index.key.hash.name, "owner");
  ASSERT_TRUE(index.key.range.has_value());
  EXPECT_EQ(index.key.range->type, ValueType::kNumber);
  ASSERT_TRUE(table->stream.has_value());
  EXPECT_EQ(*table->stream, StreamViewType::kNewAndOldImages);
  EXPECT_NE(table->latest_stream_arn.find(":table/leases/stream/"), std::string::npos);
  EXPECT_FALSE(table->latest_stream_label.empty());

  auto again = dynamodb_->CreateTable(spec);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().type, "ResourceInUseException");

  ASSERT_TRUE(dynamodb_->DeleteTable("leases").ok());
  auto gone = dynamodb_->DescribeTable("leases");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().type, "ResourceNotFoundException");
  EXPECT_EQ(gone.error().http_status, 400);
  EXPECT_TRUE(IsResourceNotFound(gone.error()));
  EXPECT_FALSE(IsConditionFailed(gone.error()));
  auto delete_again = dynamodb_->DeleteTable("leases");
  ASSERT_FALSE(delete_again.ok());
  EXPECT_TRUE(IsResourceNotFound(delete_again.error()));
}

TEST_F(DynamoDbClientTest, TwoTypesForOneKeyAttributeAreRefusedBeforeSending) {
  CreateTableSpec spec;
  spec.name = "conflict";
  spec.key = KeySchema{{"pk", ValueType::kString}, std::nullopt};
  spec.global_indexes.push_back(
      GlobalIndexSpec{"bad", KeySchema{{"pk", ValueType::kNumber}, std::nullopt}});
  auto created = dynamodb_->CreateTable(spec);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().type, "InvalidRequest");
  EXPECT_EQ(created.error().http_status, 0);
  auto never_made = dynamodb_->DescribeTable("conflict");
  ASSERT_FALSE(never_made.ok());
  EXPECT_TRUE(IsResourceNotFound(never_made.error()));
}

TEST_F(DynamoDbClientTest, ItemsOfEveryTypeRoundTrip) {
  CreateKeyedTable("items");
  Item item = Key("a", "1.50");
  item["s"] = S("ключ \"quoted\" \n");
  item["b"] = AttributeValue::Binary(std::string("\x00\xff\x01", 3));
  item["ss"] = AttributeValue::StringSet({"x", "y"});
  item["ns"] = AttributeValue::NumberSet({*Number::Parse("1"), *Number::Parse("-2.5")});
  item["bs"] = AttributeValue::BinarySet({std::string("\x01", 1), std::string("\x02", 1)});
  item["m"] = AttributeValue::Map({{"inner", AttributeValue::List({N("7"), S("x")})}});
  item["l"] = AttributeValue::List({AttributeValue::Null(), AttributeValue::Bool(true)});
  item["null"] = AttributeValue::Null();
  item["bool"] = AttributeValue::Bool(false);
  item["big"] = N("12345678901234567890123456789012345678");
  ASSERT_TRUE(dynamodb_->PutItem("items", item).ok());

  auto got = Get("items", Key("a", "1.5"));  // the same number, written differently
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, item);
  auto eventual = dynamodb_->GetItem("items", Key("a", "1.5"), /*consistent_read=*/false);
  ASSERT_TRUE(eventual.ok());
  EXPECT_TRUE(eventual->has_value());

  EXPECT_FALSE(Get("items", Key("a", "2")).has_value());
  auto missing_table = dynamodb_->GetItem("nope", Key("a", "1"));
  ASSERT_FALSE(missing_table.ok());
  EXPECT_TRUE(IsResourceNotFound(missing_table.error()));
  auto wrong_key = dynamodb_->GetItem("items", Item{{"pk", S("a")}});
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_EQ(wrong_key.error().type, "ValidationException");
}

TEST_F(DynamoDbClientTest, ConditionalPutUpdateAndDelete) {
  CreateKeyedTable("leases");
  // Take a lease only if nobody has it.
  Item lease = Key("shard-0", "0");
  lease["owner"] = S("worker-a");
  lease["counter"] = N("1");
  const Condition absent{"attribute_not_exists(pk)", {}, {}};
  ASSERT_TRUE(dynamodb_->PutItem("leases", lease, absent).ok());
  Item rival = lease;
  rival["owner"] = S("worker-b");
  auto taken = dynamodb_->PutItem("leases", rival, absent);
  ASSERT_FALSE(taken.ok());
  EXPECT_TRUE(IsConditionFailed(taken.error())) << taken.error().ToString();
  EXPECT_EQ(taken.error().http_status, 400);
  EXPECT_EQ(Get("leases", Key("shard-0", "0"))->at("owner"), S("worker-a"));

  // Renew: only the owner, counter + 1, ALL_NEW back. The placeholders #o and :me are defined
  // by both the update and the condition, with one meaning.
  UpdateSpec renew{"SET #c = #c + :one, #o = :me",
                   {{"#c", "counter"}, {"#o", "owner"}},
                   {{":one", N("1")}, {":me", S("worker-a")}}};
  const Condition owned{"#o = :me", {{"#o", "owner"}}, {{":me", S("worker-a")}}};
  auto renewed =
      dynamodb_->UpdateItem("leases", Key("shard-0", "0"), renew, owned, ReturnValues::kAllNew);
  ASSERT_TRUE(renewed.ok()) << renewed.error().ToString();
  ASSERT_TRUE(renewed->has_value());
  Item expected = lease;
  expected["counter"] = N("2");
  EXPECT_EQ(**renewed, expected);

  // UPDATED_OLD: only what the update changed, as it was.
  auto old = dynamodb_->UpdateItem("leases", Key("shard-0", "0"), renew, owned,
                                   ReturnValues::kUpdatedOld);
  ASSERT_TRUE(old.ok()) << old.error().ToString();
  ASSERT_TRUE(old->has_value());
  EXPECT_EQ(**old, (Item{{"counter", N("2")}, {"owner", S("worker-a")}}));
  // NONE: no attributes.
  auto none = dynamodb_->UpdateItem("leases", Key("shard-0", "0"), renew, owned);
  ASSERT_TRUE(none.ok()) << none.error().ToString();
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(Get("leases", Key("shard-0", "0"))->at("counter"), N("4"));

  // Another worker's renewal fails and changes nothing.
  const Condition not_owner{"#o = :me", {{"#o", "owner"}}, {{":me", S("worker-b")}}};
  UpdateSpec steal{"SET #o = :b", {{"#o", "owner"}}, {{":b", S("worker-b")}}};
  auto stolen = dynamodb_->UpdateItem("leases", Key("shard-0", "0"), steal, not_owner,
                                      ReturnValues::kAllNew);
  ASSERT_FALSE(stolen.ok());
  EXPECT_TRUE(IsConditionFailed(stolen.error())) << stolen.error().ToString();
  EXPECT_EQ(Get("leases", Key("shard-0", "0"))->at("owner"), S("worker-a"));

  // A placeholder with two meanings never reaches the server.
  UpdateSpec clash{"SET #o = :me", {{"#o", "owner"}}, {{":me", S("worker-b")}}};
  auto refused = dynamodb_->UpdateItem("leases", Key("shard-0", "0"), clash, owned);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().type, "InvalidRequest");
  EXPECT_EQ(refused.error().http_status, 0);
  EXPECT_EQ(Get("leases", Key("shard-0", "0"))->at("owner"), S("worker-a"));

  // UpdateItem creates an item that is not there; ALL_OLD of nothing is nothing.
  const UpdateSpec hand_to_c{"SET #o = :w", {{"#o", "owner"}}, {{":w", S("worker-c")}}};
  auto fresh = dynamodb_->UpdateItem("leases", Key("shard-1", "0"), hand_to_c, {},
                                     ReturnValues::kAllOld);
  ASSERT_TRUE(fresh.ok()) << fresh.error().ToString();
  EXPECT_FALSE(fresh->has_value());
  EXPECT_EQ(Get("leases", Key("shard-1", "0"))->at("owner"), S("worker-c"));

  // Delete only when the counter is what we last saw.
  const Condition stale{"#c = :n", {{"#c", "counter"}}, {{":n", N("1")}}};
  auto kept = dynamodb_->DeleteItem("leases", Key("shard-0", "0"), stale);
  ASSERT_FALSE(kept.ok());
  EXPECT_TRUE(IsConditionFailed(kept.error()));
  EXPECT_TRUE(Get("leases", Key("shard-0", "0")).has_value());
  const Condition current{"#c = :n", {{"#c", "counter"}}, {{":n", N("4")}}};
  ASSERT_TRUE(dynamodb_->DeleteItem("leases", Key("shard-0", "0"), current).ok());
  EXPECT_FALSE(Get("leases", Key("shard-0", "0")).has_value());
  // Unconditional delete of nothing is no error.
  EXPECT_TRUE(dynamodb_->DeleteItem("leases", Key("shard-0", "0")).ok());

  // An expression the server refuses is a ValidationException, not a failed condition.
  auto invalid = dynamodb_->PutItem("leases", lease, Condition{"owner = ", {}, {}});
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().type, "ValidationException");
  EXPECT_FALSE(IsConditionFailed(invalid.error()));
}

TEST_F(DynamoDbClientTest, ScanPagesWithLimitAndFilters) {
  CreateKeyedTable("scan");
  std::set<std::string> written;
  for (int i = 0; i < 25; ++i) {
    Item item = Key("p" + std::to_string(i % 7), std::to_string(i));
    item["i"] = N(std::to_string(i));
    ASSERT_TRUE(dynamodb_->PutItem("scan", item).ok());
    written.insert(item.at("pk").bytes() + "/" + std::to_string(i));
  }
  std::set<std::string> seen;
  std::optional<Item> start;
  int pages = 0;
  for (;; ++pages) {
    ASSERT_LT(pages, 10) << "Scan does not end";
    auto page = dynamodb_->Scan("scan", start, 10);
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    EXPECT_LE(page->items.size(), 10u);
    for (const auto& item : page->items) {
      EXPECT_TRUE(seen.insert(item.at("pk").bytes() + "/" + item.at("sk").number().ToString())
                      .second)
          << "an item twice";
    }
    if (pages == 0) {
      EXPECT_EQ(page->items.size(), 10u);
      ASSERT_TRUE(page->last_evaluated_key.has_value());
      EXPECT_EQ(page->last_evaluated_key->size(), 2u);  // the key: pk and sk
    }
    if (!page->last_evaluated_key) break;
    start = page->last_evaluated_key;
  }
  EXPECT_GE(pages, 2);
  EXPECT_EQ(seen, written);

  auto all = dynamodb_->ScanAll("scan");
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  EXPECT_EQ(all->size(), 25u);

  const Condition big{"#i >= :min", {{"#i", "i"}}, {{":min", N("20")}}};
  auto filtered = dynamodb_->ScanAll("scan", big);
  ASSERT_TRUE(filtered.ok()) << filtered.error().ToString();
  EXPECT_EQ(filtered->size(), 5u);
  auto one_page = dynamodb_->Scan("scan", std::nullopt, 10, big);
  ASSERT_TRUE(one_page.ok());
  EXPECT_EQ(one_page->scanned_count, 10);  // Limit counts items read, not items kept
  EXPECT_LE(one_page->items.size(), 5u);
}

TEST_F(DynamoDbClientTest, QueriesTheTableAndAGlobalIndex) {
  CreateKeyedTable("events",
                   {GlobalIndexSpec{"by_owner",
                                    KeySchema{{"owner", ValueType::kString},
                                              KeyAttribute{"score", ValueType::kNumber}}}});
  for (int i = 0; i < 12; ++i) {
    Item item = Key("stream-" + std::to_string(i % 2), std::to_string(i));
    item["owner"] = S(i % 3 == 0 ? "worker-a" : "worker-b");
    item["score"] = N(std::to_string(100 - i));
    ASSERT_TRUE(dynamodb_->PutItem("events", item).ok());
  }
  auto table = dynamodb_->WaitForActive("events");
  ASSERT_TRUE(table.ok());
  const Condition owner_a{"#o = :o", {{"#o", "owner"}}, {{":o", S("worker-a")}}};
  auto owned = dynamodb_->QueryAll("events", "by_owner", owner_a);
  ASSERT_TRUE(owned.ok()) << owned.error().ToString();
  ASSERT_EQ(owned->size(), 4u);  // i = 0, 3, 6, 9
  // In the index's sort key order: score ascending, so i descending.
  EXPECT_EQ((*owned)[0].at("sk"), N("9"));
  EXPECT_EQ((*owned)[3].at("sk"), N("0"));

  // Paged by hand: two at a time.
  auto first = dynamodb_->Query("events", "by_owner", owner_a, std::nullopt, 2);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  ASSERT_EQ(first->items.size(), 2u);
  ASSERT_TRUE(first->last_evaluated_key.has_value());
  // An index page's key carries the index key and the table key.
  EXPECT_EQ(first->last_evaluated_key->count("owner"), 1u);
  EXPECT_EQ(first->last_evaluated_key->count("pk"), 1u);
  auto second = dynamodb_->Query("events", "by_owner", owner_a, first->last_evaluated_key, 2);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  ASSERT_EQ(second->items.size(), 2u);
  EXPECT_EQ(second->items[0].at("sk"), N("3"));
  EXPECT_EQ(second->items[1].at("sk"), N("0"));

  // The table itself, with a sort key range.
  const Condition range{"pk = :p AND sk BETWEEN :lo AND :hi",
                        {},
                        {{":p", S("stream-0")}, {":lo", N("2")}, {":hi", N("8")}}};
  auto ranged = dynamodb_->QueryAll("events", "", range);
  ASSERT_TRUE(ranged.ok()) << ranged.error().ToString();
  ASSERT_EQ(ranged->size(), 4u);  // 2, 4, 6, 8
  EXPECT_EQ((*ranged)[0].at("sk"), N("2"));
  EXPECT_EQ((*ranged)[3].at("sk"), N("8"));

  auto no_index = dynamodb_->Query("events", "nope", owner_a);
  ASSERT_FALSE(no_index.ok());
  EXPECT_EQ(no_index.error().type, "ValidationException");
}

}  // namespace
}  // namespace eddy::client
