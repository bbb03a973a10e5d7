"""SIGKILL `eddy serve` under concurrent DynamoDB writes, restart it, and check:
- every acknowledged write is what GetItem returns, unless a later write of the same item was
  in flight at the kill (then either is allowed);
- the table's change records hold, per item, exactly the acknowledged versions in the order
  they were acknowledged (plus, at most once each, writes that were in flight at a kill), each
  record's old image is the item's previous version, INSERT and MODIFY are decided by whether
  the item existed, and no record exists for a write that changed nothing;
- the table's DynamoDB stream (NEW_AND_OLD_IMAGES, its shards rolling over every 200 ms across
  the kills), read through the Streams API parent shard before child, holds exactly those
  change records: one stream record per change, in the same order, with the same images;
- the table's Kinesis streaming destination (an eddy Kinesis stream of 2 shards) catches up
  with exactly one record per change record, none lost or doubled across the kills, in
  per-item order.
Rounds: EDDY_TABLE_CRASH_ROUNDS (default 6)."""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "compat"))
from conftest import EDDY_BIN, EddyServer  # noqa: E402

ROUNDS = int(os.environ.get("EDDY_TABLE_CRASH_ROUNDS", "6"))
TABLE = "crash-table"
DESTINATION = "crash-table-changes"
CLIENTS = 4
ITEMS_PER_CLIENT = 8


class ItemHistory:
    """What one client did to one item: the states it asked for, in order, each marked
    acknowledged or not. A state is a version number, or None for "deleted"."""

    def __init__(self):
        self.writes = []  # [state, acknowledged]

    def last_acked_index(self):
        for i in range(len(self.writes) - 1, -1, -1):
            if self.writes[i][1]:
                return i
        return -1


def item_of(key, version):
    """The item a put of `version` writes (the same bytes every time)."""
    return {"pk": {"S": key}, "v": {"N": str(version)}, "pad": {"S": "x" * (version % 500)}}


def writer(client, client_id, histories, version, stop):
    while not stop.is_set():
        k = random.randrange(ITEMS_PER_CLIENT)
        key = "c%d-%d" % (client_id, k)
        history = histories[key]
        version[0] += 1
        v = version[0]
        roll = random.random()
        if roll < 0.15:
            state, call = None, lambda: client.delete_item(
                TableName=TABLE, Key={"pk": {"S": key}})
        elif roll < 0.25 and history.writes:
            # The same item again: a write that changes nothing (if the last one committed).
            state = history.writes[-1][0]
            if state is None:
                state, call = None, lambda: client.delete_item(
                    TableName=TABLE, Key={"pk": {"S": key}})
            else:
                call = lambda: client.put_item(TableName=TABLE, Item=item_of(key, state))  # noqa
        else:
            state, call = v, lambda: client.put_item(TableName=TABLE, Item=item_of(key, v))
        history.writes.append([state, False])
        try:
            call()
        except Exception:  # noqa: BLE001 - the server was killed under us
            return
        history.writes[-1][1] = True


def item_state(item):
    return None if item is None else int(item["v"]["N"])


def read_changes(data_dir):
    out = subprocess.run([EDDY_BIN, "table", "--data-dir", data_dir, "changes", TABLE],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def read_stream(server):
    """Every record of the table's stream, walking shards parent before child."""
    streams = server.client("dynamodbstreams")
    arn = server.client("dynamodb").describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    shards, start = [], None
    while True:
        kwargs = {"StreamArn": arn}
        if start:
            kwargs["ExclusiveStartShardId"] = start
        page = streams.describe_stream(**kwargs)["StreamDescription"]
        shards += page["Shards"]
        start = page.get("LastEvaluatedShardId")
        if not start:
            break
    ids = {s["ShardId"] for s in shards}
    # One lineage: every shard but the first names the one before it.
    assert all(s.get("ParentShardId") in ids for s in shards[1:]), shards
    assert all("EndingSequenceNumber" in s["SequenceNumberRange"] for s in shards[:-1])
    records = []
    for shard in shards:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            records += page["Records"]
            iterator = page.get("NextShardIterator")
            if not page["Records"] and shard is shards[-1]:
                break  # the open shard, read to its end
    return records, len(shards)


def check_stream(records, changes):
    """The stream shows the change records one for one."""
    assert len(records) == len(changes), (len(records), len(changes))
    for r, c in zip(records, changes):
        d = r["dynamodb"]
        assert int(d["SequenceNumber"]) - 10**20 == c["sequence"], (d["SequenceNumber"], c)
        assert r["eventName"] == c["event"]
        assert d["Keys"] == c["keys"]
        assert d.get("OldImage") == c.get("old")
        assert d.get("NewImage") == c.get("new")


def read_kinesis(server, stream, expected, timeout=60):
    """The destination stream's records once `expected` of them are there (or the timeout)."""
    kinesis = server.client("kinesis")
    deadline = time.time() + timeout
    while True:
        records = []
        for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
            iterator = kinesis.get_shard_iterator(
                StreamName=stream, ShardId=shard["ShardId"],
                ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while iterator:
                page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
                records += [json.loads(r["Data"]) for r in page["Records"]]
                if not page["Records"] and page.get("MillisBehindLatest", 0) == 0:
                    break
                iterator = page.get("NextShardIterator")
        if len(records) >= expected or time.time() > deadline:
            return records
        time.sleep(0.2)


def check_kinesis(records, changes):
    """Exactly one Kinesis record per change, and per item in change order."""
    by_event = {}
    for r in records:
        assert r["tableName"] == TABLE and r["eventSource"] == "aws:dynamodb"
        by_event.setdefault(r["eventID"], []).append(r)
    doubled = [k for k, v in by_event.items() if len(v) > 1]
    assert not doubled, "%d changes forwarded twice" % len(doubled)
    forwarded = {int(e[9:13], 16) << 40 | int(e[15:18], 16) << 28 | int(e[20:23], 16) << 16 |
                 int(e[24:30], 16) for e in by_event}  # the change's sequence number
    missing = [c["sequence"] for c in changes if c["sequence"] not in forwarded]
    assert not missing and len(records) == len(changes), \
        "%d records for %d changes; not forwarded: %s" % (len(records), len(changes), missing[:20])
    per_item = {}
    for r in records:  # a shard's records in order; one item always lands on one shard
        per_item.setdefault(r["dynamodb"]["Keys"]["pk"]["S"], []).append(r)
    expected = {}
    for c in changes:
        expected.setdefault(c["keys"]["pk"]["S"], []).append(c)
    for key, changes_of_item in expected.items():
        got = per_item.get(key, [])
        assert [r["eventName"] for r in got] == [c["event"] for c in changes_of_item], key
        assert [r["dynamodb"].get("NewImage") for r in got] == \
            [c.get("new") for c in changes_of_item], key


def check_changes(changes, histories):
    by_item = {}
    last_sequence = 0
    for c in changes:
        assert c["sequence"] > last_sequence, "change records out of sequence"
        last_sequence = c["sequence"]
        by_item.setdefault(c["keys"]["pk"]["S"], []).append(c)
    for key, history in histories.items():
        records = by_item.get(key, [])
        previous = None  # the item's state before each record, as the records tell it
        i = 0  # position in the history
        for c in records:
            old = item_state(c.get("old"))
            new = item_state(c.get("new"))
            assert old == previous, "%s: old image %s, expected %s" % (key, old, previous)
            assert old != new, "%s: a change record for a write that changed nothing" % key
            assert c["event"] == ("INSERT" if old is None else
                                  "REMOVE" if new is None else "MODIFY"), (key, c["event"])
            # The history must reach this state next; every acknowledged write skipped on the
            # way must have changed nothing.
            while i < len(history.writes) and history.writes[i][0] != new:
                state, acked = history.writes[i]
                assert not acked or state == previous, \
                    "%s: acknowledged write %s has no change record" % (key, state)
                i += 1
            assert i < len(history.writes), "%s: change to %s that no client wrote" % (key, new)
            previous = new
            i += 1
        for state, acked in history.writes[i:]:
            assert not acked or state == previous, \
                "%s: acknowledged write %s has no change record" % (key, state)
    return sum(len(r) for r in by_item.values())


def test_table_writes_and_change_records_survive_sigkill():
    data_dir = tempfile.mkdtemp(prefix="eddy-table-crash-")
    server = EddyServer(data_dir, "--stream-shard-interval-ms", "200", "--ttl-interval-ms", "50")
    histories = {"c%d-%d" % (c, k): ItemHistory()
                 for c in range(CLIENTS) for k in range(ITEMS_PER_CLIENT)}
    versions = [[c * 10**9] for c in range(CLIENTS)]
    acknowledged = 0
    try:
        server.start()
        server.client("dynamodb").create_table(
            TableName=TABLE, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        kinesis = server.client("kinesis")
        kinesis.create_stream(StreamName=DESTINATION, ShardCount=2)
        destination_arn = kinesis.describe_stream_summary(StreamName=DESTINATION)[
            "StreamDescriptionSummary"]["StreamARN"]
        server.client("dynamodb").enable_kinesis_streaming_destination(
            TableName=TABLE, StreamArn=destination_arn)
        for round_ in range(ROUNDS):
            stop = threading.Event()
            threads = [threading.Thread(target=writer, args=(server.client("dynamodb"), c,
                                                             histories, versions[c], stop))
                       for c in range(CLIENTS)]
            for t in threads:
                t.start()
            time.sleep(random.uniform(0.3, 1.0))
            server.stop(signal.SIGKILL)  # mid-load
            stop.set()
            for t in threads:
                t.join()
            server.start()
            ddb = server.client("dynamodb")
            for key, history in histories.items():
                got = item_state(ddb.get_item(TableName=TABLE, Key={"pk": {"S": key}},
                                              ConsistentRead=True).get("Item"))
                last = history.last_acked_index()
                allowed = {history.writes[j][0] for j in range(max(last, 0), len(history.writes))}
                if last < 0:
                    allowed.add(None)
                assert got in allowed, "round %d, %s: read %s, acknowledged %s" % (
                    round_, key, got, history.writes[last][0] if last >= 0 else None)
                # From here on, the item's state is what is on disk: record it as the
                # acknowledged truth (an unacknowledged write that did commit becomes known).
                if history.writes and history.writes[-1][0] == got and \
                        not history.writes[-1][1]:
                    history.writes[-1][1] = True
        acknowledged = sum(1 for h in histories.values() for _, acked in h.writes if acked)
        stream_records, shard_count = read_stream(server)
        server.stop()
        changes = read_changes(data_dir)
        records = check_changes(changes, histories)
        check_stream(stream_records, changes)
        server.start()
        check_kinesis(read_kinesis(server, DESTINATION, len(changes)), changes)
        assert acknowledged > 0 and records > 0
        print("%d rounds, %d acknowledged writes, %d change records and stream records "
              "verified over %d shards" % (ROUNDS, acknowledged, records, shard_count))
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
