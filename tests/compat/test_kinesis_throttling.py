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
    kinesis = no_retry_client(throttled)
    kinesis.create_stream(StreamName="t", ShardCount=1)
    failed = 0
    codes = set()
    for _ in range(3):  # 1,500 records at once: more than the 1,000 records/s a shard takes
        resp = kinesis.put_records(StreamName="t", Records=[
            {"PartitionKey": "k", "Data": b"x"} for _ in range(500)])
        failed += resp["FailedRecordCount"]
        codes |= {r["ErrorCode"] for r in resp["Records"] if "ErrorCode" in r}
    assert failed >= 400
    assert codes == {"ProvisionedThroughputExceededException"}
    # 1 MiB/s: two records of 600 KiB back to back cannot both fit.
    kinesis.create_stream(StreamName="bytes", ShardCount=1)
    kinesis.put_record(StreamName="bytes", PartitionKey="k", Data=b"x" * (600 * 1024))
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.put_record(StreamName="bytes", PartitionKey="k", Data=b"x" * (600 * 1024))
    assert e.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert "Rate exceeded for shard shardId-000000000000 in stream bytes" in \
        e.value.response["Error"]["Message"]


def test_read_limit_is_five_calls_a_second(throttled):
    kinesis = no_retry_client(throttled)
    kinesis.create_stream(StreamName="r", ShardCount=1)
    it = kinesis.get_shard_iterator(StreamName="r", ShardId="shardId-000000000000",
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        for _ in range(10):
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
