"""SIGKILL `eddy serve` under PutRecords load from several clients, restart it, and check:
every record whose PutRecords said it succeeded is readable with the sequence number it was
given, and every readable record is one a client sent (nothing invented, nothing torn).
Rounds: EDDY_SERVER_CRASH_ROUNDS (default 8)."""
import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "compat"))
from conftest import EddyServer  # noqa: E402

import tempfile  # noqa: E402
import shutil  # noqa: E402

ROUNDS = int(os.environ.get("EDDY_SERVER_CRASH_ROUNDS", "8"))
STREAM = "crash"


def producer(server_client, client_id, acked, sent, stop):
    n = 0
    while not stop.is_set():
        batch = []
        for _ in range(random.randint(1, 50)):
            data = b"%d:%d:" % (client_id, n) + os.urandom(random.randint(0, 300)).hex().encode()
            batch.append({"PartitionKey": "c%d-%d" % (client_id, n % 5), "Data": data})
            sent.add(data)
            n += 1
        try:
            resp = server_client.put_records(StreamName=STREAM, Records=batch)
        except Exception:  # noqa: BLE001 - the server was killed under us
            return
        for entry, result in zip(batch, resp["Records"]):
            if "SequenceNumber" in result:
                acked[entry["Data"]] = (result["ShardId"], result["SequenceNumber"])


def read_everything(kinesis):
    out = {}
    for shard in kinesis.list_shards(StreamName=STREAM)["Shards"]:
        it = kinesis.get_shard_iterator(StreamName=STREAM, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while True:
            resp = kinesis.get_records(ShardIterator=it, Limit=10000)
            for r in resp["Records"]:
                assert r["Data"] not in out, "record read twice"
                out[r["Data"]] = (shard["ShardId"], r["SequenceNumber"])
            if not resp["Records"] or not resp.get("NextShardIterator"):
                break
            it = resp["NextShardIterator"]
    return out


def test_acknowledged_records_survive_sigkill():
    data_dir = tempfile.mkdtemp(prefix="eddy-server-crash-")
    server = EddyServer(data_dir)
    acked, sent = {}, set()
    try:
        server.start()
        server.client().create_stream(StreamName=STREAM, ShardCount=4)
        for round_ in range(ROUNDS):
            stop = threading.Event()
            clients = [server.client() for _ in range(4)]
            threads = [threading.Thread(target=producer,
                                        args=(c, round_ * 10 + i, acked, sent, stop))
                       for i, c in enumerate(clients)]
            for t in threads:
                t.start()
            time.sleep(random.uniform(0.3, 1.0))
            server.stop(signal.SIGKILL)  # mid-load
            stop.set()
            for t in threads:
                t.join()
            server.start()
            got = read_everything(server.client())
            missing = [d for d in acked if d not in got]
            assert not missing, "%d acknowledged records lost after round %d" % (len(missing),
                                                                               round_)
            wrong = [d for d, where in acked.items() if got[d] != where]
            assert not wrong, "%d records changed shard or sequence number" % len(wrong)
            foreign = [d for d in got if d not in sent]
            assert not foreign, "%d records appeared that no client sent" % len(foreign)
        assert len(acked) > 0
        print("%d rounds, %d acknowledged records verified" % (ROUNDS, len(acked)))
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
