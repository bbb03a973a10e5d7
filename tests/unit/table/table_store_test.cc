#include "eddy/table/table_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "eddy/table/change_record.h"
#include "eddy/table/change_streams.h"
#include "eddy/table/table_definition.h"
#include "eddy/table/table_sweeper.h"
#include "support/scoped_temp_dir.h"
#include "unit/table/table_test_util.h"

namespace eddy::table {
namespace {

using testing::DeleteMutation;
using testing::N;
using testing::PutMutation;
using testing::S;

TableDefinition Orders() {
  TableDefinition t;
  t.name = "orders";
  t.key.partition = {"pk", ValueType::kString};
  t.key.sort = KeyAttribute{"sk", ValueType::kNumber};
  t.attribute_definitions = {{"pk", ValueType::kString}, {"sk", ValueType::kNumber}};
  t.pay_per_request = true;
  return t;
}

class TableStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void TearDown() override { store_.reset(); }
  void Reopen() {
    store_.reset();
    TableStoreOptions options;
    options.dir = dir_.path().string();
    options.sync = sync_;  // the crash tests cover durability; keep most unit tests fast
    auto opened = TableStore::Open(options, &clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  eddy::testing::ScopedTempDir dir_{"eddy-table-store-test-"};
  ManualClock clock_;
  bool sync_ = false;
  std::unique_ptr<TableStore> store_;
};

TEST(TableDefinitionTest, RoundTripsEveryField) {
  TableDefinition t = Orders();
  t.id = 7;
  t.created_ms = 123456789;
  t.read_capacity = 5;
  t.write_capacity = 6;
  t.deletion_protection = true;
  t.tags = {{"team", "core"}, {"env", ""}};
  t.ttl_enabled = true;
  t.ttl_attribute = "expires_at";
  IndexDefinition gsi;
  gsi.name = "by-status";
  gsi.id = 1;
  gsi.key.partition = {"status", ValueType::kString};
  gsi.projection = ProjectionType::kInclude;
  gsi.non_key_attributes = {"total", "customer"};
  gsi.backfilling = true;
  t.indexes.push_back(gsi);
  t.next_index_id = 3;
  auto decoded = DecodeTableDefinition(EncodeTableDefinition(t));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, t);
}

TEST(TableDefinitionTest, KeyAttributesAreTheKeyAndNothingElse) {
  const KeySchema key = Orders().key;
  EXPECT_EQ(KeyAttributes(key, Item{{"pk", S("a")}, {"sk", N("1")}, {"x", S("y")}}),
            (Item{{"pk", S("a")}, {"sk", N("1")}}));
  EXPECT_EQ(KeyAttributes(key, Item{{"x", S("y")}, {"sk", N("2")}}), (Item{{"sk", N("2")}}));
  KeySchema hash_only = key;
  hash_only.sort.reset();
  EXPECT_EQ(KeyAttributes(hash_only, Item{{"pk", S("a")}, {"sk", N("1")}}), (Item{{"pk", S("a")}}));
}

TEST(TableDefinitionTest, DamagedBytesAreCorruption) {
  const std::string good = EncodeTableDefinition(Orders());
  for (size_t cut = 0; cut < good.size(); ++cut) {
    auto r = DecodeTableDefinition(good.substr(0, cut));
    EXPECT_FALSE(r.ok()) << cut;
  }
}

TEST(ChangeRecordTest, RoundTripsAndRejectsInconsistentShapes) {
  ChangeRecord r;
  r.event = ChangeEvent::kModify;
  r.origin = ChangeOrigin::kTimeToLive;
  r.time_us = 1'700'000'000'123'456;
  r.keys = {{"pk", S("a")}};
  r.old_image = Item{{"pk", S("a")}, {"v", N("1")}};
  r.new_image = Item{{"pk", S("a")}, {"v", N("2")}};
  auto decoded = DecodeChangeRecord(EncodeChangeRecord(r));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, r);

  r.event = ChangeEvent::kInsert;  // an INSERT with an old image cannot exist
  EXPECT_EQ(DecodeChangeRecord(EncodeChangeRecord(r)).status().code(), Status::Code::kCorruption);
  const std::string good = EncodeChangeRecord(*decoded);
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(DecodeChangeRecord(good.substr(0, cut)).ok()) << cut;
  }
}

TEST_F(TableStoreTest, CatalogCreateListGetDelete) {
  auto created = store_->CreateTable(Orders());
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->id, 1u);
  EXPECT_EQ(created->created_ms, clock_.NowMillis());
  EXPECT_EQ(store_->CreateTable(Orders()).status().code(), Status::Code::kAlreadyExists);
  TableDefinition other = Orders();
  other.name = "a-first";
  ASSERT_TRUE(store_->CreateTable(other).ok());
  auto tables = store_->ListTables();
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0].name, "a-first");
  EXPECT_EQ(tables[1].name, "orders");

  Reopen();
  auto got = store_->GetTable("orders");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, *created);
  ASSERT_TRUE(store_->DeleteTable("orders").ok());
  EXPECT_EQ(store_->GetTable("orders").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->DeleteTable("orders").status().code(), Status::Code::kNotFound);
  // Ids are never reused, even across a restart.
  Reopen();
  auto again = store_->CreateTable(Orders());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, 3u);
}

TEST_F(TableStoreTest, ListTablesWithAFilterCopiesOnlyTheTablesItKeeps) {
  for (const char* name : {"c-table", "a-table", "b-table"}) {
    TableDefinition t = Orders();
    t.name = name;
    t.ttl_enabled = std::string(name) != "b-table";
    ASSERT_TRUE(store_->CreateTable(t).ok());
  }
  auto with_ttl = store_->ListTables([](const TableDefinition& t) { return t.ttl_enabled; });
  ASSERT_EQ(with_ttl.size(), 2u);
  EXPECT_EQ(with_ttl[0].name, "a-table");
  EXPECT_EQ(with_ttl[1].name, "c-table");
  EXPECT_TRUE(store_->ListTables([](const TableDefinition&) { return false; }).empty());
  EXPECT_EQ(store_->ListTables(nullptr).size(), 3u);
}

TEST_F(TableStoreTest, TheCatalogVersionMovesWithTheCatalogOnly) {
  uint64_t version = store_->CatalogVersion();
  auto moved = [&] {
    const uint64_t now = store_->CatalogVersion();
    const bool changed = now != version;
    version = now;
    return changed;
  };
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  EXPECT_TRUE(moved());
  const Item key{{"pk", S("a")}, {"sk", N("1")}};
  Item item = key;
  item["total"] = N("5");
  ASSERT_TRUE(store_->Write("orders", key, PutMutation(item)).ok());
  EXPECT_FALSE(moved());  // an item write is not a catalog change
  ASSERT_TRUE(store_
                  ->UpdateTable("orders",
                                [](TableDefinition* t) {
                                  t->deletion_protection = true;
                                  return Status::Ok();
                                })
                  .ok());
  EXPECT_TRUE(moved());
  EXPECT_FALSE(moved());
  ASSERT_TRUE(store_->DeleteTable("orders").ok());
  EXPECT_TRUE(moved());
}

TEST_F(TableStoreTest, UpdateTableKeepsIdentity) {
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  auto updated = store_->UpdateTable("orders", [](TableDefinition* t) {
    t->tags.emplace_back("k", "v");
    return Status::Ok();
  });
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->tags.size(), 1u);
  auto renamed = store_->UpdateTable("orders", [](TableDefinition* t) {
    t->key.partition.name = "other";
    return Status::Ok();
  });
  EXPECT_EQ(renamed.status().code(), Status::Code::kInvalidArgument);
  Reopen();
  EXPECT_EQ(store_->GetTable("orders")->tags.size(), 1u);
}

TEST_F(TableStoreTest, WritesProduceExactlyTheChangesThatHappened) {
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  const Item key{{"pk", S("a")}, {"sk", N("1")}};
  Item v1 = key;
  v1["x"] = S("one");
  Item v2 = key;
  v2["x"] = S("two");

  auto w = store_->Write("orders", key, PutMutation(v1));  // INSERT
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_TRUE(w->changed);
  EXPECT_FALSE(w->before);
  EXPECT_TRUE(store_->Write("orders", key, PutMutation(v1))->changed == false);  // identical
  EXPECT_TRUE(store_->Write("orders", key, PutMutation(v2))->changed);           // MODIFY
  EXPECT_TRUE(store_->Write("orders", key, DeleteMutation())->changed);          // REMOVE
  EXPECT_FALSE(store_->Write("orders", key, DeleteMutation())->changed);         // nothing

  // A failed mutation changes nothing.
  auto failed =
      store_->Write("orders", key, [](const std::optional<Item>&) -> Result<std::optional<Item>> {
        return Status::FailedPrecondition("condition");
      });
  EXPECT_EQ(failed.status().code(), Status::Code::kFailedPrecondition);

  auto changes = store_->ReadChanges("orders", 0, 100);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 3u);
  EXPECT_EQ((*changes)[0].event, ChangeEvent::kInsert);
  EXPECT_EQ((*changes)[0].sequence, 1u);
  EXPECT_EQ((*changes)[0].keys, key);
  EXPECT_EQ(*(*changes)[0].new_image, v1);
  EXPECT_EQ((*changes)[1].event, ChangeEvent::kModify);
  EXPECT_EQ(*(*changes)[1].old_image, v1);
  EXPECT_EQ(*(*changes)[1].new_image, v2);
  EXPECT_EQ((*changes)[2].event, ChangeEvent::kRemove);
  EXPECT_EQ(*(*changes)[2].old_image, v2);
  EXPECT_FALSE((*changes)[2].new_image);
  EXPECT_EQ(*store_->VisibleHorizon("orders"), 3u);
  EXPECT_EQ(store_->ReadChanges("orders", 2, 100)->size(), 1u);
  EXPECT_EQ(store_->ReadChanges("orders", 0, 2)->size(), 2u);

  // Sequences continue after a restart.
  Reopen();
  ASSERT_TRUE(store_->Write("orders", key, PutMutation(v1)).ok());
  auto after = store_->ReadChanges("orders", 3, 100);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].sequence, 4u);
}

TEST_F(TableStoreTest, AReorderedMapIsNoChange) {
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  const Item key{{"pk", S("a")}, {"sk", N("1")}};
  Item v = key;
  v["m"] = AttributeValue::Map({{"a", N("1.50")}, {"b", S("x")}});
  v["ss"] = AttributeValue::StringSet({"b", "a"});
  ASSERT_TRUE(store_->Write("orders", key, PutMutation(v)).ok());
  Item same = key;
  same["ss"] = AttributeValue::StringSet({"a", "b"});
  same["m"] = AttributeValue::Map({{"b", S("x")}, {"a", N("1.5")}});
  auto w = store_->Write("orders", key, PutMutation(same));
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(w->changed);
  EXPECT_EQ(store_->ReadChanges("orders", 0, 10)->size(), 1u);
}

TEST_F(TableStoreTest, WriteRejectsAKeyChangeAndAWrongKeyShape) {
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  const Item key{{"pk", S("a")}, {"sk", N("1")}};
  Item moved{{"pk", S("b")}, {"sk", N("1")}};
  EXPECT_EQ(store_->Write("orders", key, PutMutation(moved)).status().code(),
            Status::Code::kInvalidArgument);
  const Item wrong_type{{"pk", S("a")}, {"sk", S("1")}};
  EXPECT_EQ(store_->Write("orders", wrong_type, PutMutation(wrong_type)).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->Write("missing", key, PutMutation(key)).status().code(),
            Status::Code::kNotFound);
  EXPECT_TRUE(store_->ReadChanges("orders", 0, 10)->empty());
}

TEST_F(TableStoreTest, AtomicWritesAllOrNothingWithPerOpStatus) {
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  const Item a{{"pk", S("a")}, {"sk", N("1")}};
  const Item b{{"pk", S("b")}, {"sk", N("1")}};
  std::vector<WriteOp> ops;
  ops.push_back({"orders", a, PutMutation(a)});
  ops.push_back({"orders", b, [](const std::optional<Item>&) -> Result<std::optional<Item>> {
                   return Status::FailedPrecondition("condition");
                 }});
  auto r = store_->WriteAtomically(ops);
  EXPECT_FALSE(r.status.ok());
  ASSERT_EQ(r.op_status.size(), 2u);
  EXPECT_TRUE(r.op_status[0].ok());
  EXPECT_EQ(r.op_status[1].code(), Status::Code::kFailedPrecondition);
  EXPECT_FALSE(store_->GetItem("orders", a)->has_value());

  ops[1].mutate = PutMutation(b);
  r = store_->WriteAtomically(ops);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(store_->GetItem("orders", a)->has_value());
  EXPECT_TRUE(store_->GetItem("orders", b)->has_value());
  EXPECT_EQ(store_->ReadChanges("orders", 0, 10)->size(), 2u);

  ops[1] = {"orders", a, PutMutation(a)};  // the same item twice
  EXPECT_EQ(store_->WriteAtomically(ops).status.code(), Status::Code::kInvalidArgument);
}

TEST_F(TableStoreTest, ScanOrdersItemsAsDynamoDbDoes) {
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  for (const char* sk : {"10", "-1", "2.5", "1E+3", "0"}) {
    Item item{{"pk", S("p")}, {"sk", N(sk)}};
    ASSERT_TRUE(store_->Write("orders", item, PutMutation(item)).ok());
  }
  Item other{{"pk", S("q")}, {"sk", N("1")}};
  ASSERT_TRUE(store_->Write("orders", other, PutMutation(other)).ok());
  auto table = *store_->GetTable("orders");
  std::vector<std::string> seen;
  auto collect = [&](const Item& item) {
    seen.push_back(item.at("sk").number().ToString());
    return true;
  };
  ASSERT_TRUE(
      store_->ScanItems("orders", TableStore::Partition(table, S("p")), true, collect).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"-1", "0", "2.5", "10", "1000"}));
  seen.clear();
  ASSERT_TRUE(
      store_->ScanItems("orders", TableStore::Partition(table, S("p")), false, collect).ok());
  EXPECT_EQ(seen.front(), "1000");
  seen.clear();
  ASSERT_TRUE(store_->ScanItems("orders", TableStore::WholeTable(table), true, collect).ok());
  EXPECT_EQ(seen.size(), 6u);
}

// A GSI keyed by (status S, total N), projecting `note` only.
IndexDefinition ByStatus() {
  IndexDefinition gsi;
  gsi.name = "by-status";
  gsi.key.partition = {"status", ValueType::kString};
  gsi.key.sort = KeyAttribute{"total", ValueType::kNumber};
  gsi.projection = ProjectionType::kInclude;
  gsi.non_key_attributes = {"note"};
  return gsi;
}

// Every entry of `index` for partition `status`, as "pk/sk/total[/note]" in index order.
std::vector<std::string> IndexEntries(TableStore* store, const std::string& index_name,
                                      const std::string& status) {
  auto table = *store->GetTable("orders");
  const IndexDefinition* index = FindIndex(table, index_name);
  std::vector<std::string> out;
  if (index == nullptr) return out;
  auto visit = [&](const Item& item) {
    std::string line = item.at("pk").bytes() + "/" + item.at("sk").number().ToString() + "/" +
                       item.at("total").number().ToString();
    if (item.count("note")) line += "/" + item.at("note").bytes();
    EXPECT_EQ(item.count("other"), 0u);  // not projected
    out.push_back(line);
    return true;
  };
  EXPECT_TRUE(
      store->ScanItems("orders", TableStore::Partition(table, S(status), index), true, visit).ok());
  return out;
}

TEST_F(TableStoreTest, IndexesFollowEveryWriteSparselyWithTheirProjection) {
  TableDefinition def = Orders();
  IndexDefinition gsi = ByStatus();
  gsi.id = 1;
  def.indexes.push_back(gsi);
  def.next_index_id = 2;
  ASSERT_TRUE(store_->CreateTable(def).ok());
  auto put = [&](Item item) { ASSERT_TRUE(store_->Write("orders", item, PutMutation(item)).ok()); };
  put({{"pk", S("a")},
       {"sk", N("1")},
       {"status", S("open")},
       {"total", N("30")},
       {"note", S("x")},
       {"other", S("y")}});
  put({{"pk", S("b")}, {"sk", N("1")}, {"status", S("open")}, {"total", N("5")}});
  put({{"pk", S("c")}, {"sk", N("1")}, {"status", S("open")}});                  // no sort key
  put({{"pk", S("d")}, {"sk", N("1")}, {"status", N("1")}, {"total", N("1")}});  // wrong type
  put({{"pk", S("e")}, {"sk", N("1")}, {"status", S("")}, {"total", N("1")}});   // empty
  EXPECT_EQ(IndexEntries(store_.get(), "by-status", "open"),
            (std::vector<std::string>{"b/1/5", "a/1/30/x"}));
  // Moving an item to another index key removes its old entry.
  put({{"pk", S("a")}, {"sk", N("1")}, {"status", S("closed")}, {"total", N("30")}});
  EXPECT_EQ(IndexEntries(store_.get(), "by-status", "open"), (std::vector<std::string>{"b/1/5"}));
  EXPECT_EQ(IndexEntries(store_.get(), "by-status", "closed"),
            (std::vector<std::string>{"a/1/30"}));
  // Losing an index key attribute, or the item, removes the entry.
  put({{"pk", S("a")}, {"sk", N("1")}, {"total", N("30")}});
  ASSERT_TRUE(store_->Write("orders", {{"pk", S("b")}, {"sk", N("1")}}, DeleteMutation()).ok());
  EXPECT_TRUE(IndexEntries(store_.get(), "by-status", "open").empty());
  EXPECT_TRUE(IndexEntries(store_.get(), "by-status", "closed").empty());
  // And the index survives a reopen.
  put({{"pk", S("f")}, {"sk", N("2")}, {"status", S("open")}, {"total", N("7")}});
  Reopen();
  EXPECT_EQ(IndexEntries(store_.get(), "by-status", "open"), (std::vector<std::string>{"f/2/7"}));
}

TEST_F(TableStoreTest, EndedBackfillsDoNotKeepTheirThreads) {
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  Item item{{"pk", S("a")}, {"sk", N("1")}, {"status", S("open")}, {"total", N("1")}};
  ASSERT_TRUE(store_->Write("orders", item, PutMutation(item)).ok());
  for (int round = 0; round < 10; ++round) {
    ASSERT_TRUE(store_->AddIndex("orders", ByStatus()).ok());
    for (int waited = 0; FindIndex(*store_->GetTable("orders"), "by-status")->backfilling;
         ++waited) {
      ASSERT_LT(waited, 2000) << "backfill did not finish";
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_TRUE(store_->DeleteIndex("orders", "by-status").ok());
  }
  // Each start joined the backfills that had ended. A backfill marks its index readable a
  // little before its thread ends, so the last one and the one before it may still be held;
  // without the joining all ten would be.
  EXPECT_LE(store_->BackfillThreads(), 2u);
}

TEST_F(TableStoreTest, AnAddedIndexIsBackfilledWhileWritesGoOn) {
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  constexpr int kItems = 3000;
  for (int i = 0; i < kItems; ++i) {
    Item item{{"pk", S("p" + std::to_string(i))}, {"sk", N("1")}, {"total", N(std::to_string(i))}};
    if (i % 3 != 0) item["status"] = S("open");  // every third item stays out of the index
    ASSERT_TRUE(store_->Write("orders", item, PutMutation(item)).ok());
  }
  // Writers move items in and out of the index while it is being filled.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int round = 0; !stop; ++round) {
      const int i = (round * 7) % kItems;
      Item item{
          {"pk", S("p" + std::to_string(i))}, {"sk", N("1")}, {"total", N(std::to_string(i))}};
      if (round % 2 == 0) item["status"] = S("open");
      ASSERT_TRUE(store_->Write("orders", item, PutMutation(item)).ok());
    }
  });
  auto added = store_->AddIndex("orders", ByStatus());
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_TRUE(FindIndex(*added, "by-status")->backfilling);
  EXPECT_EQ(store_->AddIndex("orders", ByStatus()).status().code(), Status::Code::kAlreadyExists);
  for (int waited = 0; FindIndex(*store_->GetTable("orders"), "by-status")->backfilling; ++waited) {
    ASSERT_LT(waited, 2000) << "backfill did not finish";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop = true;
  writer.join();
  // The index holds exactly the items that carry the key now.
  std::set<std::string> expected;
  auto table = *store_->GetTable("orders");
  ASSERT_TRUE(store_
                  ->ScanItems("orders", TableStore::WholeTable(table), true,
                              [&](const Item& item) {
                                if (item.count("status")) {
                                  expected.insert(item.at("pk").bytes() + "/1/" +
                                                  item.at("total").number().ToString());
                                }
                                return true;
                              })
                  .ok());
  const auto entries = IndexEntries(store_.get(), "by-status", "open");
  EXPECT_EQ(std::set<std::string>(entries.begin(), entries.end()), expected);
  EXPECT_EQ(entries.size(), expected.size());
  EXPECT_GT(entries.size(), 1000u);
}

TEST_F(TableStoreTest, ADeletedIndexLosesItsEntriesAndItsIdIsNotReused) {
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  Item item{{"pk", S("a")}, {"sk", N("1")}, {"status", S("open")}, {"total", N("1")}};
  ASSERT_TRUE(store_->Write("orders", item, PutMutation(item)).ok());
  auto first = store_->AddIndex("orders", ByStatus());
  ASSERT_TRUE(first.ok());
  const uint16_t first_id = FindIndex(*first, "by-status")->id;
  auto deleted = store_->DeleteIndex("orders", "by-status");
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(FindIndex(*deleted, "by-status"), nullptr);
  EXPECT_EQ(store_->DeleteIndex("orders", "by-status").status().code(), Status::Code::kNotFound);
  // Redefining indexes through UpdateTable is refused; capacity changes are not.
  EXPECT_FALSE(store_
                   ->UpdateTable("orders",
                                 [](TableDefinition* t) {
                                   t->indexes.push_back(ByStatus());
                                   return Status::Ok();
                                 })
                   .ok());
  Reopen();
  auto second = store_->AddIndex("orders", ByStatus());
  ASSERT_TRUE(second.ok());
  EXPECT_GT(FindIndex(*second, "by-status")->id, first_id);
  for (int waited = 0; FindIndex(*store_->GetTable("orders"), "by-status")->backfilling; ++waited) {
    ASSERT_LT(waited, 2000);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(IndexEntries(store_.get(), "by-status", "open"), (std::vector<std::string>{"a/1/1"}));
}

TEST_F(TableStoreTest, DeleteTableRemovesItemsAndARecreatedTableStartsEmpty) {
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  const Item a{{"pk", S("a")}, {"sk", N("1")}};
  ASSERT_TRUE(store_->Write("orders", a, PutMutation(a)).ok());
  ASSERT_TRUE(store_->DeleteTable("orders").ok());
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  EXPECT_FALSE(store_->GetItem("orders", a)->has_value());
  EXPECT_TRUE(store_->ReadChanges("orders", 0, 10)->empty());
}

TEST_F(TableStoreTest, ConcurrentWritersKeepPerItemOrderAndOneChangeEach) {
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  constexpr int kThreads = 8;
  constexpr int kWrites = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        // Two threads share each item; each write increments the item's counter.
        const Item key{{"pk", S("item-" + std::to_string(t % 4))}, {"sk", N("1")}};
        auto w = store_->Write(
            "orders", key,
            [&key](const std::optional<Item>& current) -> Result<std::optional<Item>> {
              Item next = key;
              const Number one = Number::Parse("1").value();
              Number count = current ? current->at("n").number() : Number();
              next["n"] = AttributeValue::Num(Number::Add(count, one).value());
              return std::optional<Item>(std::move(next));
            });
        ASSERT_TRUE(w.ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  auto changes = store_->ReadChanges("orders", 0, 100000);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), static_cast<size_t>(kThreads * kWrites));
  std::map<std::string, int> last;
  for (const auto& c : *changes) {
    const std::string& pk = c.keys.at("pk").bytes();
    const int n = std::stoi(c.new_image->at("n").number().ToString());
    EXPECT_EQ(n, last[pk] + 1) << pk;  // per item: every version once, in order
    last[pk] = n;
  }
  for (const auto& [pk, n] : last) EXPECT_EQ(n, 2 * kWrites) << pk;
}

TEST_F(TableStoreTest, ADurableWriteIsSeenByReadersOnceAnswered) {
  sync_ = true;
  Reopen();
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  constexpr int kThreads = 4;
  constexpr int kWrites = 150;
  std::atomic<int> answered{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 1; i <= kWrites; ++i) {
        const Item key{{"pk", S("item-" + std::to_string(t))}, {"sk", N("1")}};
        Item item = key;
        item["n"] = N(std::to_string(i));
        auto w = store_->Write("orders", key, PutMutation(item));
        ASSERT_TRUE(w.ok());
        // Once answered, every reader sees this version (or one this thread wrote later). (Its
        // change record may still wait for another writer's earlier sequence number.)
        store_->AfterDurable([&, key, i](Status s) {
          auto got = store_->GetItem("orders", key);
          if (!s.ok() || !got.ok() || !*got || std::stoi((*got)->at("n").number().ToString()) < i) {
            ++failures;
          }
          ++answered;
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  std::atomic<bool> last{false};
  store_->AfterDurable([&](Status) { last = true; });
  while (!last) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(answered.load(), kThreads * kWrites);
  EXPECT_EQ(failures.load(), 0);
  auto changes = store_->ReadChanges("orders", 0, 100000);
  ASSERT_TRUE(changes.ok());
  EXPECT_EQ(changes->size(), static_cast<size_t>(kThreads * kWrites));
  // Acknowledged writes survive a reopen.
  Reopen();
  for (int t = 0; t < kThreads; ++t) {
    auto got = store_->GetItem("orders", {{"pk", S("item-" + std::to_string(t))}, {"sk", N("1")}});
    ASSERT_TRUE(got.ok() && *got);
    EXPECT_EQ((*got)->at("n"), N(std::to_string(kWrites)));
  }
}

// RocksDB's own log must not grow with every group commit (Debian's library defaults to DEBUG,
// which logged each FlushWAL).
TEST_F(TableStoreTest, RocksDbsOwnLogDoesNotGrowWithEverySync) {
  sync_ = true;
  Reopen();
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  const auto log_path = dir_.path() / "LOG";
  ASSERT_TRUE(std::filesystem::exists(log_path));
  const Item key{{"pk", S("a")}, {"sk", N("1")}};
  const auto size_before = std::filesystem::file_size(log_path);
  for (int i = 0; i < 200; ++i) {
    Item item = key;
    item["n"] = N(std::to_string(i));
    ASSERT_TRUE(store_->Write("orders", key, PutMutation(item)).ok());
    std::promise<Status> synced;  // one sync each
    store_->AfterDurable([&synced](Status s) { synced.set_value(std::move(s)); });
    ASSERT_TRUE(synced.get_future().get().ok());
  }
  // The 200 syncs wrote nothing there (a DEBUG line each would be about 18 KB).
  EXPECT_LT(std::filesystem::file_size(log_path) - size_before, 2000u);
  std::ifstream log(log_path);
  std::string line;
  while (std::getline(log, line)) {
    EXPECT_EQ(line.find("[DEBUG]"), std::string::npos) << line;
  }
}

// The TTL service deletes without waiting for an answer: its change must still become durable
// and visible on its own.
TEST_F(TableStoreTest, AWriteNobodyWaitsForStillBecomesVisible) {
  sync_ = true;
  Reopen();
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  const Item key{{"pk", S("a")}, {"sk", N("1")}};
  // Polls until readers see the item present (or absent) and the change record of `seq`.
  auto becomes_visible = [&](bool present, uint64_t seq) {
    for (int i = 0; i < 500; ++i) {
      auto got = store_->GetItem("orders", key);
      auto horizon = store_->VisibleHorizon("orders");
      if (got.ok() && got->has_value() == present && horizon.ok() && *horizon >= seq) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  };
  auto put = store_->Write("orders", key, PutMutation(key));
  ASSERT_TRUE(put.ok() && put->changed);
  EXPECT_TRUE(becomes_visible(true, put->change_seq));
  auto deleted = store_->Write("orders", key, DeleteMutation());
  ASSERT_TRUE(deleted.ok() && deleted->changed);
  EXPECT_TRUE(becomes_visible(false, deleted->change_seq));
}

TEST_F(TableStoreTest, TrimmedChangesNeverGiveTheirSequenceNumbersAgain) {
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  auto write = [&](const char* pk) {
    Item item{{"pk", S(pk)}, {"sk", N("1")}};
    ASSERT_TRUE(store_->Write("orders", item, PutMutation(item)).ok());
  };
  write("a");
  write("b");
  write("c");
  clock_.AdvanceMillis(1000);
  const int64_t cut = clock_.NowMicros();
  write("d");
  auto trimmed = store_->TrimChanges("orders", cut);
  ASSERT_TRUE(trimmed.ok()) << trimmed.status().ToString();
  EXPECT_EQ(*trimmed, 3u);
  auto left = store_->ReadChanges("orders", 0, 10);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].sequence, 4u);
  clock_.AdvanceMillis(1000);
  EXPECT_EQ(*store_->TrimChanges("orders", clock_.NowMicros()), 1u);  // all of them
  Reopen();
  write("e");
  auto after = store_->ReadChanges("orders", 0, 10);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].sequence, 5u);
}

TEST_F(TableStoreTest, DeleteTableCheckCanRefuse) {
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  auto refused = store_->DeleteTable(
      "orders", [](const TableDefinition&) { return Status::FailedPrecondition("protected"); });
  EXPECT_EQ(refused.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_TRUE(store_->GetTable("orders").ok());
}

TEST_F(TableStoreTest, TableSweeperDeletesExpiredItemsAsTheTtlService) {
  TableDefinition t = Orders();
  t.ttl_enabled = true;
  t.ttl_attribute = "expires";
  ASSERT_TRUE(store_->CreateTable(t).ok());
  const int64_t now = clock_.NowMillis() / 1000;
  auto put = [&](const char* pk, std::optional<std::string> expires) {
    Item item{{"pk", S(pk)}, {"sk", N("1")}};
    if (expires) item["expires"] = N(*expires);
    ASSERT_TRUE(store_->Write("orders", item, PutMutation(item)).ok());
  };
  put("past", std::to_string(now - 10));
  put("now-fraction", std::to_string(now - 1) + ".5");
  put("future", std::to_string(now + 3600));
  put("ancient", std::to_string(now - 6LL * 365 * 24 * 3600));  // over five years: ignored
  put("none", std::nullopt);
  Item text{{"pk", S("text")}, {"sk", N("1")}, {"expires", S("0")}};  // not a number: ignored
  ASSERT_TRUE(store_->Write("orders", text, PutMutation(text)).ok());

  TableSweeper sweeper(store_.get(), &clock_);
  auto deleted = sweeper.SweepOnce();
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 2u);
  for (const char* gone : {"past", "now-fraction"}) {
    EXPECT_FALSE(store_->GetItem("orders", Item{{"pk", S(gone)}, {"sk", N("1")}})->has_value());
  }
  for (const char* kept : {"future", "ancient", "none", "text"}) {
    EXPECT_TRUE(store_->GetItem("orders", Item{{"pk", S(kept)}, {"sk", N("1")}})->has_value())
        << kept;
  }
  auto changes = store_->ReadChanges("orders", 6, 10);
  ASSERT_EQ(changes->size(), 2u);
  for (const auto& c : *changes) {
    EXPECT_EQ(c.event, ChangeEvent::kRemove);
    EXPECT_EQ(c.origin, ChangeOrigin::kTimeToLive);
  }
  clock_.AdvanceMillis(7200 * 1000);
  EXPECT_EQ(*sweeper.SweepOnce(), 1u);  // "future" is past now
  EXPECT_EQ(*sweeper.SweepOnce(), 0u);
}

TEST_F(TableStoreTest, ATtlPassReadsABoundedSliceAndTheNextGoesOnFromThere) {
  TableDefinition t = Orders();
  t.ttl_enabled = true;
  t.ttl_attribute = "expires";
  ASSERT_TRUE(store_->CreateTable(t).ok());
  const std::string past = std::to_string(clock_.NowMillis() / 1000 - 10);
  // 10 items, in key order p0..p9; the expired ones are p1, p4, p5 and p9.
  for (int i = 0; i < 10; ++i) {
    Item item{{"pk", S("p")}, {"sk", N(std::to_string(i))}};
    if (i == 1 || i == 4 || i == 5 || i == 9) item["expires"] = N(past);
    ASSERT_TRUE(store_->Write("orders", item, PutMutation(item)).ok());
  }
  TableSweeperOptions options;
  options.max_items_read_per_pass = 4;
  TableSweeper sweeper(store_.get(), &clock_, options);
  EXPECT_EQ(*sweeper.SweepOnce(), 1u);  // reads 0..3: p1
  EXPECT_EQ(*sweeper.SweepOnce(), 2u);  // reads 4..7: p4, p5
  EXPECT_EQ(*sweeper.SweepOnce(), 1u);  // reads 8, 9 and reaches the end: p9
  // Wraps around to the start: an item that expired meanwhile is found on the next round.
  Item again{{"pk", S("p")}, {"sk", N("0")}, {"expires", N(past)}};
  ASSERT_TRUE(store_->Write("orders", again, PutMutation(again)).ok());
  EXPECT_EQ(*sweeper.SweepOnce(), 1u);
  int left = 0;
  ASSERT_TRUE(store_
                  ->ScanItems("orders", TableStore::WholeTable(*store_->GetTable("orders")), true,
                              [&](const Item&) { return ++left, true; })
                  .ok());
  EXPECT_EQ(left, 5);
}

TEST_F(TableStoreTest, ADeletedTableWithAStreamKeepsItsChangesUntilForgotten) {
  TableDefinition t = Orders();
  ASSERT_TRUE(EnableStream(&t, StreamViewType::kNewImage, clock_.NowMillis(), 1).ok());
  auto created = store_->CreateTable(t);
  ASSERT_TRUE(created.ok());
  const uint32_t id = created->id;
  const Item item{{"pk", S("a")}, {"sk", N("1")}};
  ASSERT_TRUE(store_->Write("orders", item, PutMutation(item)).ok());
  TableDefinition plain = Orders();
  plain.name = "plain";  // no stream: nothing is kept
  ASSERT_TRUE(store_->CreateTable(plain).ok());
  ASSERT_TRUE(store_->Write("plain", item, PutMutation(item)).ok());
  ASSERT_TRUE(store_->DeleteTable("plain", nullptr).ok());
  ASSERT_TRUE(store_->DeleteTable("orders", nullptr).ok());

  EXPECT_FALSE(store_->GetTable("orders").ok());
  auto deleted = store_->ListDeletedTables();
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].definition.id, id);
  ASSERT_EQ(deleted[0].definition.streams.size(), 1u);
  EXPECT_FALSE(deleted[0].definition.streams[0].enabled);
  EXPECT_FALSE(deleted[0].definition.streams[0].shards.back().open());
  EXPECT_EQ(store_->ReadChanges("orders", 0, 10, SIZE_MAX, id)->size(), 1u);
  EXPECT_EQ(*store_->VisibleHorizon("orders", id), 1u);
  EXPECT_FALSE(store_->ReadChanges("orders", 0, 10).ok());  // no live table of that name
  // A table re-created under the name is another table, with changes of its own.
  ASSERT_TRUE(store_->CreateTable(Orders()).ok());
  EXPECT_TRUE(store_->ReadChanges("orders", 0, 10)->empty());
  EXPECT_EQ(store_->ReadChanges("orders", 0, 10, SIZE_MAX, id)->size(), 1u);

  Reopen();
  ASSERT_EQ(store_->ListDeletedTables().size(), 1u);
  EXPECT_EQ(store_->ReadChanges("orders", 0, 10, SIZE_MAX, id)->size(), 1u);
  EXPECT_EQ(*store_->ForgetDeletedTables(deleted[0].deleted_ms), 0u);  // not deleted before then
  // The sweeper forgets it once deleted longer ago than the change retention.
  clock_.AdvanceMillis(25LL * 3600 * 1000);
  TableSweeper sweeper(store_.get(), &clock_);
  ASSERT_TRUE(sweeper.SweepOnce().ok());
  EXPECT_TRUE(store_->ListDeletedTables().empty());
  EXPECT_FALSE(store_->ReadChanges("orders", 0, 10, SIZE_MAX, id).ok());
  Reopen();
  EXPECT_TRUE(store_->ListDeletedTables().empty());
}

// The stream label names the ARN: deleted and re-created within one millisecond, a table's new
// stream must not take the label of the deleted table's stream (still listed and readable).
TEST_F(TableStoreTest, AReCreatedTablesStreamNeverTakesADeletedStreamsLabel) {
  TableDefinition first = Orders();
  ASSERT_TRUE(EnableStream(&first, StreamViewType::kNewImage, clock_.NowMillis(), 1).ok());
  ASSERT_TRUE(store_->CreateTable(first).ok());
  ASSERT_TRUE(store_->DeleteTable("orders", nullptr).ok());
  TableDefinition second = Orders();  // the clock has not moved: the same millisecond
  ASSERT_TRUE(EnableStream(&second, StreamViewType::kKeysOnly, clock_.NowMillis(), 1).ok());
  ASSERT_EQ(second.streams[0].label, first.streams[0].label);
  auto created = store_->CreateTable(second);
  ASSERT_TRUE(created.ok());
  ASSERT_EQ(created->streams.size(), 1u);
  EXPECT_GT(created->streams[0].label, first.streams[0].label);
  EXPECT_EQ(created->streams[0].view, StreamViewType::kKeysOnly);
  EXPECT_TRUE(created->streams[0].enabled);
  ASSERT_EQ(created->streams[0].shards.size(), 1u);
  EXPECT_TRUE(created->streams[0].shards[0].open());
  EXPECT_EQ(store_->GetTable("orders")->streams[0].label, created->streams[0].label);
  const auto deleted = store_->ListDeletedTables();
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].definition.streams[0].label, first.streams[0].label);
}

// Sequence numbers a stream shard covers may have no record (a write lost with a crash before
// its sync, or a failed one): after a restart they are never given to new changes.
TEST_F(TableStoreTest, ARestartNeverGivesOutANumberAStreamShardAlreadyCovers) {
  TableDefinition t = Orders();
  ASSERT_TRUE(EnableStream(&t, StreamViewType::kKeysOnly, clock_.NowMillis(), 7).ok());
  ASSERT_TRUE(store_->CreateTable(t).ok());
  Reopen();
  const Item item{{"pk", S("a")}, {"sk", N("1")}};
  auto w = store_->Write("orders", item, PutMutation(item));
  ASSERT_TRUE(w.ok());
  EXPECT_GE(w->change_seq, 7u);
}

}  // namespace
}  // namespace eddy::table
