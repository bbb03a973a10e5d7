"""`eddy worker` running record processors written for KCL's MultiLangDaemon by others, unchanged,
against a started `eddy serve` (src/eddy/consumer/multilang/README.md):

  - amazon_kclpy 3.2.0's own samples/sample_kclpy_app.py with its own samples/sample.properties,
    changed only where it must be (stream, application, the command that runs the sample);
  - a processor written against aws-kcl 2.3.2's API (npm), stopped and started again, and
    across a reshard;
  - a processor written against amazon_kclpy's API on a DynamoDB table's stream, across shard
    rollovers;
  - what a bad .properties file or a missing executable does.

The clients come from tests/compat/multilang/setup.sh, run once into a cache folder
($EDDY_COMPAT_CACHE, else ~/.cache/eddy-compat) that later sessions reuse. The tests are skipped
only when PyPI or npm's registry cannot be reached and the cache does not hold the clients yet.
"""
import base64
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import CREDENTIALS, EDDY_BIN, EddyServer

HERE = Path(__file__).resolve().parent
SETUP = HERE / "multilang" / "setup.sh"
CACHE = Path(os.environ.get("EDDY_COMPAT_CACHE") or
             Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "eddy-compat")


# ---- the clients ----

def _unreachable_registries():
    """The package registries setup.sh needs that cannot be reached, each with the error."""
    pip_index = (os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple").rstrip("/")
    npm_registry = os.environ.get("NPM_CONFIG_REGISTRY") or ""
    if not npm_registry and shutil.which("npm"):
        got = subprocess.run(["npm", "config", "get", "registry"], capture_output=True,
                             text=True, timeout=60)
        npm_registry = got.stdout.strip()
    npm_registry = (npm_registry or "https://registry.npmjs.org").rstrip("/")
    failed = []
    for name, url in (("PyPI", pip_index + "/amazon-kclpy/"), ("npm", npm_registry + "/aws-kcl")):
        try:
            with urllib.request.urlopen(url, timeout=20) as response:
                response.read(1)
        except urllib.error.HTTPError:
            pass  # the registry answered
        except (OSError, ValueError) as e:
            failed.append("%s (%s): %s" % (name, url, e))
    return failed


@pytest.fixture(scope="session")
def clients():
    """Runs setup.sh into the cache (under a lock: sessions may run at once); returns the
    variables it prints (EDDY_KCLPY_PYTHON, EDDY_KCLPY_SAMPLE_APP, EDDY_KCLPY_SAMPLE_PROPERTIES,
    EDDY_AWS_KCL_NODE_PATH)."""
    target = CACHE / "multilang"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "multilang.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            out = subprocess.run(["bash", str(SETUP), str(target)], capture_output=True,
                                 text=True, timeout=900)
        except subprocess.TimeoutExpired as e:
            out = subprocess.CompletedProcess(e.cmd, 124, "", "timed out after 900 s")
    if out.returncode != 0:
        unreachable = _unreachable_registries()
        if unreachable:
            pytest.skip("the KCL multilang clients are not in %s and cannot be fetched: %s" %
                        (target, "; ".join(unreachable)))
        pytest.fail("tests/compat/multilang/setup.sh %s failed (%d):\n%s" %
                    (target, out.returncode, out.stderr[-4000:]))
    found = {}
    for line in out.stdout.splitlines():
        m = re.match(r"^export (\w+)=(.*)$", line)
        if m:
            found[m.group(1)] = shlex.split(m.group(2))[0]
    for name in ("EDDY_KCLPY_PYTHON", "EDDY_KCLPY_SAMPLE_APP", "EDDY_KCLPY_SAMPLE_PROPERTIES",
                 "EDDY_AWS_KCL_NODE_PATH"):
        assert name in found, "setup.sh did not print %s:\n%s" % (name, out.stdout)
    for name in ("EDDY_KCLPY_PYTHON", "EDDY_KCLPY_SAMPLE_APP"):
        # executableName is split on spaces (as KCL does), so the paths in it must have none.
        assert " " not in found[name], "%s has a space: %s" % (name, found[name])
    return found


# ---- eddy worker ----

class Worker:
    """One `eddy worker` process; its stdout and stderr (the worker's log and the children's
    stderr) go to one file."""

    def __init__(self, server, properties, log_path, worker_id, env=None, metrics=True):
        self.server = server
        self.properties = str(properties)
        self.log_path = Path(log_path)
        self.worker_id = worker_id
        self.env = dict(os.environ, AWS_ACCESS_KEY_ID=CREDENTIALS["aws_access_key_id"],
                        AWS_SECRET_ACCESS_KEY=CREDENTIALS["aws_secret_access_key"],
                        AWS_DEFAULT_REGION=CREDENTIALS["region_name"])
        self.env.update(env or {})
        self.metrics = metrics
        self.proc = None

    def start(self):
        args = [EDDY_BIN, "worker", "--properties", self.properties, "--endpoint",
                self.server.endpoint, "--worker-id", self.worker_id]
        if self.metrics:
            args += ["--metrics-port", "0"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=self.env,
                                         cwd=self.log_path.parent)
        return self

    def log(self):
        return self.log_path.read_text(errors="replace")

    def tail(self, lines=60):
        return "\n".join(self.log().splitlines()[-lines:])

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def samples(self):
        """The worker's metrics: {(name, ((label, value), ...)): value}."""
        m = re.findall(r"metrics on (http://\S+/metrics)", self.log())
        if not m:
            return {}
        with urllib.request.urlopen(m[-1], timeout=10) as response:
            text = response.read().decode()
        out = {}
        for line in text.splitlines():
            sample = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
            if sample:
                labels = tuple(re.findall(r'(\w+)="([^"]*)"', sample.group(2) or ""))
                out[(sample.group(1), labels)] = float(sample.group(3))
        return out

    def records_processed(self):
        return sum(v for (name, _), v in self.samples().items()
                   if name == "eddy_consumer_records_processed_total")

    def restarts(self):
        return sum(v for (name, _), v in self.samples().items()
                   if name == "eddy_consumer_processor_restarts_total")

    def stop(self, timeout=60):
        """SIGTERM; returns the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail("eddy worker did not exit within %d s of SIGTERM:\n%s" %
                        (timeout, self.tail()))

    def kill(self):
        if self.running():
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def workers():
    """Starts workers; whatever a failed test left running is killed."""
    started = []

    def start(*args, **kwargs):
        w = Worker(*args, **kwargs).start()
        started.append(w)
        return w

    yield start
    for w in started:
        w.kill()


def wait_until(predicate, what, worker, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        if not worker.running():
            pytest.fail("eddy worker exited (%s) while waiting for %s:\n%s" %
                        (worker.proc.returncode, what, worker.tail()))
        time.sleep(0.1)
    pytest.fail("timed out after %d s waiting for %s:\n%s" % (timeout, what, worker.tail()))


def no_errors(worker):
    errors = [line for line in worker.log().splitlines()
              if "[error]" in line or "[critical]" in line]
    assert not errors, "\n".join(errors)


# ---- Kinesis helpers ----

def create_stream(kinesis, name, shards):
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    deadline = time.time() + 30
    while time.time() < deadline:
        summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        if summary["StreamStatus"] == "ACTIVE":
            return summary["StreamARN"]
        time.sleep(0.05)
    pytest.fail("stream %s did not become ACTIVE" % name)


def put(kinesis, stream, records):
    """Puts [(partition_key, data)]; returns [{key, data, shard, seq}] in the order written."""
    out = []
    for key, data in records:
        r = kinesis.put_record(StreamName=stream, PartitionKey=key, Data=data)
        out.append(dict(key=key, data=data, shard=r["ShardId"], seq=r["SequenceNumber"]))
    return out


def put_batch(kinesis, stream, records):
    r = kinesis.put_records(StreamName=stream, Records=[dict(PartitionKey=k, Data=d)
                                                        for k, d in records])
    assert r.get("FailedRecordCount", 0) == 0, r
    return [dict(key=k, data=d, shard=e["ShardId"], seq=e["SequenceNumber"])
            for (k, d), e in zip(records, r["Records"])]


def shard_of(kinesis, stream, key):
    """The open shard whose hash key range holds the MD5 of `key`."""
    hash_key = int(hashlib.md5(key.encode()).hexdigest(), 16)
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        r = shard["HashKeyRange"]
        if "EndingSequenceNumber" not in shard["SequenceNumberRange"] and \
                int(r["StartingHashKey"]) <= hash_key <= int(r["EndingHashKey"]):
            return shard["ShardId"]
    raise AssertionError("no open shard holds %s" % key)


def kpl_aggregate(keys, records):
    """A Kinesis Producer Library aggregate: magic, the AggregatedRecord protobuf (partition key
    table, then records of partition key index and data), its MD5."""
    def varint(n):
        out = b""
        while n > 0x7F:
            out += bytes([(n & 0x7F) | 0x80])
            n >>= 7
        return out + bytes([n])

    def field(number, payload):
        if isinstance(payload, int):
            return varint(number << 3) + varint(payload)
        return varint((number << 3) | 2) + varint(len(payload)) + payload

    body = b"".join(field(1, key.encode()) for key in keys)
    for index, data in records:
        body += field(3, field(1, index) + field(3, data))
    return b"\xf3\x89\x9a\xc2" + body + hashlib.md5(body).digest()


def last_per_shard(written):
    last = {}
    for r in written:
        if r["shard"] not in last or int(r["seq"]) > int(last[r["shard"]]):
            last[r["shard"]] = r["seq"]
    return last


def leases(server, table):
    ddb = server.client("dynamodb")
    items = ddb.scan(TableName=table, ConsistentRead=True)["Items"]
    return {item["leaseKey"]["S"]: item for item in items}


def tables(server):
    return server.client("dynamodb").list_tables()["TableNames"]


# ---- amazon_kclpy's sample ----

def adapt(text, changes):
    """The sample .properties with exactly the keys in `changes` given new values (each key must
    be there, once, as `key = value`); every other line is kept as it is."""
    lines = text.splitlines(keepends=True)
    for key, value in changes.items():
        at = [i for i, line in enumerate(lines) if re.match(r"^%s\s*=" % re.escape(key), line)]
        assert len(at) == 1, "sample.properties sets %s %d times" % (key, len(at))
        lines[at[0]] = "%s = %s\n" % (key, value)
    return "".join(lines)


SAMPLE_RECORD = re.compile(r"Record \(Partition Key: (\S+), Sequence Number: (\d+), "
                           r"Subsequence Number: (\d+), Data Size: (\d+)")


def test_amazon_kclpy_sample_consumes_a_stream(server, kinesis, stream_name, clients, workers,
                                               tmp_path):
    arn = create_stream(kinesis, stream_name, 3)
    written = put(kinesis, stream_name, [("pk-%d" % i, b"before %d \x00\xff" % i + b"x" * i)
                                         for i in range(24)])
    written += put_batch(kinesis, stream_name, [("batch-%d" % i, bytes([i]) * (i + 1))
                                                for i in range(6)])
    assert {r["shard"] for r in written} == {"shardId-00000000000%d" % i for i in range(3)}

    app = "kclpy-" + stream_name
    sample = Path(clients["EDDY_KCLPY_SAMPLE_PROPERTIES"]).read_text()
    properties = tmp_path / "sample.properties"
    properties.write_text(adapt(sample, {
        # The sample names its script alone (on PATH, with a shebang asking for `python`); here
        # it runs under the venv that holds amazon_kclpy.
        "executableName": "%s %s" % (clients["EDDY_KCLPY_PYTHON"],
                                     clients["EDDY_KCLPY_SAMPLE_APP"]),
        "streamArn": arn,
        "streamName": stream_name,
        "applicationName": app,
    }))
    worker = workers(server, properties, tmp_path / "worker.log", "kclpy-worker")
    wait_until(lambda: worker.records_processed() >= len(written),
               "the records written before the worker started", worker)
    written += put(kinesis, stream_name, [("during-%d" % i, b"during %d" % i) for i in range(12)])
    # Last, a KPL aggregate of three user records (keys of one shard, as the KPL makes them):
    # the sample sees them with sub-sequence numbers 0, 1, 2.
    shard = shard_of(kinesis, stream_name, "agg-0")
    keys = ["agg-0"] + [k for k in ("agg-%d" % i for i in range(1, 50))
                        if shard_of(kinesis, stream_name, k) == shard][:1]
    users = [(0, b"user zero"), (1, b"user one!"), (0, b"u2")]
    (aggregate,) = put(kinesis, stream_name, [("agg-0", kpl_aggregate(keys, users))])
    written += [dict(aggregate, key=keys[k], data=data, sub=sub)
                for sub, (k, data) in enumerate(users)]
    wait_until(lambda: worker.records_processed() >= len(written),
               "the records written while it ran", worker)
    assert worker.records_processed() == len(written)
    assert worker.restarts() == 0

    assert worker.stop() == 0, worker.tail()
    log = worker.log()
    # The sample writes each record to its stderr without a line end, so the worker logs them
    # when a child exits; every record is there, once, as written.
    seen = {}
    for key, seq, sub, size in SAMPLE_RECORD.findall(log):
        assert (seq, int(sub)) not in seen, "record %s/%s printed twice" % (seq, sub)
        seen[(seq, int(sub))] = (key, int(size))
    assert seen == {(r["seq"], r.get("sub", 0)): (r["key"], len(r["data"])) for r in written}
    # As under KCL's daemon: shutdownRequested, then leaseLost once the lease is released.
    assert log.count("Shutdown has been requested, checkpointing.Lease has been lost") == 3
    for shard in ("shardId-00000000000%d" % i for i in range(3)):
        assert "multilang %s: the record processor stopped: exited with code 0" % shard in log
    no_errors(worker)

    # The sample checkpoints on shutdownRequested: at the last record of each shard. The leases
    # are released (no owner) and stay in the application's table.
    got = leases(server, app)
    assert sorted(got) == ["shardId-00000000000%d" % i for i in range(3)]
    for shard, seq in last_per_shard(written).items():
        assert got[shard]["checkpoint"]["S"] == seq, got[shard]
        sub = "2" if seq == aggregate["seq"] else "0"
        assert got[shard]["checkpointSubSequenceNumber"]["N"] == sub, got[shard]
        assert "leaseOwner" not in got[shard], got[shard]


# ---- aws-kcl (Node.js) ----

# Written against aws-kcl 2.3.2's API (lib/kcl/kcl_process.js, kcl_manager.js, checkpointer.js):
# the v2 record processor (initialize, processRecords, leaseLost, shardEnded, shutdownRequested),
# each given its input and a completion callback; checkpointer.checkpoint([seq,] callback(err,
# seq)). It appends what it sees to the file named by its argument.
NODE_PROCESSOR = r"""'use strict';
const fs = require('fs');
const kcl = require('aws-kcl');

const out = process.argv[2];
let shardId = null;

function note(event) {
  event.shardId = shardId;
  event.pid = process.pid;
  fs.appendFileSync(out, JSON.stringify(event) + '\n');
}

const recordProcessor = {
  initialize: function (initializeInput, completeCallback) {
    shardId = initializeInput.shardId;
    note({event: 'initialize', sequenceNumber: initializeInput.sequenceNumber,
          subSequenceNumber: initializeInput.subSequenceNumber});
    completeCallback();
  },

  processRecords: function (processRecordsInput, completeCallback) {
    const records = processRecordsInput.records;
    for (const record of records) {
      note({event: 'record', data: record.data, partitionKey: record.partitionKey,
            sequenceNumber: record.sequenceNumber});
    }
    if (records.length === 0) {
      completeCallback();
      return;
    }
    const last = records[records.length - 1].sequenceNumber;
    processRecordsInput.checkpointer.checkpoint(last, function (err, sequenceNumber) {
      note({event: 'checkpoint', requested: last, error: err || null, sequenceNumber});
      completeCallback();
    });
  },

  leaseLost: function (leaseLostInput, completeCallback) {
    note({event: 'leaseLost'});
    completeCallback();
  },

  shardEnded: function (shardEndedInput, completeCallback) {
    shardEndedInput.checkpointer.checkpoint(function (err, sequenceNumber) {
      note({event: 'shardEnded', error: err || null, sequenceNumber});
      completeCallback();
    });
  },

  shutdownRequested: function (shutdownRequestedInput, completeCallback) {
    shutdownRequestedInput.checkpointer.checkpoint(function (err, sequenceNumber) {
      note({event: 'shutdownRequested', error: err || null, sequenceNumber});
      completeCallback();
    });
  }
};

kcl(recordProcessor).run();
"""


def read_events(path):
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def b64(data):
    return base64.b64encode(data).decode()


def test_aws_kcl_processor_consumes_and_resumes(server, kinesis, stream_name, clients, workers,
                                                tmp_path):
    create_stream(kinesis, stream_name, 2)
    app = "awskcl-" + stream_name
    (tmp_path / "processor.js").write_text(NODE_PROCESSOR)
    events_path = tmp_path / "events.jsonl"
    properties = tmp_path / "app.properties"
    properties.write_text(
        "executableName = node %s %s\n" % (tmp_path / "processor.js", events_path) +
        "streamName = %s\n" % stream_name +
        "applicationName = %s\n" % app +
        "processingLanguage = nodejs\n"
        "initialPositionInStream = TRIM_HORIZON\n"
        "AWSCredentialsProvider = DefaultCredentialsProvider\n"
        "regionName = us-east-1\n"
        "idleTimeBetweenReadsInMillis = 250\n")
    env = {"NODE_PATH": clients["EDDY_AWS_KCL_NODE_PATH"]}

    def delivered(events, pids=None):
        return [e for e in events if e["event"] == "record" and (pids is None or e["pid"] in pids)]

    def checkpointed(written):
        got = leases(server, app) if app in tables(server) else {}
        return all(shard in got and got[shard]["checkpoint"]["S"] == seq
                   for shard, seq in last_per_shard(written).items())

    written = put(kinesis, stream_name, [("k%d" % i, b"first \x00\x01\xfe %d" % i)
                                         for i in range(16)])
    # Partition keys that JSON must escape, and some it need not.
    odd_keys = ['quote " and backslash \\', "tab\tnewline\ncontrol\x01",
                "ключ \u00e9 \U0001F600 </script>"]
    written += put(kinesis, stream_name, [(key, b"odd key") for key in odd_keys])
    assert len({r["shard"] for r in written}) == 2
    worker = workers(server, properties, tmp_path / "worker1.log", "node-worker-1", env=env)
    wait_until(lambda: len(delivered(read_events(events_path))) >= len(written),
               "the records written before the worker started", worker)
    written += put(kinesis, stream_name, [("d%d" % i, b"during %d" % i) for i in range(10)])
    wait_until(lambda: len(delivered(read_events(events_path))) >= len(written) and
               checkpointed(written), "the records written while it ran, and their checkpoints",
               worker)
    assert worker.stop() == 0, worker.tail()
    no_errors(worker)

    events = read_events(events_path)
    first_pids = {e["pid"] for e in events}
    assert len(first_pids) == 2  # one child per shard, never restarted
    records = delivered(events)
    by_seq = {e["sequenceNumber"]: e for e in records}
    assert len(by_seq) == len(records), "a record was delivered twice"
    assert {s: (e["partitionKey"], e["data"], e["shardId"]) for s, e in by_seq.items()} == \
        {r["seq"]: (r["key"], b64(r["data"]), r["shard"]) for r in written}
    for shard in {r["shard"] for r in written}:
        seqs = [int(e["sequenceNumber"]) for e in records if e["shardId"] == shard]
        assert seqs == sorted(seqs), "shard %s out of order" % shard
        mine = [e for e in events if e["shardId"] == shard]
        assert mine[0] == dict(event="initialize", sequenceNumber="TRIM_HORIZON",
                               subSequenceNumber=0, shardId=shard, pid=mine[0]["pid"])
        # Every checkpoint answered with the position asked for, and the shutdown checkpoint
        # with the last record of the shard.
        for e in mine:
            if e["event"] == "checkpoint":
                assert e["error"] is None and e["sequenceNumber"] == e["requested"], e
        # shutdownRequested (checkpointing), then leaseLost, as KCL's daemon ends a shutdown.
        assert [e["event"] for e in mine[-2:]] == ["shutdownRequested", "leaseLost"], mine[-2:]
        assert mine[-2]["error"] is None
        assert mine[-2]["sequenceNumber"] == last_per_shard(written)[shard]
    assert checkpointed(written)

    # Started again: each shard's processor is initialized at its checkpoint and is handed only
    # what was written since.
    later = put(kinesis, stream_name, [("k%d" % i, b"second %d" % i) for i in range(8)])
    worker = workers(server, properties, tmp_path / "worker2.log", "node-worker-2", env=env)
    wait_until(lambda: len(delivered(read_events(events_path))) >= len(written) + len(later)
               and checkpointed(written + later), "the records written while it was stopped",
               worker)
    events = [e for e in read_events(events_path) if e["pid"] not in first_pids]
    starts = {e["shardId"]: e["sequenceNumber"] for e in events if e["event"] == "initialize"}
    assert starts == last_per_shard(written)
    assert {e["sequenceNumber"]: e["data"] for e in delivered(events)} == \
        {r["seq"]: b64(r["data"]) for r in later}

    # Resharded while it runs (2 -> 4 shards): each parent's processor gets shardEnded and
    # checkpoints at SHARD_END; the children start after their parents, from TRIM_HORIZON.
    parents = sorted({r["shard"] for r in written})
    kinesis.update_shard_count(StreamName=stream_name, TargetShardCount=4,
                               ScalingType="UNIFORM_SCALING")
    create_deadline = time.time() + 30
    while kinesis.describe_stream_summary(StreamName=stream_name)[
            "StreamDescriptionSummary"]["StreamStatus"] != "ACTIVE":
        assert time.time() < create_deadline, "the stream did not become ACTIVE again"
        time.sleep(0.05)
    resharded = put(kinesis, stream_name, [("k%d" % i, b"third %d" % i) for i in range(12)])
    children = sorted({r["shard"] for r in resharded})
    assert not set(children) & set(parents)
    wait_until(lambda: len(delivered(read_events(events_path))) >=
               len(written) + len(later) + len(resharded) and checkpointed(resharded),
               "the records written after resharding", worker)
    assert worker.stop() == 0, worker.tail()
    no_errors(worker)

    events = [e for e in read_events(events_path) if e["pid"] not in first_pids]
    ended = [e for e in events if e["event"] == "shardEnded"]
    assert sorted(e["shardId"] for e in ended) == parents
    # eddy answers a checkpoint with the position written (KCL's daemon echoes the request).
    assert all(e["error"] is None and e["sequenceNumber"] == "SHARD_END" for e in ended), ended
    got = leases(server, app)
    for parent in parents:
        assert got[parent]["checkpoint"]["S"] == "SHARD_END", got[parent]
        assert set(got[parent]["childShardIds"]["SS"]) <= set(got)
    for child in children:
        mine = [e for e in events if e["shardId"] == child]
        assert mine[0]["event"] == "initialize" and mine[0]["sequenceNumber"] == "TRIM_HORIZON"
    # Across both runs and the resharding: every record once, and each key's records in the
    # order written (a parent's before its children's).
    everything = delivered(read_events(events_path))
    assert sorted(e["sequenceNumber"] for e in everything) == \
        sorted(r["seq"] for r in written + later + resharded)
    for key in {r["key"] for r in written + later + resharded}:
        assert [e["data"] for e in everything if e["partitionKey"] == key] == \
            [b64(r["data"]) for r in written + later + resharded if r["key"] == key], key


# ---- a DynamoDB table's stream ----

# Written against amazon_kclpy 3.2.0's API (amazon_kclpy.v3.processor.RecordProcessorBase): each
# record's data is parsed as JSON and appended to the file named by its argument, and each batch
# is checkpointed at its last record.
KCLPY_PROCESSOR = r'''import json
import os
import sys

from amazon_kclpy import kcl
from amazon_kclpy.v3 import processor


class RecordProcessor(processor.RecordProcessorBase):
    def __init__(self, out):
        self.out = out
        self.shard_id = None

    def note(self, **event):
        event["shardId"] = self.shard_id
        event["pid"] = os.getpid()
        with open(self.out, "a") as f:
            f.write(json.dumps(event) + "\n")

    def initialize(self, initialize_input):
        self.shard_id = initialize_input.shard_id
        self.note(event="initialize", sequenceNumber=initialize_input.sequence_number)

    def process_records(self, process_records_input):
        records = process_records_input.records
        for record in records:
            self.note(event="record", sequenceNumber=record.sequence_number,
                      subSequenceNumber=record.sub_sequence_number,
                      partitionKey=record.partition_key,
                      data=json.loads(record.binary_data.decode("utf-8")))
        if records:
            process_records_input.checkpointer.checkpoint(records[-1].sequence_number)

    def lease_lost(self, lease_lost_input):
        self.note(event="leaseLost")

    def shard_ended(self, shard_ended_input):
        shard_ended_input.checkpointer.checkpoint()
        self.note(event="shardEnded")

    def shutdown_requested(self, shutdown_requested_input):
        shutdown_requested_input.checkpointer.checkpoint()
        self.note(event="shutdownRequested")


if __name__ == "__main__":
    kcl.KCLProcess(RecordProcessor(sys.argv[1])).run()
'''


@pytest.fixture
def rolling_server():
    """A server of the test's own whose DynamoDB stream shards roll over every 1.5 s, so that
    the changes of one item are spread over a parent shard and its children."""
    data_dir = tempfile.mkdtemp(prefix="eddy-compat-")
    s = EddyServer(data_dir, "--stream-shard-interval-ms", "1500").start()
    yield s
    s.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def test_dynamodb_stream_changes_arrive_in_order(rolling_server, clients, workers, tmp_path):
    server = rolling_server
    ddb = server.client("dynamodb")
    table = "worker-items"
    arn = ddb.create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]
    ddb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.2})

    expected = {}  # pk -> [(eventName, OldImage or None, NewImage or None)] in write order
    items = {}

    def put_item(pk, v):
        new = {"pk": {"S": pk}, "v": {"N": str(v)}, "text": {"S": "item %s v%d \u00fc" % (pk, v)},
               "more": {"M": {"flag": {"BOOL": v % 2 == 0}, "none": {"NULL": True},
                              "list": {"L": [{"S": "x\"y"}, {"N": "1.5"}]}}}}
        ddb.put_item(TableName=table, Item=new)
        old = items.get(pk)
        expected.setdefault(pk, []).append(("MODIFY" if old else "INSERT", old, new))
        items[pk] = new

    def update_item(pk, v):
        ddb.update_item(TableName=table, Key={"pk": {"S": pk}},
                        UpdateExpression="SET v = :v, tags = :t",
                        ExpressionAttributeValues={":v": {"N": str(v)}, ":t": {"SS": ["a", "b"]}})
        old = items.get(pk)
        new = dict(old or {"pk": {"S": pk}}, v={"N": str(v)}, tags={"SS": ["a", "b"]})
        expected.setdefault(pk, []).append(("MODIFY" if old else "INSERT", old, new))
        items[pk] = new

    def delete_item(pk):
        ddb.delete_item(TableName=table, Key={"pk": {"S": pk}})
        expected[pk].append(("REMOVE", items.pop(pk), None))

    for pk in ("a", "b", "c", "d"):
        put_item(pk, 1)
    update_item("a", 2)
    delete_item("d")
    total = lambda: sum(len(v) for v in expected.values())  # noqa: E731

    events_path = tmp_path / "events.jsonl"
    (tmp_path / "processor.py").write_text(KCLPY_PROCESSOR)
    properties = tmp_path / "app.properties"
    properties.write_text(
        "executableName = %s %s %s\n" % (clients["EDDY_KCLPY_PYTHON"], tmp_path / "processor.py",
                                         events_path) +
        "streamArn = %s\n" % arn +
        "applicationName = worker-items-app\n"
        "processingLanguage = python/3\n"
        "initialPositionInStream = TRIM_HORIZON\n"
        "idleTimeBetweenReadsInMillis = 200\n"
        "parentShardPollIntervalMillis = 200\n")

    def records():
        return [e for e in read_events(events_path) if e["event"] == "record"]

    worker = workers(server, properties, tmp_path / "worker.log", "ddb-worker")
    wait_until(lambda: len(records()) >= total(), "the changes made before the worker started",
               worker)
    # While it runs, over a few shard rollovers.
    for round_ in range(3):
        update_item("b", 10 + round_)
        put_item("c", 10 + round_)
        put_item("e%d" % round_, 1)
        delete_item("e%d" % round_)
        time.sleep(0.8)
    delete_item("a")
    put_item("a", 3)
    wait_until(lambda: len(records()) >= total(), "the changes made while it ran", worker)
    time.sleep(0.5)  # let a duplicate show, if there is one
    assert worker.stop() == 0, worker.tail()
    no_errors(worker)

    got = records()
    assert len(got) == total(), [e["data"]["dynamodb"]["Keys"] for e in got]
    assert len({e["sequenceNumber"] for e in got}) == len(got), "a change was delivered twice"
    shards = {e["shardId"] for e in got}
    assert len(shards) > 1, "the writes did not span a shard rollover: %s" % shards
    per_item = {}
    for e in got:  # in delivery order: parents are processed before their children
        record = e["data"]
        image = record["dynamodb"]
        assert record["eventSource"] == "aws:dynamodb"
        assert image["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert image["SequenceNumber"] == e["sequenceNumber"]
        assert e["subSequenceNumber"] == 0
        pk = image["Keys"]["pk"]["S"]
        assert image["Keys"] == {"pk": {"S": pk}}
        per_item.setdefault(pk, []).append(
            (record["eventName"], image.get("OldImage"), image.get("NewImage")))
    assert per_item == expected

    # Each shard's checkpoint: SHARD_END for the shards that ended, the last record for the
    # others.
    got_leases = leases(server, "worker-items-app")
    ended = {e["shardId"] for e in read_events(events_path) if e["event"] == "shardEnded"}
    assert ended, "no shard ended while the worker ran"
    for shard in shards:
        last = [e["sequenceNumber"] for e in got if e["shardId"] == shard][-1]
        want = "SHARD_END" if shard in ended else last
        assert got_leases[shard]["checkpoint"]["S"] == want, (shard, got_leases[shard])


# ---- bad input ----

def run_worker_once(server, properties, timeout=30):
    return subprocess.run([EDDY_BIN, "worker", "--properties", str(properties), "--endpoint",
                           server.endpoint], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL,
                          env=dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
                                   AWS_SECRET_ACCESS_KEY="secret"))


def test_a_bad_properties_file_is_refused_naming_the_key(server, tmp_path):
    base = "executableName = python3 app.py\nstreamName = bad-input\napplicationName = %s\n"
    unknown = tmp_path / "unknown.properties"
    unknown.write_text(base % "bad-input-unknown" + "initialPositionInStreem = TRIM_HORIZON\n")
    out = run_worker_once(server, unknown)
    assert out.returncode != 0, out
    assert "initialPositionInStreem" in out.stderr and "unknown key" in out.stderr, out.stderr
    assert "line 4" in out.stderr, out.stderr
    assert out.stderr.count(str(unknown)) == 1, out.stderr  # the file, named once

    invalid = tmp_path / "invalid.properties"
    invalid.write_text(base % "bad-input-invalid" + "maxRecords = abc\n")
    out = run_worker_once(server, invalid)
    assert out.returncode != 0, out
    assert "maxRecords" in out.stderr and "abc" in out.stderr, out.stderr
    # Refused before anything was created.
    assert not {"bad-input-unknown", "bad-input-invalid"} & set(tables(server))


def test_a_missing_executable_is_retried_with_backoff(server, kinesis, stream_name, workers,
                                                      tmp_path):
    create_stream(kinesis, stream_name, 1)
    missing = tmp_path / "no-such-processor.py"
    properties = tmp_path / "app.properties"
    properties.write_text("executableName = %s\n" % missing +
                          "streamName = %s\n" % stream_name +
                          "applicationName = missing-%s\n" % stream_name +
                          "initialPositionInStream = TRIM_HORIZON\n")
    worker = workers(server, properties, tmp_path / "worker.log", "missing-worker")
    failure = re.compile(r"\[error\] shard shardId-000000000000: processor failed .*"
                         r"cannot run '%s': No such file or directory; restarting from the last "
                         r"checkpoint in (\d+) ms" % re.escape(str(missing)))
    wait_until(lambda: len(failure.findall(worker.log())) >= 4, "four failed starts", worker)
    assert worker.running()
    backoffs = [int(ms) for ms in failure.findall(worker.log())]
    assert backoffs[:4] == [500, 1000, 2000, 4000], backoffs
    assert worker.stop() == 0, worker.tail()
    assert "stopped; its leases were released" in worker.log()
