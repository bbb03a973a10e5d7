#pragma once

#include <memory>
#include <string>
#include <vector>

#include "eddy/client/dynamodb_client.h"
#include "eddy/consumer/lease.h"

namespace eddy::consumer {

// The item of a lease, with KCL's attribute names (see lease.h).
client::Item LeaseToItem(const Lease& lease);
// The lease an item holds; InvalidArgument naming the attribute when the item is not a lease
// (no leaseKey, a leaseCounter that is not an integer, an attribute of the wrong type).
Result<Lease> LeaseFromItem(const client::Item& item);

// The lease table of one application in DynamoDB (eddy's or AWS's): hash key `leaseKey` (S),
// PAY_PER_REQUEST, one item per shard. Conditional writes use condition and update
// expressions; every write asks for ALL_NEW so the caller's copy is what the table holds.
//
// Thread-safety: every method may be called from any number of threads at once.
class DynamoDbLeaseTable final : public LeaseTable {
 public:
  // `client` must outlive the table.
  DynamoDbLeaseTable(client::DynamoDbClient& client, std::string table_name);

  const std::string& table_name() const { return table_name_; }

  Status CreateTableIfNotExists() override;
  Result<std::vector<Lease>> ListLeases(std::vector<std::string>* damaged) override;
  Result<std::optional<Lease>> GetLease(const std::string& lease_key) override;
  Result<LeaseWrite> CreateLeaseIfNotExists(const Lease& lease) override;
  Result<LeaseWrite> RenewLease(Lease* lease) override;
  Result<LeaseWrite> TakeLease(Lease* lease, const std::string& new_owner) override;
  Result<LeaseWrite> EvictLease(Lease* lease) override;
  Result<LeaseWrite> RequestHandoff(Lease* lease, const std::string& to) override;
  Result<LeaseWrite> HandOverLease(Lease* lease) override;
  Result<LeaseWrite> WithdrawHandoff(Lease* lease, const std::string& from) override;
  Result<LeaseWrite> UpdateCheckpoint(Lease* lease) override;
  Result<LeaseWrite> UpdateChildShards(Lease* lease) override;
  Result<LeaseWrite> DeleteFinishedLease(const std::string& lease_key) override;

 private:
  // Sends the update; on success replaces `*lease` with the item answered.
  Result<LeaseWrite> Update(Lease* lease, const client::UpdateSpec& update,
                            const client::Condition& condition);

  client::DynamoDbClient& client_;
  const std::string table_name_;
};

// The Status a lease-table error becomes: ResourceNotFoundException -> NotFound; throttling,
// 5xx and transport failures -> Unavailable; the rest -> Internal, with the service's message.
Status LeaseTableStatus(const client::AwsError& error, std::string_view what);

}  // namespace eddy::consumer
