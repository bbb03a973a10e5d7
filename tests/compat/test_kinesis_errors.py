"""Bad input gets AWS's error type, status and message, and changes nothing."""
import json

import botocore.exceptions
import pytest

TARGET = "Kinesis_20131202."


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_unknown_stream_is_resource_not_found(kinesis):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.describe_stream(StreamName="no-such-stream")
    assert error_code(e) == "ResourceNotFoundException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert e.value.response["Error"]["Message"] == \
        "Stream no-such-stream under account 000000000000 not found."
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.put_record(StreamName="no-such-stream", PartitionKey="k", Data=b"x")
    assert error_code(e) == "ResourceNotFoundException"


def test_duplicate_stream_is_resource_in_use(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.create_stream(StreamName=stream_name, ShardCount=2)
    assert error_code(e) == "ResourceInUseException"
    assert kinesis.describe_stream_summary(StreamName=stream_name)[
        "StreamDescriptionSummary"]["OpenShardCount"] == 1


def test_invalid_stream_name_gets_the_aws_validation_message(server):
    status, body = server.raw(TARGET + "CreateStream",
                              json.dumps({"StreamName": "bad name!", "ShardCount": 1}))
    assert status == 400
    assert body["__type"] == "ValidationException"
    assert body["message"] == (
        "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")


def test_several_validation_errors_are_counted(server):
    status, body = server.raw(TARGET + "GetRecords",
                              json.dumps({"ShardIterator": "", "Limit": 0}))
    assert status == 400
    assert body["__type"] == "ValidationException"
    assert body["message"].startswith("2 validation errors detected: ")


def test_missing_required_member(server):
    status, body = server.raw(TARGET + "CreateStream", json.dumps({"ShardCount": 1}))
    assert status == 400
    assert body["__type"] == "ValidationException"
    assert "Value null at 'streamName' failed to satisfy constraint: Member must not be null" \
        in body["message"]


def test_malformed_json_is_serialization_exception(server):
    for bad in [b"{not json", b"[1,2]", b'{"StreamName": 5}', b'"just a string"']:
        status, body = server.raw(TARGET + "DescribeStream", bad)
        assert status == 400, bad
        assert body["__type"] == "SerializationException", bad


def test_bad_base64_data_is_serialization_exception(server, kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    status, body = server.raw(TARGET + "PutRecord", json.dumps(
        {"StreamName": stream_name, "PartitionKey": "k", "Data": "not base64!"}))
    assert status == 400
    assert body["__type"] == "SerializationException"


def test_unknown_operation(server):
    status, body = server.raw(TARGET + "FlyToTheMoon", "{}")
    assert status == 400
    assert body["__type"] == "UnknownOperationException"
    status, body = server.raw(None, "{}")
    assert body["__type"] == "UnknownOperationException"


def test_too_many_records_in_put_records(server, kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    records = [{"PartitionKey": "k", "Data": "eA=="}] * 501
    status, body = server.raw(TARGET + "PutRecords",
                              json.dumps({"StreamName": stream_name, "Records": records}))
    assert status == 400
    assert body["__type"] == "ValidationException"
    assert "Member must have length less than or equal to 500" in body["message"]
    it = kinesis.get_shard_iterator(StreamName=stream_name, ShardId="shardId-000000000000",
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert kinesis.get_records(ShardIterator=it)["Records"] == []  # nothing was written


def test_forged_or_damaged_iterator_is_invalid_argument(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    it = kinesis.get_shard_iterator(StreamName=stream_name, ShardId="shardId-000000000000",
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    damaged = it[:10] + ("A" if it[10] != "A" else "B") + it[11:]
    for bad in ["garbage", damaged]:
        with pytest.raises(botocore.exceptions.ClientError) as e:
            kinesis.get_records(ShardIterator=bad)
        assert error_code(e) == "InvalidArgumentException"


def test_unknown_shard(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.get_shard_iterator(StreamName=stream_name, ShardId="shardId-000000000009",
                                   ShardIteratorType="LATEST")
    assert error_code(e) == "ResourceNotFoundException"


def test_iterator_type_and_sequence_number_must_agree(kinesis, stream_name):
    kinesis.create_stream(StreamName=stream_name, ShardCount=1)
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.get_shard_iterator(StreamName=stream_name, ShardId="shardId-000000000000",
                                   ShardIteratorType="AT_SEQUENCE_NUMBER")
    assert error_code(e) == "InvalidArgumentException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        kinesis.get_shard_iterator(StreamName=stream_name, ShardId="shardId-000000000000",
                                   ShardIteratorType="LATEST", StartingSequenceNumber="1")
    assert error_code(e) == "InvalidArgumentException"


def test_oversized_body_is_rejected_and_the_server_lives_on(server, kinesis):
    status, body = server.raw(TARGET + "PutRecord", b"{" + b" " * (17 * 1024 * 1024) + b"}")
    assert status == 413
    assert body["__type"] == "SerializationException"
    assert "StreamNames" in kinesis.list_streams()


@pytest.mark.parametrize("target", [TARGET + "ListStreams", "DynamoDB_20120810.ListTables"])
def test_deeply_nested_json_is_refused_and_the_server_lives_on(server, kinesis, target):
    # Ten million '[' once overflowed the parser's stack and killed the server.
    for body in (b"[" * 10_000_000, b'{"a":' * 2_000_000):
        status, answer = server.raw(target, body)
        assert status == 400
        assert answer["__type"] == "SerializationException"
    assert "StreamNames" in kinesis.list_streams()


def test_responses_carry_a_request_id(server):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("POST", "/", body="{}", headers={
        "X-Amz-Target": TARGET + "ListStreams", "Content-Type": "application/x-amz-json-1.1"})
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 200
    assert len(resp.getheader("x-amzn-RequestId")) == 36
    assert resp.getheader("Content-Type") == "application/x-amz-json-1.1"
    conn.close()
