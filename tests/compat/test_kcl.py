"""Stock Kinesis Client Library 3.x consumers against `eddy serve` (docs/compat/kcl.md).

The consumers are Java programs in tests/compat/java/ (built here once with Maven; the first run
downloads about 100 MB of jars into ~/.m2):
  - kcl/: KCL 3.5.1 reading an eddy Kinesis stream, leases in eddy's DynamoDB;
  - ddb-streams/: the DynamoDB Streams Kinesis Adapter 2.0.1 (KCL 3.1.1) reading a table's
    stream.
Each JVM runs KCL workers (Schedulers) as this file tells it on standard input ("start NAME",
"stop NAME", "quit") and reports what its record processors see as "EVENT {json}" lines
(java/common/src/main/java/eddy/compat/Driver.java). KCL's own log goes to a file named in every
failure message.
"""
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import EddyServer

JAVA_DIR = Path(__file__).resolve().parent / "java"
MISSING_TOOLS = [t for t in ("java", "mvn") if shutil.which(t) is None]
pytestmark = pytest.mark.skipif(
    bool(MISSING_TOOLS),
    reason="needs %s for the KCL tests (scripts/install-deps.sh --test installs Debian's "
           "openjdk-17-jdk-headless and maven)" % " and ".join(MISSING_TOOLS))

# Short KCL timings so that a run takes minutes: a lease not renewed for FAILOVER_MS is taken
# over, and the leader reassigns leases every 2 * FAILOVER_MS.
FAILOVER_MS = 5000


@pytest.fixture(scope="module")
def maven_build():
    """Builds both consumers once; returns {module: class path}."""
    cmd = ["mvn", "-q", "-B", "-Dstyle.color=never", "-f", str(JAVA_DIR / "pom.xml"), "package"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1200)
    if out.returncode != 0:
        pytest.fail("%s failed:\n%s\n%s" % (" ".join(cmd), out.stdout[-5000:], out.stderr[-5000:]))
    paths = {}
    for module in ("kcl", "ddb-streams"):
        target = JAVA_DIR / module / "target"
        paths[module] = "%s:%s" % (target / "classes", (target / "classpath.txt").read_text().strip())
    return paths


class Consumer:
    """One JVM running KCL workers, and the events its processors reported."""

    def __init__(self, classpath, main, args, log_path):
        self.log_path = log_path
        self._log = open(log_path, "w")
        self.proc = subprocess.Popen(
            ["java", "-Xmx512m", "-Dorg.slf4j.simpleLogger.showDateTime=true",
             "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
             "-cp", classpath, main] + args,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True)
        self.events = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.wait_for(lambda: self.find("ready"), 60, "the JVM to start")

    def _read(self):
        for line in self.proc.stdout:
            if line.startswith("EVENT "):
                event = json.loads(line[len("EVENT "):])
                event["at"] = time.monotonic()
                with self._cond:
                    self.events.append(event)
                    self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def find(self, kind, **fields):
        with self._cond:
            return [e for e in self.events
                    if e["event"] == kind and all(e.get(k) == v for k, v in fields.items())]

    def wait_for(self, predicate, timeout, what):
        """Waits until predicate() is true; on timeout fails naming `what` and KCL's log."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if predicate():
                    return
                if self.proc.poll() is not None:
                    self.fail("the JVM exited (%s) waiting for %s" % (self.proc.returncode, what))
                left = deadline - time.monotonic()
                if left <= 0:
                    self.fail("timed out after %d s waiting for %s" % (timeout, what))
                self._cond.wait(min(left, 0.5))

    def start_worker(self, name):
        self.send("start " + name)
        self.wait_for(lambda: self.find("started", worker=name) or self.find("error"), 60,
                      "worker %s to start" % name)
        if self.find("error"):
            self.fail("worker %s did not start: %s" % (name, self.find("error")))

    def stop_worker(self, name):
        self.send("stop " + name)
        self.wait_for(lambda: self.find("stopped", worker=name), 200, "worker %s to stop" % name)
        return self.find("stopped", worker=name)[0]

    def failures(self):
        """Events that mean KCL or the driver hit an error."""
        return [e for e in self.events if e["event"] in ("error", "checkpoint_failed")]

    def fail(self, message):
        self._log.flush()
        tail = Path(self.log_path).read_text(errors="replace").splitlines()[-40:]
        pytest.fail("%s\nKCL log: %s (last lines below)\n%s" % (message, self.log_path,
                                                                "\n".join(tail)))

    def close(self):
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(timeout=30)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@pytest.fixture
def consumers(tmp_path):
    started = []

    def start(classpath, main, args, name):
        c = Consumer(classpath, main, args, tmp_path / ("%s.log" % name))
        started.append(c)
        return c

    yield start
    for c in started:
        c.close()


def put_records(kinesis, stream, prefix, count, pace=0.0, batch=250):
    """PutRecords of '<prefix>-<i>'; returns {data: (shard, sequence number)}."""
    written = {}
    for start in range(0, count, batch):
        data = ["%s-%06d" % (prefix, i) for i in range(start, min(count, start + batch))]
        resp = kinesis.put_records(StreamName=stream, Records=[
            {"Data": d.encode(), "PartitionKey": "key-%s" % d} for d in data])
        assert resp["FailedRecordCount"] == 0
        for d, r in zip(data, resp["Records"]):
            written[d] = (r["ShardId"], r["SequenceNumber"])
        if pace:
            time.sleep(pace)
    return written


def received(consumer):
    """{data: [(worker, shard, sequence number), ...]} over every records event."""
    got = {}
    for e in consumer.find("records"):
        for seq, data in zip(e["seqs"], e["data"]):
            got.setdefault(data, []).append((e["worker"], e["shard"], seq))
    return got


def leases(dynamodb, table):
    """{shardId: item} for the lease rows of a KCL lease table (3.5 keeps other entities there)."""
    items, start = [], {}
    while True:
        page = dynamodb.scan(TableName=table, ConsistentRead=True, **start)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    return {i["leaseKey"]["S"]: i for i in items
            if i.get("entityType", {"S": "LEASE"})["S"] == "LEASE"}


class CheckpointWatcher:
    """Reads the lease table every 0.3 s in the background, keeping each lease's checkpoints."""

    def __init__(self, dynamodb, table):
        self.dynamodb, self.table = dynamodb, table
        self.history = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                for key, item in leases(self.dynamodb, self.table).items():
                    cp = item.get("checkpoint", {}).get("S")
                    h = self.history.setdefault(key, [])
                    if cp and (not h or h[-1] != cp):
                        h.append(cp)
            except Exception:  # the table may not exist yet
                pass
            self._stop.wait(0.3)

    def stop(self):
        self._stop.set()
        self._thread.join()


def test_kcl_consumes_stream_checkpoints_and_hands_over(server, maven_build, consumers):
    kinesis, dynamodb = server.client("kinesis"), server.client("dynamodb")
    stream, app = "kcl-orders", "kcl-orders-app"
    kinesis.create_stream(StreamName=stream, ShardCount=4)
    written = put_records(kinesis, stream, "before", 2000)

    watcher = CheckpointWatcher(dynamodb, app)
    c = consumers(maven_build["kcl"], "eddy.compat.KclConsumer",
                  ["--endpoint", server.endpoint, "--stream", stream, "--app", app,
                   "--failover-ms", str(FAILOVER_MS),
                   # Parallel Scan of the lease table (KCL picks 1 segment for a small table).
                   "--scan-segments", "3"], "kcl")
    try:
        c.start_worker("worker-1")
        c.wait_for(lambda: c.find("records"), 120, "the first records")
        # More records while the worker reads.
        written.update(put_records(kinesis, stream, "during", 1000, pace=0.25, batch=50))
        c.wait_for(lambda: set(written) <= set(received(c)), 120,
                   "all 3,000 records (before and during the run)")
    except BaseException:
        watcher.stop()
        raise

    got = received(c)
    assert {seq for v in got.values() for _, _, seq in v} >= {s for _, s in written.values()}
    for data, (shard, seq) in written.items():
        assert (shard, seq) in {(s, q) for _, s, q in got[data]}, data
    assert {w for v in got.values() for w, _, _ in v} == {"worker-1"}

    # Every checkpoint lands in the lease table and only moves forward, up to each shard's last
    # record.
    last = {}
    for shard, seq in written.values():
        last[shard] = max(last.get(shard, 0), int(seq))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        table = leases(dynamodb, app)
        if all(table.get(s, {}).get("checkpoint", {}).get("S") == str(q) for s, q in last.items()):
            break
        time.sleep(0.5)
    # The watcher runs until the last checkpoints landed: KCL writes a batch's checkpoint after
    # handing the batch over, so on a loaded machine the last ones came after every record had
    # been seen, and a watcher stopped then missed them (a CI run failed so).
    time.sleep(1)
    watcher.stop()
    assert {s: table[s]["checkpoint"]["S"] for s in last} == {s: str(q) for s, q in last.items()}
    assert {s: table[s]["leaseOwner"]["S"] for s in last} == {s: "worker-1" for s in last}
    stepped = 0
    for shard in last:
        numeric = [int(cp) for cp in watcher.history.get(shard, []) if cp.isdigit()]
        assert numeric == sorted(numeric), (shard, watcher.history.get(shard))
        assert numeric and numeric[-1] == last[shard], (shard, watcher.history.get(shard))
        stepped += len(numeric) >= 2
    # Checkpoints advance batch by batch while records arrive. A shard whose lease KCL's leader
    # assigned late (a loaded machine) may read all its records in one batch, so this is asked
    # of the stream, not of every shard.
    assert stepped >= 1, ("no checkpoint advanced in steps", watcher.history)

    # A second worker joins; the first shuts down gracefully and the second takes every lease.
    c.start_worker("worker-2")
    time.sleep(FAILOVER_MS / 1000)
    stopped = c.stop_worker("worker-1")
    assert stopped["graceful"] is True, stopped
    stopped_at = stopped["at"]

    def all_leases_owned_by_worker2():
        table = leases(dynamodb, app)
        return table and all(i.get("leaseOwner", {}).get("S") == "worker-2"
                             for i in table.values())
    c.wait_for(all_leases_owned_by_worker2, 120, "worker-2 to own every lease")
    after = put_records(kinesis, stream, "after", 400)
    c.wait_for(lambda: set(after) <= set(received(c)), 120,
               "the records written after the handover")
    got = received(c)
    for data, (shard, seq) in after.items():
        assert ("worker-2", shard, seq) in got[data], (data, got[data])
    late = [e for e in c.find("records", worker="worker-1") if e["at"] > stopped_at]
    assert not late, "worker-1 processed records after it stopped"

    # Resharding: the parents are read to their end (GetRecords returns ChildShards), then the
    # children, without loss.
    kinesis.update_shard_count(StreamName=stream, TargetShardCount=8,
                               ScalingType="UNIFORM_SCALING")
    resharded = put_records(kinesis, stream, "resharded", 400)
    c.wait_for(lambda: set(resharded) <= set(received(c)), 120,
               "the records written after resharding")
    c.wait_for(lambda: len(c.find("shard_ended")) >= 4, 60, "the four parents' shard ends")
    assert {e["shard"] for e in c.find("shard_ended")} == {
        "shardId-%012d" % i for i in range(4)}
    got = received(c)
    for data, (shard, seq) in resharded.items():
        assert (shard, seq) in {(s, q) for _, s, q in got[data]}, data
    # Each worker checkpointed every batch and shut down gracefully, so a lease that moved
    # resumed right after its checkpoint (AFTER_SEQUENCE_NUMBER): nothing was delivered twice.
    twice = {d: v for d, v in got.items() if len(v) > 1}
    assert not twice, list(twice.items())[:5]
    table = leases(dynamodb, app)
    assert len(table) == 12, sorted(table)
    for i in range(4):
        assert table["shardId-%012d" % i]["checkpoint"]["S"] == "SHARD_END"
    assert not c.failures(), c.failures()


@pytest.fixture
def rolling_server():
    """A server of its own whose table stream shards roll every 4 s, so that the adapter follows
    shard lineage (DescribeStream with ShardFilter CHILD_SHARDS) while the test runs."""
    data_dir = tempfile.mkdtemp(prefix="eddy-compat-kcl-")
    srv = EddyServer(data_dir, "--stream-shard-interval-ms", "4000").start()
    yield srv
    srv.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


# (rolling_server before consumers: the JVM is stopped before its server.)
def test_dynamodb_streams_adapter_delivers_every_change_in_order(rolling_server, maven_build,
                                                                 consumers):
    srv = rolling_server
    dynamodb = srv.client("dynamodb")
    table, app = "kcl-users", "kcl-users-app"
    dynamodb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    arn = dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]

    # What each item's changes must look like, in order: (eventName, old v, new v).
    expected = {}
    state = {}

    def put(i, v):
        key = "u%03d" % i
        dynamodb.put_item(TableName=table, Item={"id": {"S": key}, "v": {"N": str(v)}})
        expected.setdefault(key, []).append(
            ("MODIFY" if key in state else "INSERT", state.get(key), str(v)))
        state[key] = str(v)

    def update(i):
        key = "u%03d" % i
        new = dynamodb.update_item(
            TableName=table, Key={"id": {"S": key}}, UpdateExpression="ADD v :one",
            ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="ALL_NEW")
        v = new["Attributes"]["v"]["N"]
        expected.setdefault(key, []).append(
            ("MODIFY" if key in state else "INSERT", state.get(key), v))
        state[key] = v

    def delete(i):
        key = "u%03d" % i
        dynamodb.delete_item(TableName=table, Key={"id": {"S": key}})
        expected.setdefault(key, []).append(("REMOVE", state.pop(key), None))

    def round_of_changes(r):
        """Inserts, modifies (by PutItem and UpdateItem), removes and re-inserts."""
        for i in range(40):
            if "u%03d" % i not in state:
                if (i + r) % 4 != 0:
                    put(i, 100 * r + i)
            elif (i + r) % 5 == 0:
                delete(i)
            elif (i + r) % 2 == 0:
                update(i)
            else:
                put(i, 100 * r + i)

    round_of_changes(0)
    round_of_changes(1)

    c = consumers(maven_build["ddb-streams"], "eddy.compat.StreamsConsumer",
                  ["--endpoint", srv.endpoint, "--stream-arn", arn, "--app", app,
                   "--failover-ms", str(FAILOVER_MS)], "ddb-streams")
    c.start_worker("worker-1")
    for r in range(2, 8):  # changes while the adapter reads, across several shard rollovers
        round_of_changes(r)
        time.sleep(2)
    total = sum(len(v) for v in expected.values())

    def changes():
        seen, by_item = set(), {}
        for e in c.find("records"):
            for rec in e["records"]:
                if rec["seq"] in seen:
                    continue  # KCL may deliver again after a handover; order is what counts
                seen.add(rec["seq"])
                by_item.setdefault(rec["keys"]["id"], []).append(rec)
        return by_item

    c.wait_for(lambda: sum(len(v) for v in changes().values()) >= total, 180,
               "all %d changes" % total)
    by_item = changes()
    for key, want in expected.items():
        got = by_item.get(key, [])
        assert [(r["name"], (r["old"] or {}).get("v"), (r["new"] or {}).get("v"))
                for r in got] == want, key
        seqs = [Decimal(r["seq"]) for r in got]
        assert seqs == sorted(seqs), key
        assert all(r["view"] == "NEW_AND_OLD_IMAGES" for r in got)
    assert len(c.find("shard_ended")) >= 2, "no shard rolled over while the adapter read"

    # Handover: a second worker takes over when the first stops, and reads what comes next.
    c.start_worker("worker-2")
    time.sleep(FAILOVER_MS / 1000)
    assert c.stop_worker("worker-1")["graceful"] is True
    round_of_changes(8)
    total = sum(len(v) for v in expected.values())
    c.wait_for(lambda: sum(len(v) for v in changes().values()) >= total, 180,
               "the changes made after the handover")
    by_item = changes()
    for key, want in expected.items():
        assert [(r["name"], (r["old"] or {}).get("v"), (r["new"] or {}).get("v"))
                for r in by_item.get(key, [])] == want, key
    open_leases = {k: i for k, i in leases(dynamodb, app).items()
                   if i["checkpoint"]["S"] != "SHARD_END"}
    assert open_leases and all(i.get("leaseOwner", {}).get("S") == "worker-2"
                               for i in open_leases.values()), open_leases
    assert not c.failures(), c.failures()
