"""Retention, stream mode, maximum record size and tags."""
import json

import botocore.exceptions
import pytest

TARGET = "Kinesis_20131202."


def error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def summary(kinesis, name):
    return kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]


def test_retention_period_rules(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    kinesis.increase_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=168)
    assert summary(kinesis, stream_name)["RetentionPeriodHours"] == 168
    assert kinesis.describe_stream(StreamName=stream_name)[
        "StreamDescription"]["RetentionPeriodHours"] == 168
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.increase_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=48)
    code, message = error(e)
    assert code == "InvalidArgumentException"
    assert "can not be shorter than existing retention period (168 hours)" in message
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.decrease_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=200)
    assert error(e)[0] == "InvalidArgumentException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.increase_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=8761)
    assert error(e) == ("InvalidArgumentException",
                        "Maximum allowed retention period is 8760 hours. Requested retention "
                        "period (8761 hours) is too long.")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.decrease_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=23)
    assert error(e)[0] == "InvalidArgumentException"
    kinesis.decrease_stream_retention_period(StreamName=stream_name, RetentionPeriodHours=24)
    assert summary(kinesis, stream_name)["RetentionPeriodHours"] == 24


def test_update_stream_mode(server, kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    arn = summary(kinesis, stream_name)["StreamARN"]
    status, body = server.raw(TARGET + "UpdateStreamMode", json.dumps(
        {"StreamARN": arn, "StreamModeDetails": {"StreamMode": "ON_DEMAND"}}))
    assert status == 200, body
    assert summary(kinesis, stream_name)["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    status, body = server.raw(TARGET + "UpdateStreamMode", json.dumps(
        {"StreamARN": arn, "StreamModeDetails": {"StreamMode": "FAST"}}))
    assert status == 400 and body["__type"] == "ValidationException"


def test_update_max_record_size(server, kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    big = b"y" * (2 * 1024 * 1024)
    with pytest.raises(botocore.exceptions.ClientError):
        kinesis.put_record(StreamName=stream_name, PartitionKey="k", Data=big)
    status, body = server.raw(TARGET + "UpdateMaxRecordSize", json.dumps(
        {"StreamName": stream_name, "MaxRecordSizeInKiB": 4096}))
    assert status == 200, body
    kinesis.put_record(StreamName=stream_name, PartitionKey="k", Data=big)
    status, body = server.raw(TARGET + "UpdateMaxRecordSize", json.dumps(
        {"StreamName": stream_name, "MaxRecordSizeInKiB": 512}))
    assert status == 400 and body["__type"] == "ValidationException"


def test_tags_by_stream_name(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    kinesis.add_tags_to_stream(StreamName=stream_name, Tags={"team": "data", "env": "test"})
    kinesis.add_tags_to_stream(StreamName=stream_name, Tags={"env": "prod"})  # overwrites
    tags = kinesis.list_tags_for_stream(StreamName=stream_name)
    assert tags["Tags"] == [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "data"}]
    assert tags["HasMoreTags"] is False
    page = kinesis.list_tags_for_stream(StreamName=stream_name, Limit=1)
    assert page["Tags"] == [{"Key": "env", "Value": "prod"}] and page["HasMoreTags"] is True
    rest = kinesis.list_tags_for_stream(StreamName=stream_name, ExclusiveStartTagKey="env")
    assert rest["Tags"] == [{"Key": "team", "Value": "data"}]
    kinesis.remove_tags_from_stream(StreamName=stream_name, TagKeys=["team", "absent"])
    assert kinesis.list_tags_for_stream(StreamName=stream_name)["Tags"] == [
        {"Key": "env", "Value": "prod"}]


def test_at_most_fifty_tags(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    kinesis.add_tags_to_stream(StreamName=stream_name,
                               Tags={"k%d" % i: "v" for i in range(10)})
    for start in range(10, 50, 10):
        kinesis.add_tags_to_stream(StreamName=stream_name,
                                   Tags={"k%d" % i: "v" for i in range(start, start + 10)})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.add_tags_to_stream(StreamName=stream_name, Tags={"one-too-many": "v"})
    assert error(e)[0] == "InvalidArgumentException"
    all_tags = []
    start = None
    while True:
        kwargs = {"ExclusiveStartTagKey": start} if start else {}
        page = kinesis.list_tags_for_stream(StreamName=stream_name, **kwargs)
        all_tags += page["Tags"]
        if not page["HasMoreTags"]:
            break
        start = page["Tags"][-1]["Key"]
    assert len(all_tags) == 50


def test_tags_by_resource_arn(server, kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1, )
    arn = summary(kinesis, stream_name)["StreamARN"]
    status, body = server.raw(TARGET + "TagResource",
                              json.dumps({"ResourceARN": arn, "Tags": {"a": "1", "b": "2"}}))
    assert status == 200, body
    status, body = server.raw(TARGET + "UntagResource",
                              json.dumps({"ResourceARN": arn, "TagKeys": ["a"]}))
    assert status == 200, body
    status, body = server.raw(TARGET + "ListTagsForResource", json.dumps({"ResourceARN": arn}))
    assert status == 200 and body["Tags"] == [{"Key": "b", "Value": "2"}]
    status, body = server.raw(TARGET + "ListTagsForResource",
                              json.dumps({"ResourceARN": "not-an-arn"}))
    assert status == 400 and body["__type"] == "ValidationException"


def test_settings_survive_a_restart(fresh_server):
    fresh_server.start()
    kinesis = fresh_server.client()
    kinesis.create_stream(StreamName="kept", ShardCount=1)
    kinesis.increase_stream_retention_period(StreamName="kept", RetentionPeriodHours=72)
    kinesis.add_tags_to_stream(StreamName="kept", Tags={"owner": "me"})
    fresh_server.stop()
    fresh_server.start()
    kinesis = fresh_server.client()
    assert summary(kinesis, "kept")["RetentionPeriodHours"] == 72
    assert kinesis.list_tags_for_stream(StreamName="kept")["Tags"] == [
        {"Key": "owner", "Value": "me"}]
