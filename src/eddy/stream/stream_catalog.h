#pragma once

#include <memory>
#include <string>
#include <vector>

#include "eddy/base/result.h"
#include "eddy/stream/stream_meta.h"

namespace rocksdb {
class DB;
}

namespace eddy::stream {

// The durable record of which streams exist and their shards, in RocksDB. Every write is
// synced before it returns. RocksDB's statuses are translated here and never escape.
//
// Thread-safety: thread-safe (RocksDB is).
class StreamCatalog {
 public:
  static Result<std::unique_ptr<StreamCatalog>> Open(const std::string& path);
  ~StreamCatalog();

  Status Put(const StreamMeta& meta);
  Status Delete(const std::string& stream_name);
  Result<std::vector<StreamMeta>> LoadAll() const;
  // A small value kept beside the streams (e.g. the iterator key). NotFound when absent.
  Result<std::string> GetSetting(const std::string& key) const;
  Status PutSetting(const std::string& key, const std::string& value);

 private:
  explicit StreamCatalog(std::unique_ptr<rocksdb::DB> db);
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace eddy::stream
