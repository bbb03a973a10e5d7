#include "eddy/table/table_definition.h"

#include <algorithm>
#include <charconv>

namespace eddy::table {
namespace {

constexpr int64_t kFormatVersion = 1;

AttributeValue Int(int64_t v) {
  return AttributeValue::Num(Number::Parse(std::to_string(v)).value());
}
AttributeValue Str(std::string s) { return AttributeValue::String(std::move(s)); }

AttributeValue EncodeKeyAttribute(const KeyAttribute& k) {
  return AttributeValue::Map({{"name", Str(k.name)}, {"type", Int(static_cast<int64_t>(k.type))}});
}

AttributeValue EncodeKeySchema(const KeySchema& key) {
  AttributeMap m{{"partition", EncodeKeyAttribute(key.partition)}};
  if (key.sort) m.emplace("sort", EncodeKeyAttribute(*key.sort));
  return AttributeValue::Map(std::move(m));
}

// Field readers: a missing field keeps the default, a field of the wrong type is Corruption.
class Fields {
 public:
  explicit Fields(const AttributeMap& m) : m_(m) {}

  const AttributeValue* Get(std::string_view name, ValueType type) {
    auto it = m_.find(name);
    if (it == m_.end()) return nullptr;
    if (it->second.type() != type) {
      Fail(name);
      return nullptr;
    }
    return &it->second;
  }
  void Read(std::string_view name, std::string* out) {
    if (const auto* v = Get(name, ValueType::kString)) *out = v->bytes();
  }
  void Read(std::string_view name, bool* out) {
    if (const auto* v = Get(name, ValueType::kBool)) *out = v->boolean();
  }
  template <typename Int>
  void ReadInt(std::string_view name, Int* out) {
    const auto* v = Get(name, ValueType::kNumber);
    if (v == nullptr) return;
    const std::string text = v->number().ToString();
    Int parsed{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec != std::errc() || end != text.data() + text.size()) return Fail(name);
    *out = parsed;
  }
  void Fail(std::string_view name) {
    if (status_.ok())
      status_ = Status::Corruption("table definition: bad field " + std::string(name));
  }
  Status status() const { return status_; }

 private:
  const AttributeMap& m_;
  Status status_;
};

bool ValidKeyType(int64_t t) {
  return t == static_cast<int64_t>(ValueType::kString) ||
         t == static_cast<int64_t>(ValueType::kNumber) ||
         t == static_cast<int64_t>(ValueType::kBinary);
}

Result<KeyAttribute> DecodeKeyAttribute(const AttributeValue& v) {
  if (v.type() != ValueType::kMap) return Status::Corruption("table definition: bad key attribute");
  Fields f(v.map());
  KeyAttribute k;
  int64_t type = 0;
  f.Read("name", &k.name);
  f.ReadInt("type", &type);
  EDDY_RETURN_IF_ERROR(f.status());
  if (k.name.empty() || !ValidKeyType(type)) {
    return Status::Corruption("table definition: bad key attribute");
  }
  k.type = static_cast<ValueType>(type);
  return k;
}

Result<KeySchema> DecodeKeySchema(const AttributeValue* v) {
  if (v == nullptr || v->type() != ValueType::kMap) {
    return Status::Corruption("table definition: no key schema");
  }
  KeySchema key;
  auto p = v->map().find("partition");
  if (p == v->map().end()) return Status::Corruption("table definition: no partition key");
  EDDY_ASSIGN_OR_RETURN(key.partition, DecodeKeyAttribute(p->second));
  auto s = v->map().find("sort");
  if (s != v->map().end()) {
    EDDY_ASSIGN_OR_RETURN(auto sort, DecodeKeyAttribute(s->second));
    key.sort = std::move(sort);
  }
  return key;
}

}  // namespace

const IndexDefinition* FindIndex(const TableDefinition& table, std::string_view name) {
  for (const auto& index : table.indexes) {
    if (index.name == name) return &index;
  }
  return nullptr;
}

Item KeyAttributes(const KeySchema& key, const Item& item) {
  Item keys;
  if (auto it = item.find(key.partition.name); it != item.end()) keys.insert(*it);
  if (key.sort) {
    if (auto it = item.find(key.sort->name); it != item.end()) keys.insert(*it);
  }
  return keys;
}

std::optional<Item> IndexEntry(const KeySchema& table_key, const IndexDefinition& index,
                               const Item& item) {
  auto usable = [&](const KeyAttribute& k) {
    auto it = item.find(k.name);
    return it != item.end() && it->second.type() == k.type &&
           (k.type == ValueType::kNumber || !it->second.bytes().empty());
  };
  if (!usable(index.key.partition) || (index.key.sort && !usable(*index.key.sort))) {
    return std::nullopt;
  }
  if (index.projection == ProjectionType::kAll) return item;
  Item entry;
  auto copy = [&](const std::string& name) {
    if (auto it = item.find(name); it != item.end()) entry.insert(*it);
  };
  copy(table_key.partition.name);
  if (table_key.sort) copy(table_key.sort->name);
  copy(index.key.partition.name);
  if (index.key.sort) copy(index.key.sort->name);
  if (index.projection == ProjectionType::kInclude) {
    for (const auto& name : index.non_key_attributes) copy(name);
  }
  return entry;
}

std::string EncodeTableDefinition(const TableDefinition& t) {
  AttributeMap m;
  m.emplace("version", Int(kFormatVersion));
  m.emplace("name", Str(t.name));
  m.emplace("id", Int(t.id));
  m.emplace("created_ms", Int(t.created_ms));
  m.emplace("key", EncodeKeySchema(t.key));
  AttributeList attributes;
  for (const auto& a : t.attribute_definitions) attributes.push_back(EncodeKeyAttribute(a));
  m.emplace("attributes", AttributeValue::List(std::move(attributes)));
  AttributeList indexes;
  for (const auto& index : t.indexes) {
    AttributeList non_key;
    for (const auto& n : index.non_key_attributes) non_key.push_back(Str(n));
    indexes.push_back(AttributeValue::Map({
        {"name", Str(index.name)},
        {"id", Int(index.id)},
        {"local", AttributeValue::Bool(index.local)},
        {"key", EncodeKeySchema(index.key)},
        {"projection", Int(static_cast<int64_t>(index.projection))},
        {"non_key", AttributeValue::List(std::move(non_key))},
        {"rcu", Int(index.read_capacity)},
        {"wcu", Int(index.write_capacity)},
        {"backfilling", AttributeValue::Bool(index.backfilling)},
    }));
  }
  m.emplace("indexes", AttributeValue::List(std::move(indexes)));
  m.emplace("next_index_id", Int(t.next_index_id));
  m.emplace("pay_per_request", AttributeValue::Bool(t.pay_per_request));
  m.emplace("rcu", Int(t.read_capacity));
  m.emplace("wcu", Int(t.write_capacity));
  m.emplace("deletion_protection", AttributeValue::Bool(t.deletion_protection));
  m.emplace("table_class", Str(t.table_class));
  AttributeList tags;
  for (const auto& [k, v] : t.tags) {
    tags.push_back(AttributeValue::List({Str(k), Str(v)}));
  }
  m.emplace("tags", AttributeValue::List(std::move(tags)));
  m.emplace("ttl_enabled", AttributeValue::Bool(t.ttl_enabled));
  m.emplace("ttl_attribute", Str(t.ttl_attribute));
  AttributeList streams;
  for (const auto& stream : t.streams) {
    AttributeList shards;
    for (const auto& shard : stream.shards) {
      shards.push_back(AttributeValue::Map({
          {"id", Str(shard.id)},
          {"parent", Str(shard.parent_id)},
          {"first", Int(static_cast<int64_t>(shard.first_seq))},
          {"last", Int(static_cast<int64_t>(shard.last_seq))},
          {"created_ms", Int(shard.created_ms)},
          {"closed_ms", Int(shard.closed_ms)},
      }));
    }
    streams.push_back(AttributeValue::Map({
        {"label", Str(stream.label)},
        {"view", Int(static_cast<int64_t>(stream.view))},
        {"created_ms", Int(stream.created_ms)},
        {"enabled", AttributeValue::Bool(stream.enabled)},
        {"shards", AttributeValue::List(std::move(shards))},
    }));
  }
  m.emplace("streams", AttributeValue::List(std::move(streams)));
  AttributeList destinations;
  for (const auto& d : t.kinesis_destinations) {
    destinations.push_back(AttributeValue::Map({
        {"arn", Str(d.stream_arn)},
        {"stream", Str(d.stream_name)},
        {"microsecond", AttributeValue::Bool(d.microsecond)},
        {"enabled", AttributeValue::Bool(d.enabled)},
        {"through", Int(static_cast<int64_t>(d.forwarded_through))},
        {"checkpoint_ms", Int(d.checkpoint_ms)},
    }));
  }
  m.emplace("kinesis_destinations", AttributeValue::List(std::move(destinations)));
  return EncodeItem(m);
}

Result<TableDefinition> DecodeTableDefinition(std::string_view bytes) {
  EDDY_ASSIGN_OR_RETURN(Item m, DecodeItem(bytes));
  Fields f(m);
  TableDefinition t;
  int64_t version = 0;
  f.ReadInt("version", &version);
  f.Read("name", &t.name);
  f.ReadInt("id", &t.id);
  f.ReadInt("created_ms", &t.created_ms);
  f.Read("pay_per_request", &t.pay_per_request);
  f.ReadInt("rcu", &t.read_capacity);
  f.ReadInt("wcu", &t.write_capacity);
  f.Read("deletion_protection", &t.deletion_protection);
  f.Read("table_class", &t.table_class);
  f.Read("ttl_enabled", &t.ttl_enabled);
  f.Read("ttl_attribute", &t.ttl_attribute);
  f.ReadInt("next_index_id", &t.next_index_id);
  EDDY_RETURN_IF_ERROR(f.status());
  if (version != kFormatVersion) {
    return Status::Corruption("table definition: unknown format version " +
                              std::to_string(version));
  }
  if (t.name.empty()) return Status::Corruption("table definition: no name");
  EDDY_ASSIGN_OR_RETURN(t.key, DecodeKeySchema(f.Get("key", ValueType::kMap)));
  if (const auto* attributes = f.Get("attributes", ValueType::kList)) {
    for (const auto& a : attributes->list()) {
      EDDY_ASSIGN_OR_RETURN(auto attribute, DecodeKeyAttribute(a));
      t.attribute_definitions.push_back(std::move(attribute));
    }
  }
  if (const auto* indexes = f.Get("indexes", ValueType::kList)) {
    for (const auto& v : indexes->list()) {
      if (v.type() != ValueType::kMap) return Status::Corruption("table definition: bad index");
      Fields fi(v.map());
      IndexDefinition index;
      int64_t projection = 0;
      fi.Read("name", &index.name);
      fi.ReadInt("id", &index.id);
      fi.Read("local", &index.local);
      fi.ReadInt("projection", &projection);
      fi.ReadInt("rcu", &index.read_capacity);
      fi.ReadInt("wcu", &index.write_capacity);
      fi.Read("backfilling", &index.backfilling);
      EDDY_RETURN_IF_ERROR(fi.status());
      if (projection < 0 || projection > 2)
        return Status::Corruption("table definition: bad index");
      index.projection = static_cast<ProjectionType>(projection);
      EDDY_ASSIGN_OR_RETURN(index.key, DecodeKeySchema(fi.Get("key", ValueType::kMap)));
      if (const auto* non_key = fi.Get("non_key", ValueType::kList)) {
        for (const auto& n : non_key->list()) {
          if (n.type() != ValueType::kString)
            return Status::Corruption("table definition: bad index");
          index.non_key_attributes.push_back(n.bytes());
        }
      }
      EDDY_RETURN_IF_ERROR(fi.status());
      if (index.id == 0) return Status::Corruption("table definition: bad index id");
      t.next_index_id = std::max<uint16_t>(t.next_index_id, index.id + 1);
      t.indexes.push_back(std::move(index));
    }
  }
  if (const auto* streams = f.Get("streams", ValueType::kList)) {
    for (const auto& v : streams->list()) {
      if (v.type() != ValueType::kMap) return Status::Corruption("table definition: bad stream");
      Fields fs(v.map());
      StreamDefinition stream;
      int64_t view = 0;
      fs.Read("label", &stream.label);
      fs.ReadInt("view", &view);
      fs.ReadInt("created_ms", &stream.created_ms);
      fs.Read("enabled", &stream.enabled);
      if (const auto* shards = fs.Get("shards", ValueType::kList)) {
        for (const auto& sv : shards->list()) {
          if (sv.type() != ValueType::kMap)
            return Status::Corruption("table definition: bad shard");
          Fields fh(sv.map());
          StreamShard shard;
          fh.Read("id", &shard.id);
          fh.Read("parent", &shard.parent_id);
          fh.ReadInt("first", &shard.first_seq);
          fh.ReadInt("last", &shard.last_seq);
          fh.ReadInt("created_ms", &shard.created_ms);
          fh.ReadInt("closed_ms", &shard.closed_ms);
          EDDY_RETURN_IF_ERROR(fh.status());
          stream.shards.push_back(std::move(shard));
        }
      }
      EDDY_RETURN_IF_ERROR(fs.status());
      if (view < 0 || view > 3 || stream.label.empty()) {
        return Status::Corruption("table definition: bad stream");
      }
      stream.view = static_cast<StreamViewType>(view);
      t.streams.push_back(std::move(stream));
    }
  }
  if (const auto* destinations = f.Get("kinesis_destinations", ValueType::kList)) {
    for (const auto& v : destinations->list()) {
      if (v.type() != ValueType::kMap) {
        return Status::Corruption("table definition: bad Kinesis destination");
      }
      Fields fd(v.map());
      KinesisDestination d;
      fd.Read("arn", &d.stream_arn);
      fd.Read("stream", &d.stream_name);
      fd.Read("microsecond", &d.microsecond);
      fd.Read("enabled", &d.enabled);
      fd.ReadInt("through", &d.forwarded_through);
      fd.ReadInt("checkpoint_ms", &d.checkpoint_ms);
      EDDY_RETURN_IF_ERROR(fd.status());
      t.kinesis_destinations.push_back(std::move(d));
    }
  }
  if (const auto* tags = f.Get("tags", ValueType::kList)) {
    for (const auto& tag : tags->list()) {
      if (tag.type() != ValueType::kList || tag.list().size() != 2 ||
          tag.list()[0].type() != ValueType::kString ||
          tag.list()[1].type() != ValueType::kString) {
        return Status::Corruption("table definition: bad tag");
      }
      t.tags.emplace_back(tag.list()[0].bytes(), tag.list()[1].bytes());
    }
  }
  EDDY_RETURN_IF_ERROR(f.status());
  return t;
}

}  // namespace eddy::table
