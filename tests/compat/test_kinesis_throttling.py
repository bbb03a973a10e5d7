"""With --throttle, eddy enforces AWS's per-shard limits and answers as AWS does."""
import shutil
import tempfile

import boto3
import botocore.config
import botocore.exceptions
import pytest
from conftest import CREDENTIALS, EddyServer


def no_retry_client(server):
    """botocore retries throttling errors by itself; these tests must see every one."""
    return boto3.client("kinesis", endpoint_url=server.endpoint, config=botocore.config.Config(
        retries={"mode": "standard", "total_max_attempts": 1}), **CREDENTIALS)


@pytest.fixture
def throttled():
    data_dir = tempfile.mkdtemp(prefix="eddy-compat-")
    s = EddyServer(data_dir, "--throttle").start()
    yield s
    s.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def test_write_limit_fails_only_the_entries_over_it(throttled):
    # Batches of 500 against 1,000 records/s: the bucket runs dry unless the machine is so busy
    # that 20 calls take 10 s, so the loop stops at the first throttled batch.
    kinesis = no_retry_client(throttled)
    kinesis.create_stream(StreamName="t", ShardCount=1)
    for _ in range(20):
        resp = kinesis.put_records(StreamName="t", Records=[
            {"PartitionKey": "k", "Data": b"x"} for _ in range(500)])
        if resp["FailedRecordCount"]:
            break
    assert resp["FailedRecordCount"] > 0
    failed = [r for r in resp["Records"] if "ErrorCode" in r]
    assert {r["ErrorCode"] for r in failed} == {"ProvisionedThroughputExceededException"}
    assert all("SequenceNumber" in r for r in resp["Records"] if "ErrorCode" not in r)
    # 1 MiB/s: records of 900 KiB exhaust it within a few calls.
    kinesis.create_stream(StreamName="bytes", ShardCount=1)
    error = None
    for _ in range(20):
        try:
            kinesis.put_record(StreamName="bytes", PartitionKey="k", Data=b"x" * (900 * 1024))
        except botocore.exceptions.ClientError as e:
            error = e
            break
    assert error is not None
    assert error.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert "Rate exceeded for shard shardId-000000000000 in stream bytes" in \
        error.response["Error"]["Message"]


def test_read_limit_is_five_calls_a_second(throttled):
    kinesis = no_retry_client(throttled)
    kinesis.create_stream(StreamName="r", ShardCount=1)
    it = kinesis.get_shard_iterator(StreamName="r", ShardId="shardId-000000000000",
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        for _ in range(30):  # 5 calls/s: throttled unless 30 calls take 5 s
            it = kinesis.get_records(ShardIterator=it)["NextShardIterator"]
    assert e.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"


def test_limits_are_off_by_default(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    for _ in range(3):
        resp = kinesis.put_records(StreamName=stream_name, Records=[
            {"PartitionKey": "k", "Data": b"x"} for _ in range(500)])
        assert resp["FailedRecordCount"] == 0
    it = kinesis.get_shard_iterator(StreamName=stream_name, ShardId="shardId-000000000000",
                                    ShardIteratorType="LATEST")["ShardIterator"]
    for _ in range(10):
        it = kinesis.get_records(ShardIterator=it)["NextShardIterator"]
