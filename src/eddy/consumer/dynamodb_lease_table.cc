#include "eddy/consumer/dynamodb_lease_table.h"

#include <fmt/format.h>

#include <charconv>

#include "eddy/client/retry_policy.h"

namespace eddy::consumer {

namespace {

using client::AttributeValue;
using client::Condition;
using client::Item;
using client::UpdateSpec;
using model::Number;
using model::ValueType;

constexpr std::string_view kLeaseKey = "leaseKey";
constexpr std::string_view kLeaseOwner = "leaseOwner";
constexpr std::string_view kLeaseCounter = "leaseCounter";
constexpr std::string_view kCheckpoint = "checkpoint";
constexpr std::string_view kCheckpointSub = "checkpointSubSequenceNumber";
constexpr std::string_view kPending = "pendingCheckpoint";
constexpr std::string_view kPendingSub = "pendingCheckpointSubSequenceNumber";
constexpr std::string_view kPendingState = "pendingCheckpointState";
constexpr std::string_view kOwnerSwitches = "ownerSwitchesSinceCheckpoint";
constexpr std::string_view kParents = "parentShardId";
constexpr std::string_view kChildren = "childShardIds";
constexpr std::string_view kStartingHashKey = "startingHashKey";
constexpr std::string_view kEndingHashKey = "endingHashKey";
constexpr std::string_view kHandoffTo = "handoffTo";

AttributeValue Int(int64_t n) { return AttributeValue::Num(*Number::Parse(std::to_string(n))); }
AttributeValue Str(std::string s) { return AttributeValue::String(std::move(s)); }
AttributeValue StrSet(const std::set<std::string>& members) {
  return AttributeValue::StringSet({members.begin(), members.end()});
}

Result<int64_t> IntOf(const AttributeValue& value, std::string_view name) {
  if (value.type() != ValueType::kNumber) {
    return Status::InvalidArgument(fmt::format("{} is not a number", name));
  }
  const std::string text = value.number().ToString();
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument(fmt::format("{} is not an integer: {}", name, text));
  }
  return n;
}

// Reads an optional attribute of type S into `*out`.
Status ReadString(const Item& item, std::string_view name, std::string* out) {
  auto it = item.find(name);
  if (it == item.end()) return Status::Ok();
  if (it->second.type() != ValueType::kString) {
    return Status::InvalidArgument(fmt::format("{} is not a string", name));
  }
  *out = it->second.bytes();
  return Status::Ok();
}

Status ReadInt(const Item& item, std::string_view name, int64_t* out) {
  auto it = item.find(name);
  if (it == item.end()) return Status::Ok();
  EDDY_ASSIGN_OR_RETURN(*out, IntOf(it->second, name));
  return Status::Ok();
}

Status ReadStringSet(const Item& item, std::string_view name, std::set<std::string>* out) {
  auto it = item.find(name);
  if (it == item.end()) return Status::Ok();
  if (it->second.type() != ValueType::kStringSet) {
    return Status::InvalidArgument(fmt::format("{} is not a string set", name));
  }
  out->insert(it->second.byte_members().begin(), it->second.byte_members().end());
  return Status::Ok();
}

Item KeyOf(const std::string& lease_key) { return Item{{std::string(kLeaseKey), Str(lease_key)}}; }

}  // namespace

Item LeaseToItem(const Lease& lease) {
  Item item;
  item[std::string(kLeaseKey)] = Str(lease.lease_key);
  if (lease.owned()) item[std::string(kLeaseOwner)] = Str(lease.owner);
  item[std::string(kLeaseCounter)] = Int(lease.counter);
  if (!lease.checkpoint.empty()) {
    item[std::string(kCheckpoint)] = Str(lease.checkpoint.sequence_number);
    item[std::string(kCheckpointSub)] = Int(lease.checkpoint.sub_sequence_number);
  }
  if (!lease.pending_checkpoint.empty()) {
    item[std::string(kPending)] = Str(lease.pending_checkpoint.sequence_number);
    item[std::string(kPendingSub)] = Int(lease.pending_checkpoint.sub_sequence_number);
    if (!lease.pending_checkpoint_state.empty()) {
      item[std::string(kPendingState)] = AttributeValue::Binary(lease.pending_checkpoint_state);
    }
  }
  item[std::string(kOwnerSwitches)] = Int(lease.owner_switches_since_checkpoint);
  if (!lease.parent_shard_ids.empty()) item[std::string(kParents)] = StrSet(lease.parent_shard_ids);
  if (!lease.child_shard_ids.empty()) item[std::string(kChildren)] = StrSet(lease.child_shard_ids);
  if (!lease.starting_hash_key.empty()) {
    item[std::string(kStartingHashKey)] = Str(lease.starting_hash_key);
    item[std::string(kEndingHashKey)] = Str(lease.ending_hash_key);
  }
  if (!lease.handoff_to.empty()) item[std::string(kHandoffTo)] = Str(lease.handoff_to);
  return item;
}

Result<Lease> LeaseFromItem(const Item& item) {
  Lease lease;
  auto key = item.find(kLeaseKey);
  if (key == item.end() || key->second.type() != ValueType::kString ||
      key->second.bytes().empty()) {
    return Status::InvalidArgument("leaseKey is missing or not a string");
  }
  lease.lease_key = key->second.bytes();
  auto counter = item.find(kLeaseCounter);
  if (counter == item.end()) return Status::InvalidArgument("leaseCounter is missing");
  EDDY_ASSIGN_OR_RETURN(lease.counter, IntOf(counter->second, kLeaseCounter));
  EDDY_RETURN_IF_ERROR(ReadString(item, kLeaseOwner, &lease.owner));
  EDDY_RETURN_IF_ERROR(ReadString(item, kCheckpoint, &lease.checkpoint.sequence_number));
  EDDY_RETURN_IF_ERROR(ReadInt(item, kCheckpointSub, &lease.checkpoint.sub_sequence_number));
  EDDY_RETURN_IF_ERROR(ReadString(item, kPending, &lease.pending_checkpoint.sequence_number));
  EDDY_RETURN_IF_ERROR(
      ReadInt(item, kPendingSub, &lease.pending_checkpoint.sub_sequence_number));
  auto state = item.find(kPendingState);
  if (state != item.end()) {
    if (state->second.type() != ValueType::kBinary) {
      return Status::InvalidArgument("pendingCheckpointState is not binary");
    }
    lease.pending_checkpoint_state = state->second.bytes();
  }
  EDDY_RETURN_IF_ERROR(ReadInt(item, kOwnerSwitches, &lease.owner_switches_since_checkpoint));
  EDDY_RETURN_IF_ERROR(ReadStringSet(item, kParents, &lease.parent_shard_ids));
  EDDY_RETURN_IF_ERROR(ReadStringSet(item, kChildren, &lease.child_shard_ids));
  EDDY_RETURN_IF_ERROR(ReadString(item, kStartingHashKey, &lease.starting_hash_key));
  EDDY_RETURN_IF_ERROR(ReadString(item, kEndingHashKey, &lease.ending_hash_key));
  EDDY_RETURN_IF_ERROR(ReadString(item, kHandoffTo, &lease.handoff_to));
  const auto& seq = lease.checkpoint.sequence_number;
  if (!seq.empty() && !ExtendedSequenceNumber::IsSentinel(seq) &&
      seq.find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidArgument("checkpoint is neither a sequence number nor a sentinel");
  }
  return lease;
}

Status LeaseTableStatus(const client::AwsError& error, std::string_view what) {
  const std::string message = fmt::format("{}: {}", what, error.ToString());
  if (client::IsResourceNotFound(error)) return Status::NotFound(message);
  if (client::IsRetryableError(error)) {
    return Status::Unavailable(message);
  }
  return Status::Internal(message);
}

DynamoDbLeaseTable::DynamoDbLeaseTable(client::DynamoDbClient& client, std::string table_name)
    : client_(client), table_name_(std::move(table_name)) {}

Status DynamoDbLeaseTable::CreateTableIfNotExists() {
  auto described = client_.DescribeTable(table_name_);
  if (!described.ok()) {
    if (!client::IsResourceNotFound(described.error())) {
      return LeaseTableStatus(described.error(), "DescribeTable " + table_name_);
    }
    client::CreateTableSpec spec;
    spec.name = table_name_;
    spec.key.hash = {std::string(kLeaseKey), ValueType::kString};
    auto created = client_.CreateTable(spec);
    // Another worker may have created it meanwhile (ResourceInUseException).
    if (!created.ok() && created.error().type != "ResourceInUseException") {
      return LeaseTableStatus(created.error(), "CreateTable " + table_name_);
    }
  }
  auto active = client_.WaitForActive(table_name_, 120000);
  if (!active.ok()) return LeaseTableStatus(active.error(), "waiting for " + table_name_);
  return Status::Ok();
}

Result<std::vector<Lease>> DynamoDbLeaseTable::ListLeases(std::vector<std::string>* damaged) {
  auto items = client_.ScanAll(table_name_);
  if (!items.ok()) return LeaseTableStatus(items.error(), "Scan " + table_name_);
  std::vector<Lease> leases;
  leases.reserve(items->size());
  for (const Item& item : *items) {
    auto lease = LeaseFromItem(item);
    if (lease.ok()) {
      leases.push_back(std::move(*lease));
      continue;
    }
    if (damaged != nullptr) {
      auto key = item.find(kLeaseKey);
      const std::string name = key != item.end() && key->second.type() == ValueType::kString
                                   ? key->second.bytes()
                                   : std::string("(no leaseKey)");
      damaged->push_back(name + ": " + lease.status().message());
    }
  }
  return leases;
}

Result<std::optional<Lease>> DynamoDbLeaseTable::GetLease(const std::string& lease_key) {
  auto item = client_.GetItem(table_name_, KeyOf(lease_key), /*consistent_read=*/true);
  if (!item.ok()) return LeaseTableStatus(item.error(), "GetItem " + lease_key);
  if (!item->has_value()) return std::optional<Lease>();
  EDDY_ASSIGN_OR_RETURN(Lease lease, LeaseFromItem(**item));
  return std::optional<Lease>(std::move(lease));
}

Result<LeaseWrite> DynamoDbLeaseTable::CreateLeaseIfNotExists(const Lease& lease) {
  Condition absent{"attribute_not_exists(leaseKey)", {}, {}};
  auto put = client_.PutItem(table_name_, LeaseToItem(lease), absent);
  if (put.ok()) return LeaseWrite::kDone;
  if (client::IsConditionFailed(put.error())) return LeaseWrite::kConditionFailed;
  return LeaseTableStatus(put.error(), "PutItem " + lease.lease_key);
}

Result<LeaseWrite> DynamoDbLeaseTable::Update(Lease* lease, const UpdateSpec& update,
                                              const Condition& condition) {
  auto updated = client_.UpdateItem(table_name_, KeyOf(lease->lease_key), update, condition,
                                    client::ReturnValues::kAllNew);
  if (!updated.ok()) {
    if (client::IsConditionFailed(updated.error())) return LeaseWrite::kConditionFailed;
    return LeaseTableStatus(updated.error(), "UpdateItem " + lease->lease_key);
  }
  if (!updated->has_value()) {
    return Status::Internal("UpdateItem " + lease->lease_key + " answered no attributes");
  }
  EDDY_ASSIGN_OR_RETURN(*lease, LeaseFromItem(**updated));
  return LeaseWrite::kDone;
}

namespace {

// The condition every fenced write carries: the counter (and owner) the caller last saw.
Condition CounterCondition(const Lease& lease, bool check_owner) {
  Condition condition;
  condition.expression = "leaseCounter = :counter";
  condition.values[":counter"] = Int(lease.counter);
  if (check_owner) {
    condition.expression += " AND leaseOwner = :owner";
    condition.values[":owner"] = Str(lease.owner);
  }
  return condition;
}

}  // namespace

Result<LeaseWrite> DynamoDbLeaseTable::RenewLease(Lease* lease) {
  UpdateSpec update{"SET leaseCounter = :next", {}, {{":next", Int(lease->counter + 1)}}};
  return Update(lease, update, CounterCondition(*lease, true));
}

Result<LeaseWrite> DynamoDbLeaseTable::TakeLease(Lease* lease, const std::string& new_owner) {
  // The counter condition proves the item is as the caller scanned it, so the owner-switch
  // count can be written as a value.
  const int64_t switches =
      lease->owner_switches_since_checkpoint + (lease->owner != new_owner ? 1 : 0);
  UpdateSpec update{
      "SET leaseCounter = :next, leaseOwner = :owner, ownerSwitchesSinceCheckpoint = :switches "
      "REMOVE checkpointOwner, handoffTo",
      {},
      {{":next", Int(lease->counter + 1)}, {":owner", Str(new_owner)},
       {":switches", Int(switches)}}};
  return Update(lease, update, CounterCondition(*lease, false));
}

Result<LeaseWrite> DynamoDbLeaseTable::EvictLease(Lease* lease) {
  UpdateSpec update{"SET leaseCounter = leaseCounter + :one REMOVE leaseOwner, handoffTo", {},
                    {{":one", Int(1)}}};
  Condition owner{"leaseOwner = :owner", {}, {{":owner", Str(lease->owner)}}};
  return Update(lease, update, owner);
}

Result<LeaseWrite> DynamoDbLeaseTable::RequestHandoff(Lease* lease, const std::string& to) {
  // The counter is left alone: the owner keeps renewing and checkpointing until it hands over.
  UpdateSpec update{"SET handoffTo = :to", {}, {{":to", Str(to)}}};
  Condition condition{"leaseOwner = :owner AND attribute_not_exists(handoffTo)", {},
                      {{":owner", Str(lease->owner)}}};
  return Update(lease, update, condition);
}

Result<LeaseWrite> DynamoDbLeaseTable::HandOverLease(Lease* lease) {
  const int64_t switches =
      lease->owner_switches_since_checkpoint + (lease->owner != lease->handoff_to ? 1 : 0);
  UpdateSpec update{
      "SET leaseCounter = :next, leaseOwner = :to, ownerSwitchesSinceCheckpoint = :switches "
      "REMOVE handoffTo",
      {},
      {{":next", Int(lease->counter + 1)}, {":to", Str(lease->handoff_to)},
       {":switches", Int(switches)}}};
  return Update(lease, update, CounterCondition(*lease, true));
}

Result<LeaseWrite> DynamoDbLeaseTable::WithdrawHandoff(Lease* lease, const std::string& from) {
  UpdateSpec update{"REMOVE handoffTo", {}, {}};
  Condition condition{"handoffTo = :from", {}, {{":from", Str(from)}}};
  return Update(lease, update, condition);
}

Result<LeaseWrite> DynamoDbLeaseTable::UpdateCheckpoint(Lease* lease) {
  UpdateSpec update;
  update.expression =
      "SET leaseCounter = :next, #cp = :cp, checkpointSubSequenceNumber = :sub, "
      "ownerSwitchesSinceCheckpoint = :switches";
  update.names["#cp"] = std::string(kCheckpoint);
  update.values[":next"] = Int(lease->counter + 1);
  update.values[":cp"] = Str(lease->checkpoint.sequence_number);
  update.values[":sub"] = Int(lease->checkpoint.sub_sequence_number);
  update.values[":switches"] = Int(lease->owner_switches_since_checkpoint);
  if (lease->pending_checkpoint.empty()) {
    update.expression +=
        " REMOVE pendingCheckpoint, pendingCheckpointSubSequenceNumber, pendingCheckpointState";
  } else {
    update.expression += ", pendingCheckpoint = :pending, pendingCheckpointSubSequenceNumber = :psub";
    update.values[":pending"] = Str(lease->pending_checkpoint.sequence_number);
    update.values[":psub"] = Int(lease->pending_checkpoint.sub_sequence_number);
    if (lease->pending_checkpoint_state.empty()) {
      update.expression += " REMOVE pendingCheckpointState";
    } else {
      update.expression += ", pendingCheckpointState = :state";
      update.values[":state"] = AttributeValue::Binary(lease->pending_checkpoint_state);
    }
  }
  return Update(lease, update, CounterCondition(*lease, true));
}

Result<LeaseWrite> DynamoDbLeaseTable::UpdateChildShards(Lease* lease) {
  UpdateSpec update{"SET leaseCounter = :next", {}, {{":next", Int(lease->counter + 1)}}};
  if (lease->child_shard_ids.empty()) {
    update.expression += " REMOVE childShardIds";
  } else {
    update.expression += ", childShardIds = :children";
    update.values[":children"] = StrSet(lease->child_shard_ids);
  }
  return Update(lease, update, CounterCondition(*lease, true));
}

Result<LeaseWrite> DynamoDbLeaseTable::DeleteFinishedLease(const std::string& lease_key) {
  Condition finished{"#cp = :end", {{"#cp", std::string(kCheckpoint)}},
                     {{":end", Str(std::string(ExtendedSequenceNumber::kShardEnd))}}};
  auto deleted = client_.DeleteItem(table_name_, KeyOf(lease_key), finished);
  if (deleted.ok()) return LeaseWrite::kDone;
  if (client::IsConditionFailed(deleted.error())) return LeaseWrite::kConditionFailed;
  return LeaseTableStatus(deleted.error(), "DeleteItem " + lease_key);
}

}  // namespace eddy::consumer
