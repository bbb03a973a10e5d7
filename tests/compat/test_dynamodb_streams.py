"""DynamoDB Streams with boto3 and the aws CLI: StreamSpecification on CreateTable / UpdateTable,
the records each write makes (and the no-ops that make none) under every view type, batches and
transactions, the stream lifecycle, ListStreams / DescribeStream paging and CHILD_SHARDS, a
consumer following shard lineage across rollovers, the four iterator types (also across a
restart), AWS's errors, TTL deletions and the aws CLI."""
import datetime
import itertools
import json
import re
import shutil
import tempfile
import threading
import time

import pytest
from botocore.exceptions import ClientError

from conftest import EddyServer

_names = itertools.count()

VIEWS = ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]
ARN_PATTERN = re.compile(r"^arn:aws:dynamodb:us-east-1:000000000000:table/(.+)/stream/"
                         r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})$")
LABEL_PATTERN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$")
JSON_1_0 = "application/x-amz-json-1.0"


@pytest.fixture
def ddb(server):
    return server.client("dynamodb")


@pytest.fixture
def streams(server):
    return server.client("dynamodbstreams")


@pytest.fixture
def table_name(request):
    safe = "".join(c if c.isalnum() or c in "_.-" else "-" for c in request.node.name[:40])
    return "str-%s-%d" % (safe, next(_names))


@pytest.fixture
def fast_server():
    """A server of the test's own whose stream shards roll over every 300 ms."""
    data_dir = tempfile.mkdtemp(prefix="eddy-compat-")
    s = EddyServer(data_dir, "--stream-shard-interval-ms", "300", "--ttl-interval-ms", "50")
    s.start()
    yield s
    s.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def s(value):
    return {"S": value}


def n(value):
    return {"N": str(value)}


def create(ddb, name, view=None, sort=True):
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    key = [{"AttributeName": "pk", "KeyType": "HASH"}]
    if sort:
        attributes.append({"AttributeName": "sk", "AttributeType": "N"})
        key.append({"AttributeName": "sk", "KeyType": "RANGE"})
    extra = {}
    if view:
        extra["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
    return ddb.create_table(TableName=name, AttributeDefinitions=attributes, KeySchema=key,
                            BillingMode="PAY_PER_REQUEST", **extra)["TableDescription"]


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def raw_streams(server, operation, body):
    """A DynamoDB Streams call sent unvalidated (botocore checks some limits itself, and this
    botocore predates ShardFilter). Returns (status, parsed body)."""
    return server.raw("DynamoDBStreams_20120810." + operation, json.dumps(body), JSON_1_0)


def error_type(body):
    return body["__type"].split("#")[-1]


def shards_of(streams, arn):
    return streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]


def child_shards(server, arn, parent):
    status, body = raw_streams(server, "DescribeStream", {
        "StreamArn": arn, "ShardFilter": {"Type": "CHILD_SHARDS", "ShardId": parent}})
    assert status == 200, body
    return body["StreamDescription"]["Shards"]


def drain(streams, iterator, limit=None):
    """Reads from `iterator` until a read comes back empty (open shard) or without a next
    iterator (closed shard read to its end). Returns (records, last next iterator or None)."""
    records = []
    while True:
        kwargs = dict(Limit=limit) if limit else {}
        out = streams.get_records(ShardIterator=iterator, **kwargs)
        records += out["Records"]
        if "NextShardIterator" not in out:
            return records, None
        iterator = out["NextShardIterator"]
        assert iterator
        if not out["Records"]:
            return records, iterator


def read_stream(streams, arn):
    """Every record of the stream, shard after shard from TRIM_HORIZON."""
    records = []
    for shard in shards_of(streams, arn):
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records += drain(streams, iterator)[0]
    return records


def stream_arn(ddb, table):
    return ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]


# ---------------------------------------------------------------------------------------------
# 1. The golden sequence: one record per real change, none for a no-op.

def expected_golden_records():
    """(eventName, Keys, NewImage, OldImage) for the writes of run_golden_sequence."""
    k1 = {"pk": s("a"), "sk": n(1)}
    k2 = {"pk": s("b"), "sk": n(2)}
    k3 = {"pk": s("c"), "sk": n(3)}
    m = {"M": {"one": n(1), "two": s("2"), "three": {"L": [n(3), {"BOOL": True}]}}}
    return [
        ("INSERT", k1, dict(k1, x=n(1), tag=s("first")), None),
        ("MODIFY", k1, dict(k1, y=n(2)), dict(k1, x=n(1), tag=s("first"))),
        ("REMOVE", k1, None, dict(k1, y=n(2))),
        ("INSERT", k2, dict(k2, x=n(3)), None),
        ("MODIFY", k2, dict(k2, x=n(4), g2=s("set")), dict(k2, x=n(3))),
        ("MODIFY", k2, dict(k2, x=n(5), m=m), dict(k2, x=n(4), g2=s("set"))),
        ("INSERT", k3, dict(k3), None),
    ]


def run_golden_sequence(ddb, table):
    k1 = {"pk": s("a"), "sk": n(1)}
    k2 = {"pk": s("b"), "sk": n(2)}
    k3 = {"pk": s("c"), "sk": n(3)}
    ddb.put_item(TableName=table, Item=dict(k1, x=n(1), tag=s("first")))   # INSERT
    ddb.put_item(TableName=table, Item=dict(k1, tag=s("first"), x=n("1.0")))  # identical: none
    ddb.put_item(TableName=table, Item=dict(k1, y=n(2)))                   # MODIFY
    ddb.delete_item(TableName=table, Key=k1)                               # REMOVE
    ddb.delete_item(TableName=table, Key=k1)                               # missing: none
    ddb.update_item(TableName=table, Key=k2, UpdateExpression="SET x = :v",
                    ExpressionAttributeValues={":v": n(3)})                # INSERT
    ddb.update_item(TableName=table, Key=k2, UpdateExpression="SET x = :v, g2 = :g",
                    ExpressionAttributeValues={":v": n(4), ":g": s("set")})  # MODIFY
    m = {"M": {"one": n(1), "two": s("2"), "three": {"L": [n(3), {"BOOL": True}]}}}
    out = ddb.batch_write_item(RequestItems={table: [
        {"PutRequest": {"Item": dict(k2, x=n(5), m=m)}}]})                 # MODIFY
    assert out["UnprocessedItems"] == {}
    ddb.put_item(TableName=table, Item=dict(k3))                           # key-only INSERT
    ddb.put_item(TableName=table, Item=dict(k3))                           # same: none
    ddb.update_item(TableName=table, Key=k3, UpdateExpression="REMOVE g")  # missing attr: none
    code, _ = error_of(ddb.put_item, TableName=table, Item=dict(k3, z=n(1)),
                       ConditionExpression="attribute_not_exists(pk)")     # refused: none
    assert code == "ConditionalCheckFailedException"
    reordered = {"M": {"three": {"L": [n(3), {"BOOL": True}]}, "two": s("2"), "one": n(1)}}
    ddb.put_item(TableName=table, Item=dict(k2, m=reordered, x=n(5)))      # equal map: none


@pytest.mark.parametrize("view", VIEWS)
def test_golden_sequence_records_and_images(ddb, streams, table_name, view):
    description = create(ddb, table_name, view=view)
    arn = description["LatestStreamArn"]
    before = time.time()
    run_golden_sequence(ddb, table_name)
    records = read_stream(streams, arn)
    expected = expected_golden_records()
    assert [r["eventName"] for r in records] == [e[0] for e in expected]
    show_new = view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
    show_old = view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES")
    for record, (event, keys, new, old) in zip(records, expected):
        assert record["eventSource"] == "aws:dynamodb"
        assert record["eventVersion"] in ("1.0", "1.1")
        assert record["awsRegion"] == "us-east-1"
        assert "userIdentity" not in record
        body = record["dynamodb"]
        assert body["StreamViewType"] == view
        assert body["Keys"] == keys
        if show_new and new is not None:
            assert body["NewImage"] == new, event
        else:
            assert "NewImage" not in body, event
        if show_old and old is not None:
            assert body["OldImage"] == old, event
        else:
            assert "OldImage" not in body, event
        assert re.fullmatch(r"\d{21}", body["SequenceNumber"])
        assert body["SizeBytes"] >= 1
        created = body["ApproximateCreationDateTime"]
        assert isinstance(created, datetime.datetime)
        assert before - 2 <= created.timestamp() <= time.time() + 1
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequence == sorted(set(sequence))  # strictly increasing
    assert len({r["eventID"] for r in records}) == len(records)
    # SizeBytes counts what the record shows: a MODIFY with an image outweighs the key-only
    # INSERT.
    if view != "KEYS_ONLY":
        assert records[1]["dynamodb"]["SizeBytes"] > records[6]["dynamodb"]["SizeBytes"]


# ---------------------------------------------------------------------------------------------
# 2. Batches and transactions: a record per item.

def test_batch_and_transaction_items_each_get_a_record(ddb, streams, table_name):
    arn = create(ddb, table_name, view="NEW_AND_OLD_IMAGES", sort=False)["LatestStreamArn"]
    ddb.put_item(TableName=table_name, Item={"pk": s("gone"), "v": n(0)})
    ddb.put_item(TableName=table_name, Item={"pk": s("kept"), "v": n(0)})
    out = ddb.batch_write_item(RequestItems={table_name: [
        {"PutRequest": {"Item": {"pk": s("b%d" % i), "v": n(i)}}} for i in range(4)] + [
        {"DeleteRequest": {"Key": {"pk": s("gone")}}},
        {"DeleteRequest": {"Key": {"pk": s("never-there")}}}]})
    assert out["UnprocessedItems"] == {}
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table_name, "Item": {"pk": s("t1"), "v": n(1)}}},
        {"Update": {"TableName": table_name, "Key": {"pk": s("b0")},
                    "UpdateExpression": "SET v = v + :one",
                    "ExpressionAttributeValues": {":one": n(1)}}},
        {"Delete": {"TableName": table_name, "Key": {"pk": s("b1")}}},
        {"ConditionCheck": {"TableName": table_name, "Key": {"pk": s("kept")},
                            "ConditionExpression": "attribute_exists(pk)"}}])
    records = read_stream(streams, arn)
    summary = [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records]
    assert summary[:2] == [("INSERT", "gone"), ("INSERT", "kept")]
    # No order is promised across the items of one batch or one transaction.
    assert sorted(summary[2:7]) == sorted(
        [("INSERT", "b%d" % i) for i in range(4)] + [("REMOVE", "gone")])
    assert sorted(summary[7:]) == sorted([("INSERT", "t1"), ("MODIFY", "b0"), ("REMOVE", "b1")])
    by_key = {(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]): r["dynamodb"]
              for r in records}
    assert by_key[("MODIFY", "b0")]["OldImage"] == {"pk": s("b0"), "v": n(0)}
    assert by_key[("MODIFY", "b0")]["NewImage"] == {"pk": s("b0"), "v": n(1)}
    assert by_key[("REMOVE", "b1")]["OldImage"] == {"pk": s("b1"), "v": n(1)}
    assert by_key[("REMOVE", "gone")]["OldImage"] == {"pk": s("gone"), "v": n(0)}
    # A cancelled transaction writes nothing, so it adds no record.
    code, _ = error_of(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": table_name, "Item": {"pk": s("t2"), "v": n(2)}}},
        {"ConditionCheck": {"TableName": table_name, "Key": {"pk": s("nobody")},
                            "ConditionExpression": "attribute_exists(pk)"}}])
    assert code == "TransactionCanceledException"
    assert len(read_stream(streams, arn)) == len(records)


# ---------------------------------------------------------------------------------------------
# 3. Lifecycle: enable, refuse, disable, re-enable.

def test_stream_specification_lifecycle_and_errors(server, ddb, streams, table_name):
    description = create(ddb, table_name, view="NEW_IMAGE")
    assert description["StreamSpecification"] == {"StreamEnabled": True,
                                                  "StreamViewType": "NEW_IMAGE"}
    first_arn = description["LatestStreamArn"]
    first_label = description["LatestStreamLabel"]
    assert ARN_PATTERN.match(first_arn).groups() == (table_name, first_label)
    assert LABEL_PATTERN.match(first_label)
    table = ddb.describe_table(TableName=table_name)["Table"]
    assert table["StreamSpecification"] == description["StreamSpecification"]
    assert (table["LatestStreamArn"], table["LatestStreamLabel"]) == (first_arn, first_label)

    for view in ("NEW_IMAGE", "KEYS_ONLY"):  # again, or another view type while enabled
        code, message = error_of(ddb.update_table, TableName=table_name, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": view})
        assert (code, message) == ("ValidationException",
                                   "Table already has an enabled stream: TableName: " +
                                   table_name)
    code, _ = error_of(ddb.update_table, TableName=table_name,
                       StreamSpecification={"StreamEnabled": True})
    assert code == "ValidationException"
    assert stream_arn(ddb, table_name) == first_arn

    # StreamEnabled without a view type on CreateTable: refused, no table.
    other = table_name + "-x"
    code, _ = error_of(ddb.create_table, TableName=other,
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                       KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       BillingMode="PAY_PER_REQUEST",
                       StreamSpecification={"StreamEnabled": True})
    assert code == "ValidationException"
    assert other not in ddb.list_tables()["TableNames"]
    # Disabling a stream that a table never had.
    create(ddb, other)
    plain = ddb.describe_table(TableName=other)["Table"]
    assert "LatestStreamArn" not in plain and "StreamSpecification" not in plain
    code, message = error_of(ddb.update_table, TableName=other,
                             StreamSpecification={"StreamEnabled": False})
    assert code == "ValidationException"
    assert "stream" in message.lower()
    assert streams.list_streams(TableName=other)["Streams"] == []

    key = {"pk": s("k"), "sk": n(1)}
    ddb.put_item(TableName=table_name, Item=dict(key, v=n(1)))
    ddb.update_table(TableName=table_name, StreamSpecification={"StreamEnabled": False})
    # Disabled: no longer enabled, but still the latest stream, listed and readable.
    table = ddb.describe_table(TableName=table_name)["Table"]
    assert table.get("StreamSpecification", {}).get("StreamEnabled", False) is False
    assert table["LatestStreamArn"] == first_arn
    code, _ = error_of(ddb.update_table, TableName=table_name,
                       StreamSpecification={"StreamEnabled": False})
    assert code == "ValidationException"
    ddb.put_item(TableName=table_name, Item=dict(key, v=n(2)))  # while disabled: no record

    old = streams.describe_stream(StreamArn=first_arn)["StreamDescription"]
    assert old["StreamStatus"] == "DISABLED"
    assert old["StreamViewType"] == "NEW_IMAGE"
    assert old["TableName"] == table_name
    assert old["Shards"] and all("EndingSequenceNumber" in shard["SequenceNumberRange"]
                                 for shard in old["Shards"])
    records = read_stream(streams, first_arn)
    assert [(r["eventName"], r["dynamodb"]["NewImage"]["v"]) for r in records] == [
        ("INSERT", n(1))]
    last = old["Shards"][-1]
    iterator = streams.get_shard_iterator(StreamArn=first_arn, ShardId=last["ShardId"],
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    out = streams.get_records(ShardIterator=iterator)
    assert "NextShardIterator" not in out  # closed, and read to its end

    response = ddb.update_table(TableName=table_name, StreamSpecification={
        "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})["TableDescription"]
    second_arn = response["LatestStreamArn"]
    assert second_arn != first_arn
    assert response["LatestStreamLabel"] != first_label
    assert ARN_PATTERN.match(second_arn).groups() == (table_name, response["LatestStreamLabel"])
    assert response["StreamSpecification"] == {"StreamEnabled": True,
                                               "StreamViewType": "KEYS_ONLY"}
    listed = streams.list_streams(TableName=table_name)["Streams"]
    assert sorted(x["StreamArn"] for x in listed) == sorted([first_arn, second_arn])
    assert all(x["TableName"] == table_name for x in listed)
    assert {x["StreamArn"]: x["StreamLabel"] for x in listed}[second_arn] == \
        response["LatestStreamLabel"]
    assert streams.describe_stream(StreamArn=first_arn)["StreamDescription"][
        "StreamStatus"] == "DISABLED"
    new = streams.describe_stream(StreamArn=second_arn)["StreamDescription"]
    assert new["StreamStatus"] == "ENABLED" and new["StreamViewType"] == "KEYS_ONLY"
    assert "EndingSequenceNumber" not in new["Shards"][-1]["SequenceNumberRange"]
    assert read_stream(streams, second_arn) == []  # the write made while disabled is nowhere
    ddb.put_item(TableName=table_name, Item=dict(key, v=n(3)))
    records = read_stream(streams, second_arn)
    assert [r["eventName"] for r in records] == ["MODIFY"]
    assert records[0]["dynamodb"]["Keys"] == key
    assert records[0]["dynamodb"]["StreamViewType"] == "KEYS_ONLY"
    assert "NewImage" not in records[0]["dynamodb"] and "OldImage" not in records[0]["dynamodb"]
    assert len(read_stream(streams, first_arn)) == 1  # the old stream takes nothing new


def test_deleting_the_table_leaves_its_stream_disabled_and_readable(fresh_server, table_name):
    # AWS's DeleteTable: the stream goes DISABLED and is deleted after 24 hours.
    fresh_server.start()
    ddb = fresh_server.client("dynamodb")
    streams = fresh_server.client("dynamodbstreams")
    arn = create(ddb, table_name, view="NEW_IMAGE", sort=False)["LatestStreamArn"]
    ddb.put_item(TableName=table_name, Item={"pk": s("a"), "v": n(1)})
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shards_of(streams, arn)[0]["ShardId"],
        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    ddb.delete_table(TableName=table_name)
    described = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert described["StreamStatus"] == "DISABLED"
    assert all("EndingSequenceNumber" in shard["SequenceNumberRange"]
               for shard in described["Shards"])
    records = read_stream(streams, arn)
    assert [(r["eventName"], r["dynamodb"]["NewImage"]) for r in records] == [
        ("INSERT", {"pk": s("a"), "v": n(1)})]
    # An iterator taken before the deletion reads on, to the closed shard's end.
    got = streams.get_records(ShardIterator=iterator)
    assert [r["eventName"] for r in got["Records"]] == ["INSERT"]
    assert "NextShardIterator" not in got
    assert arn in [x["StreamArn"] for x in streams.list_streams()["Streams"]]
    assert arn in [x["StreamArn"] for x in streams.list_streams(TableName=table_name)["Streams"]]
    # A table re-created under the name has a stream of its own; both are listed, and the old
    # one still holds only the old table's record.
    new_arn = create(ddb, table_name, view="NEW_IMAGE", sort=False)["LatestStreamArn"]
    assert new_arn != arn
    ddb.put_item(TableName=table_name, Item={"pk": s("b"), "v": n(2)})
    listed = [x["StreamArn"] for x in streams.list_streams(TableName=table_name)["Streams"]]
    assert sorted(listed) == sorted([arn, new_arn])
    assert [r["dynamodb"]["Keys"] for r in read_stream(streams, arn)] == [{"pk": s("a")}]
    assert [r["dynamodb"]["Keys"] for r in read_stream(streams, new_arn)] == [{"pk": s("b")}]
    # It survives a restart.
    fresh_server.stop()
    fresh_server.start()
    streams = fresh_server.client("dynamodbstreams")
    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == \
        "DISABLED"
    assert [r["dynamodb"]["Keys"] for r in read_stream(streams, arn)] == [{"pk": s("a")}]


# ---------------------------------------------------------------------------------------------
# 4. ListStreams / DescribeStream paging, and CHILD_SHARDS.

def wait_for_shards(ddb, streams, table, arn, count, deadline_s=15):
    """Writes an item every 100 ms until the stream has `count` shards, then lets the last
    rollover settle (a shard only closes once it holds a change)."""
    deadline = time.time() + deadline_s
    i = 0
    while len(shards_of(streams, arn)) < count:
        assert time.time() < deadline, "the stream did not roll over to %d shards" % count
        ddb.put_item(TableName=table, Item={"pk": s("w%d" % i), "sk": n(i)})
        i += 1
        time.sleep(0.1)
    time.sleep(1.0)
    return shards_of(streams, arn), i


def test_list_streams_and_describe_stream_pages_and_child_shards(fast_server, table_name):
    ddb = fast_server.client("dynamodb")
    streams = fast_server.client("dynamodbstreams")
    names = ["%s-%d" % (table_name, i) for i in range(3)]
    arns = [create(ddb, name, view="KEYS_ONLY")["LatestStreamArn"] for name in names]
    create(ddb, table_name + "-nostream")
    everything = streams.list_streams()["Streams"]
    assert "LastEvaluatedStreamArn" not in streams.list_streams()
    assert [x["StreamArn"] for x in everything] == arns  # one table each, sorted by name
    assert [x["TableName"] for x in everything] == names
    assert all(ARN_PATTERN.match(x["StreamArn"]).group(2) == x["StreamLabel"]
               for x in everything)
    first = streams.list_streams(Limit=1)
    assert first["Streams"] == everything[:1]
    assert first["LastEvaluatedStreamArn"] == arns[0]
    paged, start = [], None
    while True:
        kwargs = dict(ExclusiveStartStreamArn=start) if start else {}
        page = streams.list_streams(Limit=2, **kwargs)
        assert len(page["Streams"]) <= 2
        paged += page["Streams"]
        start = page.get("LastEvaluatedStreamArn")
        if not start:
            break
    assert paged == everything
    assert streams.list_streams(TableName=names[1])["Streams"] == everything[1:2]
    assert streams.list_streams(TableName=table_name + "-nostream")["Streams"] == []

    shards, writes = wait_for_shards(ddb, streams, names[0], arns[0], 3)
    assert len(shards) >= 3
    ids = [shard["ShardId"] for shard in shards]
    assert ids == sorted(ids)
    assert all(re.fullmatch(r"shardId-\d{20}-[0-9a-f]{8}", i) for i in ids)
    assert "ParentShardId" not in shards[0]
    for parent, child in zip(shards, shards[1:]):
        assert child["ParentShardId"] == parent["ShardId"]
        ending = int(parent["SequenceNumberRange"]["EndingSequenceNumber"])
        assert int(parent["SequenceNumberRange"]["StartingSequenceNumber"]) <= ending
        assert int(child["SequenceNumberRange"]["StartingSequenceNumber"]) > ending
    assert "EndingSequenceNumber" not in shards[-1]["SequenceNumberRange"]
    # Every write is in exactly one shard.
    assert len(read_stream(streams, arns[0])) == writes

    described = streams.describe_stream(StreamArn=arns[0], Limit=1)["StreamDescription"]
    assert described["Shards"] == shards[:1]
    assert described["LastEvaluatedShardId"] == ids[0]
    assert described["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                      {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert described["StreamStatus"] == "ENABLED"
    paged, start = [], None
    while True:
        kwargs = dict(ExclusiveStartShardId=start) if start else {}
        page = streams.describe_stream(StreamArn=arns[0], Limit=2, **kwargs)["StreamDescription"]
        assert len(page["Shards"]) <= 2
        paged += page["Shards"]
        start = page.get("LastEvaluatedShardId")
        if not start:
            break
    assert paged == shards
    rest = streams.describe_stream(StreamArn=arns[0], ExclusiveStartShardId=ids[-2])
    assert rest["StreamDescription"]["Shards"] == shards[-1:]
    assert "LastEvaluatedShardId" not in rest["StreamDescription"]

    for parent, child in zip(shards, shards[1:]):
        assert child_shards(fast_server, arns[0], parent["ShardId"]) == [child]
    assert child_shards(fast_server, arns[0], ids[-1]) == []
    # The other streams never rolled: no change, no new shard.
    assert len(shards_of(streams, arns[1])) == 1


# ---------------------------------------------------------------------------------------------
# 5. A consumer following the shard lineage while shards roll over under a writer.

def test_consumer_follows_lineage_across_rollovers(fast_server, table_name):
    ddb = fast_server.client("dynamodb")
    streams = fast_server.client("dynamodbstreams")
    arn = create(ddb, table_name, view="NEW_IMAGE", sort=False)["LatestStreamArn"]
    writes, items = 300, 10
    done = threading.Event()
    failure = []

    def writer():
        client = fast_server.client("dynamodb")
        try:
            for i in range(writes):
                client.update_item(TableName=table_name, Key={"pk": s("item%d" % (i % items))},
                                   UpdateExpression="ADD n :one",
                                   ExpressionAttributeValues={":one": n(1)})
                time.sleep(0.006)
        except Exception as e:  # reported by the main thread
            failure.append(e)
        finally:
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        roots = [x for x in shards_of(streams, arn) if "ParentShardId" not in x]
        assert len(roots) == 1
        queue = [roots[0]["ShardId"]]
        records, visited, closed_ends = [], [], 0
        deadline = time.time() + 30
        while queue:
            shard_id = queue.pop(0)
            visited.append(shard_id)
            iterator = streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            finished = False
            while True:
                assert time.time() < deadline, "the consumer did not catch up"
                writer_done = done.is_set()
                out = streams.get_records(ShardIterator=iterator, Limit=7)
                records += out["Records"]
                if "NextShardIterator" not in out:
                    closed_ends += 1
                    break  # closed and drained: on to the children
                iterator = out["NextShardIterator"]
                if not out["Records"]:
                    if writer_done:
                        finished = True  # an open shard, empty after the last write
                        break
                    time.sleep(0.02)
            if finished:
                break
            children = child_shards(fast_server, arn, shard_id)
            assert len(children) == 1
            queue.append(children[0]["ShardId"])
    finally:
        thread.join()
    assert not failure
    assert closed_ends >= 2, "too few rollovers happened while writing"
    all_shards = [x["ShardId"] for x in shards_of(streams, arn)]
    assert visited == all_shards[:len(visited)]
    assert len(records) == writes
    assert len({r["dynamodb"]["SequenceNumber"] for r in records}) == writes
    seen = {}
    for r in records:
        key = r["dynamodb"]["Keys"]["pk"]["S"]
        seen.setdefault(key, []).append(r)
    assert sorted(seen) == sorted("item%d" % i for i in range(items))
    for key, its in seen.items():
        assert [int(r["dynamodb"]["NewImage"]["n"]["N"]) for r in its] == \
            list(range(1, len(its) + 1)), key
        assert [r["eventName"] for r in its] == ["INSERT"] + ["MODIFY"] * (len(its) - 1)
        assert len(its) == writes // items


# ---------------------------------------------------------------------------------------------
# 6. Iterator types, Limit, and iterators that outlive the server process.

def test_iterator_types_limit_and_restart(fresh_server, table_name):
    fresh_server.start()
    ddb = fresh_server.client("dynamodb")
    streams = fresh_server.client("dynamodbstreams")
    arn = create(ddb, table_name, view="NEW_IMAGE", sort=False)["LatestStreamArn"]
    (shard,) = shards_of(streams, arn)
    shard_id = shard["ShardId"]

    def iterator(kind, sequence=None):
        kwargs = dict(SequenceNumber=sequence) if sequence else {}
        return streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id,
                                          ShardIteratorType=kind, **kwargs)["ShardIterator"]

    def values(records):
        return [int(r["dynamodb"]["NewImage"]["v"]["N"]) for r in records]

    latest_empty = iterator("LATEST")  # taken while the stream is empty
    for i in range(5):
        ddb.put_item(TableName=table_name, Item={"pk": s("k%d" % i), "v": n(i)})
    records, _ = drain(streams, iterator("TRIM_HORIZON"))
    assert values(records) == [0, 1, 2, 3, 4]
    assert values(drain(streams, latest_empty)[0]) == [0, 1, 2, 3, 4]
    third = records[2]["dynamodb"]["SequenceNumber"]
    assert shard["SequenceNumberRange"]["StartingSequenceNumber"] <= records[0]["dynamodb"][
        "SequenceNumber"]
    assert values(drain(streams, iterator("AT_SEQUENCE_NUMBER", third))[0]) == [2, 3, 4]
    assert values(drain(streams, iterator("AFTER_SEQUENCE_NUMBER", third))[0]) == [3, 4]
    last = records[-1]["dynamodb"]["SequenceNumber"]
    assert values(drain(streams, iterator("AFTER_SEQUENCE_NUMBER", last))[0]) == []

    # GetRecords Limit: pages of two, each continuing where the last stopped.
    out = streams.get_records(ShardIterator=iterator("TRIM_HORIZON"), Limit=2)
    assert values(out["Records"]) == [0, 1]
    out = streams.get_records(ShardIterator=out["NextShardIterator"], Limit=2)
    assert values(out["Records"]) == [2, 3]
    out = streams.get_records(ShardIterator=out["NextShardIterator"], Limit=2)
    assert values(out["Records"]) == [4]
    tail = out["NextShardIterator"]
    out = streams.get_records(ShardIterator=tail)
    assert out["Records"] == [] and out["NextShardIterator"]  # open shard: always a next one

    latest = iterator("LATEST")
    assert streams.get_records(ShardIterator=latest)["Records"] == []
    ddb.put_item(TableName=table_name, Item={"pk": s("k5"), "v": n(5)})
    ddb.put_item(TableName=table_name, Item={"pk": s("k6"), "v": n(6)})
    assert values(drain(streams, latest)[0]) == [5, 6]
    at_third = iterator("AT_SEQUENCE_NUMBER", third)
    after_all = drain(streams, iterator("TRIM_HORIZON"))[1]

    fresh_server.stop()
    fresh_server.start()
    ddb = fresh_server.client("dynamodb")
    streams = fresh_server.client("dynamodbstreams")
    assert stream_arn(ddb, table_name) == arn
    ddb.put_item(TableName=table_name, Item={"pk": s("k7"), "v": n(7)})
    assert values(drain(streams, at_third)[0]) == [2, 3, 4, 5, 6, 7]
    assert values(drain(streams, after_all)[0]) == [7]
    assert values(drain(streams, tail)[0]) == [5, 6, 7]
    records, _ = drain(streams, iterator("TRIM_HORIZON"))
    assert values(records) == list(range(8))
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequence == sorted(set(sequence))
    assert len({r["eventID"] for r in records}) == 8


# ---------------------------------------------------------------------------------------------
# 7. AWS's errors.

MISSING_TABLE_ARN = ("arn:aws:dynamodb:us-east-1:000000000000:table/no-such-table-here/stream/"
                     "2020-01-01T00:00:00.000")
GARBAGE_ARN = "this-is-not-a-stream-arn-at-all-just-text"
UNKNOWN_SHARD = "shardId-00000000000000000001-00000000"


def test_streams_errors(server, ddb, streams, table_name):
    arn = create(ddb, table_name, view="KEYS_ONLY", sort=False)["LatestStreamArn"]
    ddb.put_item(TableName=table_name, Item={"pk": s("a")})
    (shard,) = shards_of(streams, arn)
    shard_id = shard["ShardId"]
    (record,) = read_stream(streams, arn)
    sequence = record["dynamodb"]["SequenceNumber"]

    def raw_error(operation, body):
        status, out = raw_streams(server, operation, body)
        assert status == 400, (operation, body, out)
        return error_type(out)

    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    for limit in (0, -1, 1001):
        assert raw_error("GetRecords", {"ShardIterator": iterator, "Limit": limit}) == \
            "ValidationException"
    assert len(streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]) == 1
    for limit in (0, 101):
        assert raw_error("ListStreams", {"Limit": limit}) == "ValidationException"
        assert raw_error("DescribeStream", {"StreamArn": arn, "Limit": limit}) == \
            "ValidationException"
    assert streams.list_streams(Limit=100)["Streams"]

    for garbage in ("garbage", iterator[:-6] + "AAAAAA", arn + "|1|AAAAAAAAAAAAAAAA"):
        code, _ = error_of(streams.get_records, ShardIterator=garbage)
        assert code == "ValidationException", garbage

    code, _ = error_of(streams.describe_stream, StreamArn=GARBAGE_ARN)
    assert code == "ValidationException"
    code, _ = error_of(streams.get_shard_iterator, StreamArn=GARBAGE_ARN, ShardId=shard_id,
                       ShardIteratorType="TRIM_HORIZON")
    assert code == "ValidationException"
    code, _ = error_of(streams.describe_stream, StreamArn=MISSING_TABLE_ARN)
    assert code == "ResourceNotFoundException"
    code, _ = error_of(streams.get_shard_iterator, StreamArn=MISSING_TABLE_ARN, ShardId=shard_id,
                       ShardIteratorType="TRIM_HORIZON")
    assert code == "ResourceNotFoundException"
    wrong_label = arn.rsplit("/", 1)[0] + "/2001-02-03T04:05:06.789"
    code, _ = error_of(streams.describe_stream, StreamArn=wrong_label)
    assert code == "ResourceNotFoundException"
    code, _ = error_of(streams.get_shard_iterator, StreamArn=arn, ShardId=UNKNOWN_SHARD,
                       ShardIteratorType="TRIM_HORIZON")
    assert code == "ResourceNotFoundException"

    for kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        code, _ = error_of(streams.get_shard_iterator, StreamArn=arn, ShardId=shard_id,
                           ShardIteratorType=kind)
        assert code == "ValidationException", kind
        assert streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id,
                                          ShardIteratorType=kind, SequenceNumber=sequence)
    for kind in ("TRIM_HORIZON", "LATEST"):
        code, _ = error_of(streams.get_shard_iterator, StreamArn=arn, ShardId=shard_id,
                           ShardIteratorType=kind, SequenceNumber=sequence)
        assert code == "ValidationException", kind
    assert raw_error("GetShardIterator", {"StreamArn": arn, "ShardId": shard_id,
                                          "ShardIteratorType": "SOMEWHERE"}) == \
        "ValidationException"
    # Nothing above disturbed the stream.
    assert read_stream(streams, arn) == [record]


# ---------------------------------------------------------------------------------------------
# 8. TTL deletions.

def test_ttl_deletions_carry_the_service_identity(fresh_server, table_name):
    fresh_server.extra_args = ["--ttl-interval-ms", "100"]
    fresh_server.start()
    ddb = fresh_server.client("dynamodb")
    streams = fresh_server.client("dynamodbstreams")
    arn = create(ddb, table_name, view="NEW_AND_OLD_IMAGES", sort=False)["LatestStreamArn"]
    ddb.update_time_to_live(TableName=table_name, TimeToLiveSpecification={
        "Enabled": True, "AttributeName": "expires_at"})
    now = int(time.time())
    expired = {"pk": s("old"), "expires_at": n(now - 60)}
    ddb.put_item(TableName=table_name, Item=expired)
    ddb.put_item(TableName=table_name, Item={"pk": s("new"), "expires_at": n(now + 3600)})
    ddb.put_item(TableName=table_name, Item={"pk": s("mine"), "expires_at": n(now + 3600)})
    ddb.delete_item(TableName=table_name, Key={"pk": s("mine")})
    deadline = time.time() + 10
    records = []
    while time.time() < deadline and len(records) < 5:
        time.sleep(0.1)
        records = read_stream(streams, arn)
    assert len(records) == 5
    removes = {r["dynamodb"]["Keys"]["pk"]["S"]: r for r in records if r["eventName"] == "REMOVE"}
    assert sorted(removes) == ["mine", "old"]
    ttl = removes["old"]
    assert ttl["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
    assert ttl["dynamodb"]["OldImage"] == expired
    assert "NewImage" not in ttl["dynamodb"]
    assert "userIdentity" not in removes["mine"]
    assert all("userIdentity" not in r for r in records if r["eventName"] == "INSERT")
    assert "Item" in ddb.get_item(TableName=table_name, Key={"pk": s("new")})


# ---------------------------------------------------------------------------------------------
# 9. The aws CLI.

def test_aws_cli_dynamodbstreams(server, ddb, table_name):
    arn = create(ddb, table_name, view="NEW_AND_OLD_IMAGES", sort=False)["LatestStreamArn"]
    ddb.put_item(TableName=table_name, Item={"pk": s("cli"), "n": n(7)})
    listed = server.aws("dynamodbstreams", "list-streams", "--table-name", table_name)
    assert listed["Streams"] == [{"StreamArn": arn, "TableName": table_name,
                                  "StreamLabel": ARN_PATTERN.match(arn).group(2)}]
    described = server.aws("dynamodbstreams", "describe-stream", "--stream-arn", arn)[
        "StreamDescription"]
    assert described["StreamArn"] == arn
    assert described["StreamStatus"] == "ENABLED"
    assert described["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert described["TableName"] == table_name
    assert described["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    (shard,) = described["Shards"]
    iterator = server.aws("dynamodbstreams", "get-shard-iterator", "--stream-arn", arn,
                          "--shard-id", shard["ShardId"], "--shard-iterator-type",
                          "TRIM_HORIZON")["ShardIterator"]
    got = server.aws("dynamodbstreams", "get-records", "--shard-iterator", iterator)
    (record,) = got["Records"]
    assert record["eventName"] == "INSERT"
    assert record["dynamodb"]["NewImage"] == {"pk": s("cli"), "n": n(7)}
    assert got["NextShardIterator"]
