#include "eddy/stream/stream_meta.h"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace eddy::stream {

std::string ShardIdString(uint32_t index) { return fmt::format("shardId-{:012d}", index); }

std::optional<uint32_t> ParseShardId(std::string_view id) {
  constexpr std::string_view kPrefix = "shardId-";
  if (id.size() <= kPrefix.size() || id.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view digits = id.substr(kPrefix.size());
  if (digits.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > UINT32_MAX) return std::nullopt;
  return static_cast<uint32_t>(v);
}

std::string StreamMeta::Arn() const {
  return fmt::format("arn:aws:kinesis:{}:{}:stream/{}", region, account_id, name);
}

std::string StreamMeta::DirName() const { return fmt::format("{}.{}", name, created_ms); }

size_t StreamMeta::OpenShardCount() const {
  size_t n = 0;
  for (const auto& s : shards) n += s.open() ? 1 : 0;
  return n;
}

std::optional<std::string> StreamNameFromArn(std::string_view arn) {
  // arn:<partition>:kinesis:<region>:<account>:stream/<name>
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    pos = arn.find(':', pos);
    if (pos == std::string_view::npos) return std::nullopt;
    ++pos;
  }
  if (arn.substr(0, 4) != "arn:" || arn.find(":kinesis:") == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view rest = arn.substr(pos);
  if (rest.substr(0, 7) != "stream/") return std::nullopt;
  std::string_view name = rest.substr(7);
  if (name.empty() || name.find('/') != std::string_view::npos) return std::nullopt;
  return std::string(name);
}

std::string StreamMeta::ToJson() const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("name");
  str(name);
  w.Key("region");
  str(region);
  w.Key("account_id");
  str(account_id);
  w.Key("created_ms");
  w.Int64(created_ms);
  w.Key("mode");
  str(mode);
  w.Key("retention_hours");
  w.Int(retention_hours);
  w.Key("max_record_size_kib");
  w.Int(max_record_size_kib);
  w.Key("shards");
  w.StartArray();
  for (const auto& s : shards) {
    w.StartObject();
    w.Key("index");
    w.Uint(s.index);
    w.Key("starting_hash");
    str(FormatUInt128(s.starting_hash));
    w.Key("ending_hash");
    str(FormatUInt128(s.ending_hash));
    if (s.parent) {
      w.Key("parent");
      w.Uint(*s.parent);
    }
    if (s.adjacent_parent) {
      w.Key("adjacent_parent");
      w.Uint(*s.adjacent_parent);
    }
    w.Key("created_ms");
    w.Int64(s.created_ms);
    if (s.closed_end_offset) {
      w.Key("closed_end_offset");
      w.Uint64(*s.closed_end_offset);
      w.Key("closed_ms");
      w.Int64(s.closed_ms);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("tags");
  w.StartObject();
  for (const auto& [k, v] : tags) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
    str(v);
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<StreamMeta> StreamMeta::FromJson(std::string_view json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  const Status bad = Status::Corruption("catalog: malformed stream record");
  if (d.HasParseError() || !d.IsObject()) return bad;
  auto get_str = [&](const rapidjson::Value& o, const char* k) -> std::optional<std::string> {
    auto it = o.FindMember(k);
    if (it == o.MemberEnd() || !it->value.IsString()) return std::nullopt;
    return std::string(it->value.GetString(), it->value.GetStringLength());
  };
  StreamMeta m;
  auto name = get_str(d, "name");
  auto region = get_str(d, "region");
  auto account = get_str(d, "account_id");
  auto mode = get_str(d, "mode");
  if (!name || !region || !account || !mode || !d.HasMember("created_ms") ||
      !d["created_ms"].IsInt64() || !d.HasMember("shards") || !d["shards"].IsArray()) {
    return bad;
  }
  m.name = *name;
  m.region = *region;
  m.account_id = *account;
  m.mode = *mode;
  m.created_ms = d["created_ms"].GetInt64();
  if (d.HasMember("retention_hours") && d["retention_hours"].IsInt()) {
    m.retention_hours = d["retention_hours"].GetInt();
  }
  if (d.HasMember("max_record_size_kib") && d["max_record_size_kib"].IsInt()) {
    m.max_record_size_kib = d["max_record_size_kib"].GetInt();
  }
  for (const auto& s : d["shards"].GetArray()) {
    if (!s.IsObject() || !s.HasMember("index") || !s["index"].IsUint()) return bad;
    ShardMeta shard;
    shard.index = s["index"].GetUint();
    auto start = get_str(s, "starting_hash");
    auto end = get_str(s, "ending_hash");
    if (!start || !end || !ParseUInt128(*start) || !ParseUInt128(*end)) return bad;
    shard.starting_hash = *ParseUInt128(*start);
    shard.ending_hash = *ParseUInt128(*end);
    if (s.HasMember("parent") && s["parent"].IsUint()) shard.parent = s["parent"].GetUint();
    if (s.HasMember("adjacent_parent") && s["adjacent_parent"].IsUint()) {
      shard.adjacent_parent = s["adjacent_parent"].GetUint();
    }
    if (s.HasMember("created_ms") && s["created_ms"].IsInt64()) {
      shard.created_ms = s["created_ms"].GetInt64();
    }
    if (s.HasMember("closed_end_offset") && s["closed_end_offset"].IsUint64()) {
      shard.closed_end_offset = s["closed_end_offset"].GetUint64();
    }
    if (s.HasMember("closed_ms") && s["closed_ms"].IsInt64()) {
      shard.closed_ms = s["closed_ms"].GetInt64();
    }
    if (shard.index != m.shards.size()) return bad;  // dense, in order
    m.shards.push_back(shard);
  }
  if (d.HasMember("tags") && d["tags"].IsObject()) {
    for (const auto& t : d["tags"].GetObject()) {
      if (!t.value.IsString()) return bad;
      m.tags.emplace(std::string(t.name.GetString(), t.name.GetStringLength()),
                     std::string(t.value.GetString(), t.value.GetStringLength()));
    }
  }
  return m;
}

}  // namespace eddy::stream
