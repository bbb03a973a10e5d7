"""Stream administration through boto3: create, describe, list, delete, shards, limits."""
import botocore.exceptions
import pytest


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_create_is_active_by_first_describe(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=3)
    summary = kinesis.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"]
    assert summary["StreamStatus"] == "ACTIVE"
    assert summary["OpenShardCount"] == 3
    assert summary["RetentionPeriodHours"] == 24
    assert summary["StreamARN"] == "arn:aws:kinesis:us-east-1:000000000000:stream/" + stream_name
    assert summary["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}


def test_stream_exists_waiter_returns_at_once(kinesis, stream_name):
    import time
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    start = time.time()
    kinesis.get_waiter("stream_exists").wait(StreamName=stream_name)
    assert time.time() - start < 5  # the waiter polls every 10 s; it must not need to


def test_shards_split_the_hash_key_space_evenly(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=2)
    shards = kinesis.list_shards(StreamName=stream_name)["Shards"]
    assert [s["ShardId"] for s in shards] == ["shardId-000000000000", "shardId-000000000001"]
    assert shards[0]["HashKeyRange"] == {"StartingHashKey": "0",
                                         "EndingHashKey": str(2 ** 127 - 1)}
    assert shards[1]["HashKeyRange"] == {"StartingHashKey": str(2 ** 127),
                                         "EndingHashKey": str(2 ** 128 - 1)}
    for s in shards:
        assert "EndingSequenceNumber" not in s["SequenceNumberRange"]
    # Children will be greater than parents; within a stream shard 1 > shard 0.
    assert int(shards[1]["SequenceNumberRange"]["StartingSequenceNumber"]) > \
        int(shards[0]["SequenceNumberRange"]["StartingSequenceNumber"])


def test_on_demand_stream_gets_four_shards(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    summary = kinesis.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"]
    assert summary["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert summary["OpenShardCount"] == 4


def test_stream_arn_is_accepted_where_stream_name_is(server, kinesis, stream_name):
    import json
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName=stream_name)[
        "StreamDescriptionSummary"]["StreamARN"]
    # Raw requests: Debian's boto3 1.26 predates StreamARN on these operations.
    status, body = server.raw("Kinesis_20131202.DescribeStream", json.dumps({"StreamARN": arn}))
    assert status == 200 and body["StreamDescription"]["StreamName"] == stream_name
    status, body = server.raw("Kinesis_20131202.ListShards", json.dumps({"StreamARN": arn}))
    assert status == 200 and len(body["Shards"]) == 1
    status, body = server.raw("Kinesis_20131202.PutRecord", json.dumps(
        {"StreamARN": arn, "PartitionKey": "k", "Data": "eA=="}))
    assert status == 200 and body["ShardId"] == "shardId-000000000000"
    status, body = server.raw("Kinesis_20131202.DescribeStream", json.dumps(
        {"StreamARN": arn, "StreamName": "other"}))
    assert status == 400 and body["__type"] == "InvalidArgumentException"


def test_list_streams_paginates(kinesis, server):
    names = ["page-%d" % i for i in range(5)]
    for n in names:
        kinesis.create_stream(StreamName=n, ShardCount=1)
    seen = []
    pages = 0
    for page in kinesis.get_paginator("list_streams").paginate(PaginationConfig={"PageSize": 2}):
        pages += 1
        seen += page["StreamNames"]
    assert pages >= 3
    assert [n for n in seen if n.startswith("page-")] == names
    assert len(seen) == len(set(seen))
    first = kinesis.list_streams(Limit=2)
    assert first["HasMoreStreams"] is True
    # StreamSummaries (newer than Debian's boto3 model): one per name, with its ARN.
    import json
    status, body = server.raw("Kinesis_20131202.ListStreams", json.dumps({"Limit": 2}))
    assert status == 200
    assert [s["StreamName"] for s in body["StreamSummaries"]] == body["StreamNames"]
    assert all(s["StreamARN"].endswith("/" + s["StreamName"]) for s in body["StreamSummaries"])
    assert body["NextToken"]


def test_describe_stream_pages_shards(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=5)
    first = kinesis.describe_stream(StreamName=stream_name, Limit=2)["StreamDescription"]
    assert [s["ShardId"] for s in first["Shards"]] == ["shardId-000000000000",
                                                       "shardId-000000000001"]
    assert first["HasMoreShards"] is True
    shards = []
    for page in kinesis.get_paginator("describe_stream").paginate(
            StreamName=stream_name, PaginationConfig={"PageSize": 2}):
        shards += [s["ShardId"] for s in page["StreamDescription"]["Shards"]]
    assert shards == ["shardId-%012d" % i for i in range(5)]


def test_list_shards_pages_with_next_token(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=4)
    first = kinesis.list_shards(StreamName=stream_name, MaxResults=3)
    assert len(first["Shards"]) == 3
    rest = kinesis.list_shards(NextToken=first["NextToken"], MaxResults=3)
    assert [s["ShardId"] for s in rest["Shards"]] == ["shardId-000000000003"]
    assert "NextToken" not in rest
    after = kinesis.list_shards(StreamName=stream_name,
                                ShardFilter={"Type": "AFTER_SHARD_ID",
                                             "ShardId": "shardId-000000000001"})
    assert [s["ShardId"] for s in after["Shards"]] == ["shardId-000000000002",
                                                       "shardId-000000000003"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.list_shards(StreamName=stream_name, NextToken=first["NextToken"])
    assert error_code(e) == "InvalidArgumentException"


def test_delete_stream(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    kinesis.put_record(StreamName=stream_name, PartitionKey="k", Data=b"x")
    kinesis.delete_stream(StreamName=stream_name)
    assert stream_name not in kinesis.list_streams(Limit=10000)["StreamNames"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.describe_stream_summary(StreamName=stream_name)
    assert error_code(e) == "ResourceNotFoundException"
    # The name can be used again, for a new, empty stream.
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    it = kinesis.get_shard_iterator(StreamName=stream_name, ShardId="shardId-000000000000",
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert kinesis.get_records(ShardIterator=it)["Records"] == []


def test_describe_limits(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=2)
    limits = kinesis.describe_limits()
    assert limits["ShardLimit"] >= limits["OpenShardCount"] >= 2


def test_shard_limit_is_enforced(kinesis, stream_name):
    limit = kinesis.describe_limits()["ShardLimit"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.create_stream(StreamName=stream_name, ShardCount=limit + 1)
    assert error_code(e) == "LimitExceededException"
    assert stream_name not in kinesis.list_streams(Limit=10000)["StreamNames"]


def test_list_shards_checks_stream_creation_timestamp(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    created = kinesis.describe_stream_summary(StreamName=stream_name)[
        "StreamDescriptionSummary"]["StreamCreationTimestamp"]
    assert len(kinesis.list_shards(StreamName=stream_name,
                                   StreamCreationTimestamp=created)["Shards"]) == 1
    import datetime
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.list_shards(StreamName=stream_name,
                            StreamCreationTimestamp=created - datetime.timedelta(days=1))
    assert error_code(e) == "ResourceNotFoundException"



def test_describe_stream_summary_has_no_stream_id_and_requests_may_carry_one(server, kinesis,
                                                                             stream_name):
    """No StreamId on purpose (docs/compat/kcl.md). AWS returns one; KCL 3.4+ with
    streamInfoMode TRACK_ONLY stores it and sends it with every call. The Java SDK's endpoint
    rules (2.41) send a request carrying a StreamId to <id>.<cell>.<op>-kinesis.<region>
    .amazonaws.com, ignoring endpointOverride: tried, KCL's GetShardIterator then failed with
    UnknownHostException. Without one, KCL's TRACK_ONLY sends none and works."""
    import json
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    # Raw: Debian's boto3 1.26 predates StreamId.
    status, body = server.raw("Kinesis_20131202.DescribeStreamSummary",
                              json.dumps({"StreamName": stream_name}))
    assert status == 200 and "StreamId" not in body["StreamDescriptionSummary"], body
    # A request that carries one anyway is served (AWS: "reserved for future use").
    for target, request in [
            ("ListShards", {}),
            ("GetShardIterator", {"ShardId": "shardId-000000000000",
                                  "ShardIteratorType": "TRIM_HORIZON"})]:
        request.update(StreamName=stream_name, StreamId="abcdefghij0123456789-abc")
        status, body = server.raw("Kinesis_20131202." + target, json.dumps(request))
        assert status == 200, (target, body)
