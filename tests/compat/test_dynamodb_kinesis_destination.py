"""Kinesis Data Streams for DynamoDB: a table's changes copied into an eddy Kinesis stream in
AWS's record format, with boto3 (the installed botocore predates UpdateKinesisStreamingDestination
and the precision setting, so those go raw)."""
import itertools
import json
import re
import time

import pytest
from botocore.exceptions import ClientError

_names = itertools.count()


@pytest.fixture
def names(request):
    n = next(_names)
    return "kdd-table-%d" % n, "kdd-stream-%d" % n


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def make_table_and_stream(server, table, stream, shards=2):
    ddb, kinesis = server.client("dynamodb"), server.client("kinesis")
    ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    kinesis.create_stream(StreamName=stream, ShardCount=shards)
    arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"][
        "StreamARN"]
    return ddb, kinesis, arn


def read_all(kinesis, stream, expected, timeout=10):
    """(partition key, record) pairs of every shard, once `expected` are there."""
    deadline = time.time() + timeout
    while True:
        out = []
        for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
            iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard["ShardId"],
                                                  ShardIteratorType="TRIM_HORIZON")[
                "ShardIterator"]
            while iterator:
                page = kinesis.get_records(ShardIterator=iterator)
                out += [(r["PartitionKey"], json.loads(r["Data"])) for r in page["Records"]]
                if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
                    break
                iterator = page.get("NextShardIterator")
        if len(out) >= expected or time.time() > deadline:
            return out
        time.sleep(0.05)


def test_changes_arrive_once_in_aws_format_and_per_item_order(server, names):
    table, stream = names
    ddb, kinesis, arn = make_table_and_stream(server, table, stream)
    ddb.put_item(TableName=table, Item={"pk": {"S": "before"}})  # before enabling: not copied
    out = ddb.enable_kinesis_streaming_destination(TableName=table, StreamArn=arn)
    assert out["DestinationStatus"] == "ENABLING" and out["StreamArn"] == arn
    described = ddb.describe_kinesis_streaming_destination(TableName=table)
    assert [(d["StreamArn"], d["DestinationStatus"])
            for d in described["KinesisDataStreamDestinations"]] == [(arn, "ACTIVE")]
    for i in range(6):
        ddb.put_item(TableName=table, Item={"pk": {"S": "k%d" % (i % 2)}, "v": {"N": str(i)}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "k1"}, "v": {"N": "5"}})  # no change
    ddb.delete_item(TableName=table, Key={"pk": {"S": "missing"}})             # no change
    ddb.delete_item(TableName=table, Key={"pk": {"S": "k0"}})
    records = read_all(kinesis, stream, 7)
    time.sleep(0.3)
    assert len(read_all(kinesis, stream, 7)) == 7  # nothing more arrives
    assert len(records) == 7
    by_key = {}
    for partition_key, r in records:
        assert re.fullmatch(r"[0-9a-f]{32}", partition_key)
        assert set(r) == {"awsRegion", "eventID", "eventName", "userIdentity", "recordFormat",
                          "tableName", "dynamodb", "eventSource"}
        assert r["awsRegion"] == "us-east-1" and r["eventSource"] == "aws:dynamodb"
        assert r["recordFormat"] == "application/json" and r["tableName"] == table
        assert r["userIdentity"] is None
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}",
                            r["eventID"])
        d = r["dynamodb"]
        assert 10**12 < d["ApproximateCreationDateTime"] < 10**13  # milliseconds
        assert "SequenceNumber" not in d and "StreamViewType" not in d
        assert d["SizeBytes"] > 0
        by_key.setdefault(d["Keys"]["pk"]["S"], []).append((partition_key, r))
    assert sorted(by_key) == ["k0", "k1"]
    for key, rs in by_key.items():
        assert len({p for p, _ in rs}) == 1  # one item, one partition key, one shard
    k0 = [r for _, r in by_key["k0"]]
    assert [r["eventName"] for r in k0] == ["INSERT", "MODIFY", "MODIFY", "REMOVE"]
    assert [r["dynamodb"].get("NewImage", {}).get("v") for r in k0] == \
        [{"N": "0"}, {"N": "2"}, {"N": "4"}, None]
    assert k0[1]["dynamodb"]["OldImage"]["v"] == {"N": "0"}
    assert k0[3]["dynamodb"]["OldImage"]["v"] == {"N": "4"}
    assert len({r["eventID"] for _, r in records}) == 7


def test_precision_disable_and_errors(server, names):
    table, stream = names
    ddb, kinesis, arn = make_table_and_stream(server, table, stream, shards=1)
    target = "DynamoDB_20120810."
    ctype = "application/x-amz-json-1.0"
    status, body = server.raw(target + "EnableKinesisStreamingDestination", json.dumps({
        "TableName": table, "StreamArn": arn,
        "EnableKinesisStreamingConfiguration": {
            "ApproximateCreationDateTimePrecision": "MICROSECOND"}}), ctype)
    assert status == 200 and body["EnableKinesisStreamingConfiguration"] == {
        "ApproximateCreationDateTimePrecision": "MICROSECOND"}
    status, body = server.raw(target + "DescribeKinesisStreamingDestination",
                              json.dumps({"TableName": table}), ctype)
    assert body["KinesisDataStreamDestinations"][0][
        "ApproximateCreationDateTimePrecision"] == "MICROSECOND"
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}})
    records = read_all(kinesis, stream, 1)
    assert 10**15 < records[0][1]["dynamodb"]["ApproximateCreationDateTime"] < 10**16  # µs
    # Back to milliseconds; the same value again is refused.
    update = {"TableName": table, "StreamArn": arn, "UpdateKinesisStreamingConfiguration": {
        "ApproximateCreationDateTimePrecision": "MILLISECOND"}}
    status, body = server.raw(target + "UpdateKinesisStreamingDestination", json.dumps(update),
                              ctype)
    assert status == 200 and body["DestinationStatus"] == "UPDATING"
    status, body = server.raw(target + "UpdateKinesisStreamingDestination", json.dumps(update),
                              ctype)
    assert status == 400 and body["__type"].endswith("ValidationException")
    ddb.put_item(TableName=table, Item={"pk": {"S": "b"}})
    records = read_all(kinesis, stream, 2)
    assert 10**12 < records[1][1]["dynamodb"]["ApproximateCreationDateTime"] < 10**13

    # Enabling twice, a malformed ARN, an unknown stream, an unknown table.
    code, _ = error_of(ddb.enable_kinesis_streaming_destination, TableName=table, StreamArn=arn)
    assert code == "ValidationException"
    code, _ = error_of(ddb.enable_kinesis_streaming_destination, TableName=table,
                       StreamArn="arn:aws:kinesis:us-east-1:000000000000:nonsense")
    assert code == "ValidationException"
    code, _ = error_of(ddb.enable_kinesis_streaming_destination, TableName=table,
                       StreamArn=arn.replace(stream, stream + "-missing"))
    assert code == "ResourceNotFoundException"
    code, _ = error_of(ddb.enable_kinesis_streaming_destination, TableName=table + "-missing",
                       StreamArn=arn)
    assert code == "ResourceNotFoundException"

    # Disabled: listed as DISABLED, nothing more is copied, disabling again is refused.
    out = ddb.disable_kinesis_streaming_destination(TableName=table, StreamArn=arn)
    assert out["DestinationStatus"] == "DISABLING"
    assert ddb.describe_kinesis_streaming_destination(TableName=table)[
        "KinesisDataStreamDestinations"][0]["DestinationStatus"] == "DISABLED"
    ddb.put_item(TableName=table, Item={"pk": {"S": "c"}})
    time.sleep(0.3)
    assert len(read_all(kinesis, stream, 3, timeout=0.5)) == 2
    code, _ = error_of(ddb.disable_kinesis_streaming_destination, TableName=table, StreamArn=arn)
    assert code == "ValidationException"
    # Enabled again: changes from then on.
    ddb.enable_kinesis_streaming_destination(TableName=table, StreamArn=arn)
    ddb.put_item(TableName=table, Item={"pk": {"S": "d"}})
    records = read_all(kinesis, stream, 3)
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for _, r in records] == ["a", "b", "d"]
