#include "eddy/cli/table_commands.h"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>

#include "eddy/api/dynamodb/attribute_json.h"
#include "eddy/base/clock.h"
#include "eddy/table/table_store.h"

namespace eddy::cli {
namespace {

std::unique_ptr<table::TableStore> OpenTables(const std::string& data_dir) {
  table::TableStoreOptions options;
  options.dir = data_dir + "/tables";
  auto store = table::TableStore::Open(options, SystemClock());
  if (!store.ok()) {
    std::fprintf(stderr, "eddy table: %s\n", store.status().ToString().c_str());
    throw CLI::RuntimeError(1);
  }
  return std::move(store).value();
}

std::string_view EventName(table::ChangeEvent e) {
  switch (e) {
    case table::ChangeEvent::kInsert:
      return "INSERT";
    case table::ChangeEvent::kModify:
      return "MODIFY";
    case table::ChangeEvent::kRemove:
      return "REMOVE";
  }
  return "?";
}

}  // namespace

void AddTableCommands(CLI::App& app) {
  auto* table_cmd =
      app.add_subcommand("table", "Read a stopped server's tables from its data directory");
  table_cmd->require_subcommand(1);
  auto data_dir = std::make_shared<std::string>("eddy-data");
  table_cmd->add_option("--data-dir", *data_dir, "The server's data directory")
      ->capture_default_str();

  auto* list = table_cmd->add_subcommand("list", "The tables, one per line");
  list->callback([data_dir] {
    auto store = OpenTables(*data_dir);
    for (const auto& t : store->ListTables()) std::printf("%s\n", t.name.c_str());
  });

  auto* changes = table_cmd->add_subcommand(
      "changes", "Every change record of a table, oldest first, as JSON lines");
  auto name = std::make_shared<std::string>();
  changes->add_option("table", *name, "Table name")->required();
  changes->callback([data_dir, name] {
    auto store = OpenTables(*data_dir);
    uint64_t after = 0;
    for (;;) {
      auto batch = store->ReadChanges(*name, after, 1000);
      if (!batch.ok()) {
        std::fprintf(stderr, "eddy table: %s\n", batch.status().ToString().c_str());
        throw CLI::RuntimeError(1);
      }
      if (batch->empty()) break;
      for (const auto& c : *batch) {
        std::string line = fmt::format(
            R"({{"sequence":{},"event":"{}","origin":"{}","time_us":{},"keys":{})", c.sequence,
            EventName(c.event), c.origin == table::ChangeOrigin::kUser ? "user" : "ttl", c.time_us,
            api::dynamodb::ItemToJson(c.keys));
        if (c.old_image) line += ",\"old\":" + api::dynamodb::ItemToJson(*c.old_image);
        if (c.new_image) line += ",\"new\":" + api::dynamodb::ItemToJson(*c.new_image);
        line += "}\n";
        std::fputs(line.c_str(), stdout);
        after = c.sequence;
      }
    }
  });
}

}  // namespace eddy::cli
