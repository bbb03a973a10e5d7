"""SplitShard, MergeShards, UpdateShardCount: lineage, shard ends, and no record lost or
reordered (per partition key) when resharding while producers write."""
import threading

import botocore.exceptions
import pytest


def error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def shards_by_id(kinesis, name):
    return {s["ShardId"]: s for s in kinesis.list_shards(StreamName=name)["Shards"]}


def read_to_end(kinesis, name, shard_id):
    """Reads a shard from TRIM_HORIZON; returns (records, last response)."""
    it = kinesis.get_shard_iterator(StreamName=name, ShardId=shard_id,
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    while True:
        resp = kinesis.get_records(ShardIterator=it, Limit=10000)
        records += resp["Records"]
        if not resp.get("NextShardIterator") or not resp["Records"]:
            return records, resp
        it = resp["NextShardIterator"]


def test_split_closes_the_parent_and_creates_two_children(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    before = [kinesis.put_record(StreamName=stream_name, PartitionKey="k%d" % i, Data=b"old")
              for i in range(5)]
    kinesis.split_shard(StreamName=stream_name, ShardToSplit="shardId-000000000000",
                        NewStartingHashKey=str(2 ** 127))
    shards = shards_by_id(kinesis, stream_name)
    parent = shards["shardId-000000000000"]
    low, high = shards["shardId-000000000001"], shards["shardId-000000000002"]
    assert parent["SequenceNumberRange"]["EndingSequenceNumber"] == before[-1]["SequenceNumber"]
    assert low["ParentShardId"] == high["ParentShardId"] == "shardId-000000000000"
    assert low["HashKeyRange"] == {"StartingHashKey": "0", "EndingHashKey": str(2 ** 127 - 1)}
    assert high["HashKeyRange"] == {"StartingHashKey": str(2 ** 127),
                                    "EndingHashKey": str(2 ** 128 - 1)}
    assert "EndingSequenceNumber" not in low["SequenceNumberRange"]
    after = kinesis.put_record(StreamName=stream_name, PartitionKey="k0", Data=b"new")
    assert after["ShardId"] in ("shardId-000000000001", "shardId-000000000002")
    assert int(after["SequenceNumber"]) > int(before[-1]["SequenceNumber"])
    # The parent stays readable; at its end there is no next iterator, and its children.
    records, last = read_to_end(kinesis, stream_name, "shardId-000000000000")
    assert [r["Data"] for r in records] == [b"old"] * 5
    assert "NextShardIterator" not in last or last["NextShardIterator"] is None
    assert sorted(c["ShardId"] for c in last["ChildShards"]) == ["shardId-000000000001",
                                                                 "shardId-000000000002"]
    assert all(c["ParentShards"] == ["shardId-000000000000"] for c in last["ChildShards"])
    assert kinesis.describe_stream_summary(StreamName=stream_name)[
        "StreamDescriptionSummary"]["OpenShardCount"] == 2


def test_split_errors(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.split_shard(StreamName=stream_name, ShardToSplit="shardId-000000000000",
                            NewStartingHashKey="1")
    code, message = error(e)
    assert code == "InvalidArgumentException"
    assert "is not both greater than one plus the shard's StartingHashKey" in message
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.split_shard(StreamName=stream_name, ShardToSplit="shardId-000000000007",
                            NewStartingHashKey=str(2 ** 127))
    assert error(e)[0] == "ResourceNotFoundException"
    kinesis.split_shard(StreamName=stream_name, ShardToSplit="shardId-000000000000",
                        NewStartingHashKey=str(2 ** 127))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.split_shard(StreamName=stream_name, ShardToSplit="shardId-000000000000",
                            NewStartingHashKey=str(2 ** 126))
    assert error(e) == ("InvalidArgumentException",
                        "Shard shardId-000000000000 in stream %s under account 000000000000 has "
                        "already been merged or split, and thus is not eligible for merging or "
                        "splitting." % stream_name)


def test_merge(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=3)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.merge_shards(StreamName=stream_name, ShardToMerge="shardId-000000000000",
                             AdjacentShardToMerge="shardId-000000000002")
    assert error(e)[0] == "InvalidArgumentException"
    assert "not an adjacent pair of shards" in error(e)[1]
    kinesis.merge_shards(StreamName=stream_name, ShardToMerge="shardId-000000000001",
                         AdjacentShardToMerge="shardId-000000000000")
    shards = shards_by_id(kinesis, stream_name)
    child = shards["shardId-000000000003"]
    assert child["ParentShardId"] == "shardId-000000000001"
    assert child["AdjacentParentShardId"] == "shardId-000000000000"
    assert child["HashKeyRange"]["StartingHashKey"] == "0"
    assert child["HashKeyRange"]["EndingHashKey"] == \
        shards["shardId-000000000001"]["HashKeyRange"]["EndingHashKey"]
    open_ids = [s["ShardId"] for s in kinesis.list_shards(
        StreamName=stream_name, ShardFilter={"Type": "AT_LATEST"})["Shards"]]
    assert open_ids == ["shardId-000000000002", "shardId-000000000003"]


def test_update_shard_count_uniformly(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=2)
    resp = kinesis.update_shard_count(StreamName=stream_name, TargetShardCount=4,
                                      ScalingType="UNIFORM_SCALING")
    assert resp["CurrentShardCount"] == 2 and resp["TargetShardCount"] == 4
    open_shards = kinesis.list_shards(StreamName=stream_name,
                                      ShardFilter={"Type": "AT_LATEST"})["Shards"]
    assert [int(s["HashKeyRange"]["StartingHashKey"]) for s in open_shards] == \
        [0, 2 ** 126, 2 ** 127, 3 * 2 ** 126]
    kinesis.update_shard_count(StreamName=stream_name, TargetShardCount=3,
                               ScalingType="UNIFORM_SCALING")
    open_shards = kinesis.list_shards(StreamName=stream_name,
                                      ShardFilter={"Type": "AT_LATEST"})["Shards"]
    assert len(open_shards) == 3
    # Every child has at most two parents, and the open shards cover the key space exactly.
    ranges = sorted((int(s["HashKeyRange"]["StartingHashKey"]),
                     int(s["HashKeyRange"]["EndingHashKey"])) for s in open_shards)
    assert ranges[0][0] == 0 and ranges[-1][1] == 2 ** 128 - 1
    for (a_start, a_end), (b_start, b_end) in zip(ranges, ranges[1:]):
        assert a_end + 1 == b_start
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.update_shard_count(StreamName=stream_name, TargetShardCount=7,
                                   ScalingType="UNIFORM_SCALING")
    assert error(e)[0] == "InvalidArgumentException"


def test_on_demand_streams_cannot_be_resharded(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.split_shard(StreamName=stream_name, ShardToSplit="shardId-000000000000",
                            NewStartingHashKey=str(2 ** 60))
    assert error(e)[0] == "ValidationException"


def test_resharding_while_producers_write_loses_and_reorders_nothing(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=2)
    acked = []
    failures = []
    stop = threading.Event()

    def produce(worker):
        client = kinesis  # botocore clients are thread-safe
        n = 0
        while not stop.is_set():
            batch = [{"PartitionKey": "key-%d-%d" % (worker, i % 7),
                      "Data": ("%d:%d:%d" % (worker, i % 7, n + i)).encode()} for i in range(20)]
            try:
                resp = client.put_records(StreamName=stream_name, Records=batch)
            except Exception as exc:  # noqa: BLE001
                failures.append(repr(exc))
                return
            for entry, result in zip(batch, resp["Records"]):
                if "SequenceNumber" in result:
                    acked.append((entry["Data"], result["SequenceNumber"]))
                else:
                    failures.append(result)
            n += 20

    threads = [threading.Thread(target=produce, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    try:
        kinesis.split_shard(StreamName=stream_name, ShardToSplit="shardId-000000000000",
                            NewStartingHashKey=str(2 ** 126))
        kinesis.merge_shards(StreamName=stream_name, ShardToMerge="shardId-000000000002",
                             AdjacentShardToMerge="shardId-000000000003")
        kinesis.update_shard_count(StreamName=stream_name, TargetShardCount=4,
                                   ScalingType="UNIFORM_SCALING")
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not failures, failures[:3]
    assert len(acked) > 0
    # A consumer that reads parents before children: shard indexes grow with lineage, so
    # reading each shard to its end in index order respects parent-before-child.
    seen = []
    for shard_id in sorted(shards_by_id(kinesis, stream_name)):
        records, _ = read_to_end(kinesis, stream_name, shard_id)
        seen += records
    got = [(r["Data"], r["SequenceNumber"]) for r in seen]
    assert sorted(got) == sorted(acked)  # every acknowledged record once, with its number
    last = {}
    for data, _ in got:
        worker, key, counter = (int(x) for x in data.split(b":"))
        assert counter > last.get((worker, key), -1), "order broken for key %s" % ((worker, key),)
        last[(worker, key)] = counter
