#include "eddy/stream/stream_catalog.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>

namespace eddy::stream {
namespace {

constexpr std::string_view kStreamPrefix = "stream/";
constexpr std::string_view kSettingPrefix = "setting/";

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return Status::NotFound(std::string(what));
  if (s.IsCorruption()) return Status::Corruption(std::string(what) + ": " + s.ToString());
  if (s.IsNoSpace()) return Status::NoSpace(std::string(what) + ": " + s.ToString());
  return Status::IoError(std::string(what) + ": " + s.ToString());
}

rocksdb::WriteOptions SyncedWrites() {
  rocksdb::WriteOptions w;
  w.sync = true;
  return w;
}

}  // namespace

StreamCatalog::StreamCatalog(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}
StreamCatalog::~StreamCatalog() = default;

Result<std::unique_ptr<StreamCatalog>> StreamCatalog::Open(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.keep_log_file_num = 4;
  options.max_total_wal_size = 16 << 20;
  rocksdb::DB* raw = nullptr;
  EDDY_RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(options, path, &raw), "open catalog " + path));
  return std::unique_ptr<StreamCatalog>(new StreamCatalog(std::unique_ptr<rocksdb::DB>(raw)));
}

Status StreamCatalog::Put(const StreamMeta& meta) {
  const std::string key = std::string(kStreamPrefix) + meta.name;
  return FromRocks(db_->Put(SyncedWrites(), key, meta.ToJson()), "catalog put " + meta.name);
}

Status StreamCatalog::Delete(const std::string& stream_name) {
  const std::string key = std::string(kStreamPrefix) + stream_name;
  return FromRocks(db_->Delete(SyncedWrites(), key), "catalog delete " + stream_name);
}

Result<std::vector<StreamMeta>> StreamCatalog::LoadAll() const {
  std::vector<StreamMeta> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(rocksdb::Slice(kStreamPrefix.data(), kStreamPrefix.size()));
       it->Valid() &&
       it->key().starts_with(rocksdb::Slice(kStreamPrefix.data(), kStreamPrefix.size()));
       it->Next()) {
    EDDY_ASSIGN_OR_RETURN(auto meta, StreamMeta::FromJson(it->value().ToStringView()));
    out.push_back(std::move(meta));
  }
  EDDY_RETURN_IF_ERROR(FromRocks(it->status(), "catalog scan"));
  return out;
}

Result<std::string> StreamCatalog::GetSetting(const std::string& key) const {
  std::string value;
  EDDY_RETURN_IF_ERROR(
      FromRocks(db_->Get(rocksdb::ReadOptions(), std::string(kSettingPrefix) + key, &value), key));
  return value;
}

Status StreamCatalog::PutSetting(const std::string& key, const std::string& value) {
  return FromRocks(db_->Put(SyncedWrites(), std::string(kSettingPrefix) + key, value),
                   "catalog put " + key);
}

}  // namespace eddy::stream
