// Tag operations: AddTagsToStream, RemoveTagsFromStream, ListTagsForStream (by stream name or
// ARN) and TagResource, UntagResource, ListTagsForResource (by resource ARN).
#include <fmt/format.h>

#include "eddy/api/aws/json_writer.h"
#include "eddy/api/kinesis/kinesis_api.h"

namespace eddy::api::kinesis {
namespace {

constexpr size_t kMaxTagsPerStream = 50;

// Resolves a ResourceARN to a stream name; consumer ARNs (".../consumer/...") are not streams.
std::optional<std::string> StreamFromResourceArn(JsonRequest& req, ValidationErrors& errors) {
  auto arn = req.String("ResourceARN");
  if (req.error()) return std::nullopt;
  if (!arn) {
    errors.Add("null", "resourceARN", "Member must not be null");
    return std::nullopt;
  }
  auto name = stream::StreamNameFromArn(*arn);
  if (!name) {
    errors.Add(ValidationErrors::Quote(*arn), "resourceARN",
               "Member must satisfy regular expression pattern: "
               "arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+");
  }
  return name;
}

void WriteTagList(JsonWriter& w, const std::map<std::string, std::string>& tags,
                  std::map<std::string, std::string>::const_iterator from, size_t limit) {
  w.Key("Tags").StartArray();
  size_t n = 0;
  for (auto it = from; it != tags.end() && n < limit; ++it, ++n) {
    w.StartObject().Key("Key").String(it->first).Key("Value").String(it->second).EndObject();
  }
  w.EndArray();
}

}  // namespace

void KinesisApi::AddTags(const std::string& stream_name, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  const auto* tags = req.Object("Tags");
  if (auto e = req.error()) return reply(*e);
  std::map<std::string, std::string> added;
  if (tags == nullptr) {
    errors.Add("null", "tags", "Member must not be null");
  } else {
    for (const auto& t : tags->GetObject()) {
      if (!t.value.IsString()) return reply(ApiError::Serialization("Tag values must be strings"));
      std::string key(t.name.GetString(), t.name.GetStringLength());
      std::string value(t.value.GetString(), t.value.GetStringLength());
      if (key.empty() || key.size() > 128) {
        errors.Add(ValidationErrors::Quote(key), "tags",
                   "Map keys must satisfy constraint: [Member must have length less than or "
                   "equal to 128, Member must have length greater than or equal to 1]");
      }
      if (value.size() > 256) {
        errors.Add(ValidationErrors::Quote(value), "tags",
                   "Map values must satisfy constraint: [Member must have length less than or "
                   "equal to 256]");
      }
      added[std::move(key)] = std::move(value);
    }
    if (added.empty()) {
      errors.Add("{}", "tags", "Member must have length greater than or equal to 1");
    }
  }
  if (!errors.empty()) return reply(errors.ToError());
  Status s = streams_->UpdateStream(stream_name, [&](stream::StreamMeta& meta) {
    auto merged = meta.tags;
    for (const auto& [k, v] : added) merged[k] = v;  // existing keys are overwritten
    if (merged.size() > kMaxTagsPerStream) {
      return Status::InvalidArgument(fmt::format(
          "Failed to add tags to stream {} under account {} because a given stream cannot have "
          "more than {} tags associated with it.",
          meta.name, meta.account_id, kMaxTagsPerStream));
    }
    meta.tags = std::move(merged);
    return Status::Ok();
  });
  if (!s.ok()) return reply(ToApiError(s));
  reply(std::string("{}"));
}

void KinesisApi::RemoveTags(const std::string& stream_name, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  const auto* keys = req.Array("TagKeys");
  if (auto e = req.error()) return reply(*e);
  std::vector<std::string> removed;
  if (keys == nullptr) {
    errors.Add("null", "tagKeys", "Member must not be null");
  } else if (keys->Size() < 1 || keys->Size() > 50) {
    errors.Add("[...]", "tagKeys",
               keys->Size() < 1 ? "Member must have length greater than or equal to 1"
                                : "Member must have length less than or equal to 50");
  } else {
    for (const auto& k : keys->GetArray()) {
      if (!k.IsString()) return reply(ApiError::Serialization("Tag keys must be strings"));
      removed.emplace_back(k.GetString(), k.GetStringLength());
    }
  }
  if (!errors.empty()) return reply(errors.ToError());
  Status s = streams_->UpdateStream(stream_name, [&](stream::StreamMeta& meta) {
    for (const auto& k : removed) meta.tags.erase(k);
    return Status::Ok();
  });
  if (!s.ok()) return reply(ToApiError(s));
  reply(std::string("{}"));
}

void KinesisApi::AddTagsToStream(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto name = ReadStreamName(req, errors, &error);
  if (auto problem = FirstProblem(req, errors, error)) return reply(*problem);
  AddTags(*name, req, reply);
}

void KinesisApi::RemoveTagsFromStream(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto name = ReadStreamName(req, errors, &error);
  if (auto problem = FirstProblem(req, errors, error)) return reply(*problem);
  RemoveTags(*name, req, reply);
}

void KinesisApi::ListTagsForStream(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  std::optional<ApiError> error;
  auto name = ReadStreamName(req, errors, &error);
  auto start = req.String("ExclusiveStartTagKey");
  auto limit = req.Integer("Limit");
  if (auto e = req.error()) return reply(*e);
  errors.CheckRange(limit, 1, 50, "limit");
  if (!errors.empty()) return reply(errors.ToError());
  if (error) return reply(*error);
  auto meta = streams_->DescribeStream(*name);
  if (!meta.ok()) return reply(ToApiError(meta.status()));
  const auto& tags = meta->tags;
  auto from = start ? tags.upper_bound(std::string(*start)) : tags.begin();
  const size_t page = static_cast<size_t>(limit.value_or(50));
  const auto left = static_cast<size_t>(std::distance(from, tags.end()));
  JsonWriter w;
  w.StartObject();
  WriteTagList(w, tags, from, page);
  w.Key("HasMoreTags").Bool(left > page);
  w.EndObject();
  reply(w.Take());
}

void KinesisApi::TagResource(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  auto name = StreamFromResourceArn(req, errors);
  if (auto e = req.error()) return reply(*e);
  if (!errors.empty()) return reply(errors.ToError());
  AddTags(*name, req, reply);
}

void KinesisApi::UntagResource(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  auto name = StreamFromResourceArn(req, errors);
  if (auto e = req.error()) return reply(*e);
  if (!errors.empty()) return reply(errors.ToError());
  RemoveTags(*name, req, reply);
}

void KinesisApi::ListTagsForResource(const RequestContext&, JsonRequest& req, ApiReply& reply) {
  ValidationErrors errors;
  auto name = StreamFromResourceArn(req, errors);
  if (auto e = req.error()) return reply(*e);
  if (!errors.empty()) return reply(errors.ToError());
  auto meta = streams_->DescribeStream(*name);
  if (!meta.ok()) return reply(ToApiError(meta.status()));
  JsonWriter w;
  w.StartObject();
  WriteTagList(w, meta->tags, meta->tags.begin(), meta->tags.size());
  w.EndObject();
  reply(w.Take());
}

}  // namespace eddy::api::kinesis
