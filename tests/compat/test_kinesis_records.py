"""Records through boto3: PutRecord(s), shard iterators of every type, GetRecords."""
import time

import botocore.exceptions
import pytest


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def read_shard(kinesis, stream, shard_id, iterator_type="TRIM_HORIZON", **kwargs):
    it = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard_id,
                                    ShardIteratorType=iterator_type, **kwargs)["ShardIterator"]
    records = []
    while True:
        resp = kinesis.get_records(ShardIterator=it, Limit=1000)
        records += resp["Records"]
        assert "MillisBehindLatest" in resp
        if not resp["Records"]:
            assert resp["NextShardIterator"]  # an open shard always has a next iterator
            return records
        it = resp["NextShardIterator"]


def read_all(kinesis, stream):
    out = []
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        out += [(shard["ShardId"], r) for r in read_shard(kinesis, stream, shard["ShardId"])]
    return out


def test_put_record_and_read_it_back(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    data = bytes(range(256)) * 4
    put = kinesis.put_record(StreamName=stream_name, PartitionKey="user-1", Data=data)
    assert put["ShardId"] == "shardId-000000000000"
    records = read_shard(kinesis, stream_name, put["ShardId"])
    assert len(records) == 1
    r = records[0]
    assert r["Data"] == data
    assert r["PartitionKey"] == "user-1"
    assert r["SequenceNumber"] == put["SequenceNumber"]
    assert abs(r["ApproximateArrivalTimestamp"].timestamp() - time.time()) < 60


def test_put_records_keeps_order_and_routes_by_md5(kinesis, stream_name):
    import hashlib
    kinesis.create_stream(StreamName=stream_name, ShardCount=4)
    shards = kinesis.list_shards(StreamName=stream_name)["Shards"]
    entries = [{"PartitionKey": "key-%d" % (i % 37), "Data": ("payload-%d" % i).encode()}
               for i in range(500)]
    resp = kinesis.put_records(StreamName=stream_name, Records=entries)
    assert resp["FailedRecordCount"] == 0
    assert len(resp["Records"]) == 500
    for entry, result in zip(entries, resp["Records"]):
        h = int(hashlib.md5(entry["PartitionKey"].encode()).hexdigest(), 16)
        owner = [s["ShardId"] for s in shards
                 if int(s["HashKeyRange"]["StartingHashKey"]) <= h <=
                 int(s["HashKeyRange"]["EndingHashKey"])]
        assert result["ShardId"] == owner[0]
    got = read_all(kinesis, stream_name)
    assert sorted(r["Data"] for _, r in got) == sorted(e["Data"] for e in entries)
    # Per partition key, records come back in the order they were put.
    by_key = {}
    for _, r in got:
        by_key.setdefault(r["PartitionKey"], []).append(int(r["Data"].split(b"-")[1]))
    for seq in by_key.values():
        assert seq == sorted(seq)
    # Sequence numbers strictly increase within each shard.
    for shard in shards:
        seqs = [int(r["SequenceNumber"]) for sid, r in got if sid == shard["ShardId"]]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_explicit_hash_key_chooses_the_shard(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=2)
    low = kinesis.put_record(StreamName=stream_name, PartitionKey="a", Data=b"1",
                             ExplicitHashKey="0")
    high = kinesis.put_record(StreamName=stream_name, PartitionKey="a", Data=b"2",
                              ExplicitHashKey=str(2 ** 128 - 1))
    edge = kinesis.put_record(StreamName=stream_name, PartitionKey="a", Data=b"3",
                              ExplicitHashKey=str(2 ** 127))
    assert low["ShardId"] == "shardId-000000000000"
    assert high["ShardId"] == "shardId-000000000001"
    assert edge["ShardId"] == "shardId-000000000001"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.put_record(StreamName=stream_name, PartitionKey="a", Data=b"x",
                           ExplicitHashKey=str(2 ** 128))
    assert error_code(e) == "InvalidArgumentException"
    assert "ExplicitHashKey" in e.value.response["Error"]["Message"]


def test_iterator_types(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    shard = "shardId-000000000000"
    seqs = [kinesis.put_record(StreamName=stream_name, PartitionKey="k",
                               Data=("r%d" % i).encode())["SequenceNumber"] for i in range(5)]
    latest = kinesis.get_shard_iterator(StreamName=stream_name, ShardId=shard,
                                        ShardIteratorType="LATEST")["ShardIterator"]
    at = read_shard(kinesis, stream_name, shard, "AT_SEQUENCE_NUMBER",
                    StartingSequenceNumber=seqs[2])
    assert [r["Data"] for r in at] == [b"r2", b"r3", b"r4"]
    after = read_shard(kinesis, stream_name, shard, "AFTER_SEQUENCE_NUMBER",
                       StartingSequenceNumber=seqs[2])
    assert [r["Data"] for r in after] == [b"r3", b"r4"]
    # LATEST sees only what comes after it was issued.
    assert kinesis.get_records(ShardIterator=latest)["Records"] == []
    kinesis.put_record(StreamName=stream_name, PartitionKey="k", Data=b"new")
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=latest)["Records"]] == [b"new"]


def test_at_timestamp(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    shard = "shardId-000000000000"
    kinesis.put_record(StreamName=stream_name, PartitionKey="k", Data=b"before")
    # Older botocore sends timestamps in whole seconds: put the two records on either side of
    # a second boundary and ask for that boundary.
    middle = int(time.time()) + 1
    time.sleep(middle - time.time() + 0.05)
    kinesis.put_record(StreamName=stream_name, PartitionKey="k", Data=b"after")
    got = read_shard(kinesis, stream_name, shard, "AT_TIMESTAMP", Timestamp=middle)
    assert [r["Data"] for r in got] == [b"after"]
    everything = read_shard(kinesis, stream_name, shard, "AT_TIMESTAMP", Timestamp=0)
    assert [r["Data"] for r in everything] == [b"before", b"after"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.get_shard_iterator(StreamName=stream_name, ShardId=shard,
                                   ShardIteratorType="AT_TIMESTAMP", Timestamp=time.time() + 3600)
    assert error_code(e) == "InvalidArgumentException"


def test_get_records_limit_and_millis_behind(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    kinesis.put_records(StreamName=stream_name,
                        Records=[{"PartitionKey": "k", "Data": b"x"} for _ in range(10)])
    it = kinesis.get_shard_iterator(StreamName=stream_name, ShardId="shardId-000000000000",
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    first = kinesis.get_records(ShardIterator=it, Limit=4)
    assert len(first["Records"]) == 4
    second = kinesis.get_records(ShardIterator=first["NextShardIterator"], Limit=100)
    assert len(second["Records"]) == 6
    assert second["MillisBehindLatest"] == 0
    assert int(second["Records"][0]["SequenceNumber"]) > int(first["Records"][-1]["SequenceNumber"])


def test_sequence_number_of_another_shard_is_rejected(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=2)
    put = kinesis.put_record(StreamName=stream_name, PartitionKey="a", Data=b"1",
                             ExplicitHashKey="0")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.get_shard_iterator(StreamName=stream_name, ShardId="shardId-000000000001",
                                   ShardIteratorType="AT_SEQUENCE_NUMBER",
                                   StartingSequenceNumber=put["SequenceNumber"])
    assert error_code(e) == "InvalidArgumentException"


def test_large_record(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    data = b"z" * (1024 * 1024 - 1)  # with the 1-byte key: exactly 1 MiB
    kinesis.put_record(StreamName=stream_name, PartitionKey="k", Data=data)
    records = read_shard(kinesis, stream_name, "shardId-000000000000")
    assert records[0]["Data"] == data
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.put_record(StreamName=stream_name, PartitionKey="k", Data=data + b"zz")
    assert error_code(e) == "InvalidArgumentException"
