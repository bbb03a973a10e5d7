"""`eddy stream ...`: the CLI for people, against a running eddy, cross-checked with boto3."""
import base64
import datetime
import json
import os
import subprocess
import time

from conftest import EDDY_BIN


def eddy(server, *args, stdin=None, check=True):
    env = dict(os.environ, AWS_ENDPOINT_URL=server.endpoint, AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
               AWS_SECRET_ACCESS_KEY="secret", AWS_DEFAULT_REGION="us-east-1")
    out = subprocess.run([EDDY_BIN, "stream"] + list(args), input=stdin, env=env,
                         capture_output=True, timeout=60)
    if check and out.returncode != 0:
        raise AssertionError("eddy stream %s failed: %s" % (" ".join(args), out.stderr))
    return out


def tail_json(server, name, *args):
    out = eddy(server, "tail", name, "--no-follow", "--format", "json", *args)
    return [json.loads(line) for line in out.stdout.decode().splitlines()]


def test_create_list_describe_delete(server, kinesis, stream_name):
    out = eddy(server, "create", stream_name, "--shards", "3")
    assert b"ACTIVE" in out.stdout
    d = kinesis.describe_stream_summary(StreamName=stream_name)["StreamDescriptionSummary"]
    assert d["StreamStatus"] == "ACTIVE" and d["OpenShardCount"] == 3
    assert stream_name in eddy(server, "list").stdout.decode().split()
    described = eddy(server, "describe", stream_name).stdout.decode()
    assert "shardId-000000000002" in described and "open shards 3" in described
    eddy(server, "delete", stream_name)
    missing = eddy(server, "describe", stream_name, check=False)
    assert missing.returncode == 1
    assert b"ResourceNotFoundException" in missing.stderr


def test_put_lines_and_tail_them_back(server, kinesis, stream_name):
    eddy(server, "create", stream_name, "--shards", "2")
    lines = ["line %d \u00e9" % i for i in range(1200)]
    out = eddy(server, "put", stream_name, stdin=("\n".join(lines) + "\n").encode())
    assert b"1200 records put" in out.stdout
    records = tail_json(server, stream_name)
    assert len(records) == 1200
    got = sorted(base64.b64decode(r["data"]).decode() for r in records)
    assert got == sorted(lines)
    # Spread over both shards, and every sequence number is one boto3 agrees with.
    assert {r["shardId"] for r in records} == {"shardId-000000000000", "shardId-000000000001"}
    first = records[0]
    it = kinesis.get_shard_iterator(StreamName=stream_name, ShardId=first["shardId"],
                                    ShardIteratorType="AT_SEQUENCE_NUMBER",
                                    StartingSequenceNumber=first["sequenceNumber"])
    r = kinesis.get_records(ShardIterator=it["ShardIterator"], Limit=1)["Records"][0]
    assert base64.b64decode(first["data"]) == r["Data"]
    assert first["partitionKey"] == r["PartitionKey"]


def test_tail_from_a_time_and_from_a_sequence_number(server, kinesis, stream_name):
    eddy(server, "create", stream_name, "--shards", "2")
    for i in range(5):
        kinesis.put_record(StreamName=stream_name, Data=b"old-%d" % i, PartitionKey="k%d" % i)
    time.sleep(1.1)
    since = datetime.datetime.now(datetime.timezone.utc)
    time.sleep(0.05)
    seq = kinesis.put_record(StreamName=stream_name, Data=b"new-0", PartitionKey="k0")
    for i in range(1, 5):
        kinesis.put_record(StreamName=stream_name, Data=b"new-%d" % i, PartitionKey="k%d" % i)
    iso = since.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (since.microsecond // 1000)
    newer = tail_json(server, stream_name, "--from", iso)
    assert sorted(base64.b64decode(r["data"]) for r in newer) == [b"new-%d" % i for i in range(5)]
    # A local time without a zone means the same instant.
    local = since.astimezone().replace(tzinfo=None)
    local_iso = local.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (local.microsecond // 1000)
    assert len(tail_json(server, stream_name, "--from", local_iso)) == 5
    from_seq = tail_json(server, stream_name, "--from", seq["SequenceNumber"])
    assert sorted(base64.b64decode(r["data"]) for r in from_seq) == [b"new-%d" % i for i in range(5)]
    assert len(tail_json(server, stream_name, "--from", "LATEST")) == 0
    raw = eddy(server, "tail", stream_name, "--no-follow", "--format", "raw", "--max", "3")
    assert len(raw.stdout) > 0
    bad = eddy(server, "tail", stream_name, "--from", "yesterday-ish", check=False)
    assert bad.returncode == 1 and b"ISO-8601" in bad.stderr


def test_tail_follows_split_and_merge_in_per_key_order(server, kinesis, stream_name):
    eddy(server, "create", stream_name, "--shards", "1")
    keys = ["key-%d" % k for k in range(20)]
    sent = {k: [] for k in keys}

    def put_round(tag):
        for k in keys:
            data = ("%s-%s" % (k, tag)).encode()
            kinesis.put_record(StreamName=stream_name, Data=data, PartitionKey=k)
            sent[k].append(data)

    put_round(0)
    kinesis.split_shard(StreamName=stream_name, ShardToSplit="shardId-000000000000",
                        NewStartingHashKey=str(2 ** 127))
    put_round(1)
    kinesis.merge_shards(StreamName=stream_name, ShardToMerge="shardId-000000000001",
                         AdjacentShardToMerge="shardId-000000000002")
    put_round(2)
    records = tail_json(server, stream_name)
    assert len(records) == 60
    seen = {k: [] for k in keys}
    for r in records:
        seen[r["partitionKey"]].append(base64.b64decode(r["data"]))
    assert seen == sent  # every record once, each key in the order written
    shard_order = []
    for r in records:
        if not shard_order or shard_order[-1] != r["shardId"]:
            shard_order.append(r["shardId"])
    assert shard_order[0] == "shardId-000000000000"
    assert shard_order[-1] == "shardId-000000000003"
