"""Pipes end to end: a real `eddy serve`, `eddy worker --pipes` processes, boto3 producers.

  - A Kinesis stream -> a pipe -> an HTTP endpoint (served by this test) that fails on a poison
    record: with BisectBatchOnFunctionError and MaximumRetryAttempts the poison record alone
    reaches the JSON-lines dead letter file, with its data; every other record is delivered.
    The endpoint then goes away for a while (connection refused): nothing goes to the dead
    letter file, and everything arrives once it is back. The worker is killed with SIGKILL in
    the middle and started again: nothing is skipped.
  - A table with a stream -> a pipe -> a function (a custom runtime `bootstrap` speaking the
    Lambda Runtime API) that writes each change to another Kinesis stream with boto3, through
    the AWS_ENDPOINT_URL eddy gives it. Lambda's DynamoDB event shape reaches the function.
  - A pipe with FilterCriteria and ReportBatchItemFailures: filtered records never reach the
    target; a reported failure is retried from the lowest identifier on.
  - `eddy serve --pipes` runs a pipe inside the server process.

EDDY_BIN names the eddy binary (ctest sets it). The test's folder is kept when it fails, or
when EDDY_TEST_KEEP is set.
"""
import base64
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import boto3
import botocore.config
import pytest

REPO = Path(__file__).resolve().parents[2]
EDDY_BIN = os.environ.get("EDDY_BIN", str(REPO / "build/release/src/eddy/cli/eddy"))
CREDENTIALS = dict(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
                   region_name="us-east-1")
ACCOUNT = "000000000000"


def kinesis_arn(name):
    return "arn:aws:kinesis:us-east-1:%s:stream/%s" % (ACCOUNT, name)


def wait_for(what, predicate, timeout=60, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))


@pytest.fixture
def folder(request):
    path = Path(tempfile.mkdtemp(prefix="eddy_pipes_"))
    failed_before = request.session.testsfailed
    yield path
    if request.session.testsfailed > failed_before or os.environ.get("EDDY_TEST_KEEP"):
        print("kept", path)
    else:
        shutil.rmtree(path, ignore_errors=True)


class Process:
    """An eddy process, its output in a file."""

    def __init__(self, args, log_path):
        self.log_path = log_path
        self._log = open(log_path, "a")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT)

    def text(self):
        return self.log_path.read_text()

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


class Server(Process):
    def __init__(self, folder, pipes_file=None):
        binary = folder / "eddy"
        if not binary.exists():
            shutil.copy(EDDY_BIN, binary)
        args = [str(binary), "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir",
                str(folder / "data"), "--durability", "interval"]
        if pipes_file:
            args += ["--pipes", str(pipes_file)]
        super().__init__(args, folder / "server.log")

        def listening():
            if self.proc.poll() is not None:
                pytest.fail("eddy serve exited:\n" + self.text())
            text = self.text()
            return text if "listening on http://127.0.0.1:" in text else None

        text = wait_for("eddy serve to listen", listening, timeout=30)
        self.port = int(text.split("listening on http://127.0.0.1:")[1].split()[0])
        self.endpoint = "http://127.0.0.1:%d" % self.port

    def client(self, service):
        return boto3.client(service, endpoint_url=self.endpoint,
                            config=botocore.config.Config(retries={"max_attempts": 10}),
                            **CREDENTIALS)


def start_worker(folder, server, pipes_file, name="worker"):
    binary = folder / "eddy"
    return Process([str(binary), "worker", "--pipes", str(pipes_file), "--endpoint",
                    server.endpoint, "--worker-id", name], folder / ("%s.log" % name))


def write_pipes(folder, pipes, functions=(), name="pipes.json"):
    path = folder / name
    path.write_text(json.dumps({"Functions": list(functions), "Pipes": list(pipes)}, indent=1))
    return path


class Endpoint:
    """An HTTP target: records every event; answers by `behaviour(records) -> (status, body)`."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.events = []
        self.lock = threading.Lock()
        self.port = None
        self.httpd = None
        self.start()

    def start(self):
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_HEAD(self):
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                event = json.loads(body)
                with endpoint.lock:
                    endpoint.events.append(event)
                status, answer = endpoint.behaviour(event["Records"])
                data = answer.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port or 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def url(self):
        return "http://127.0.0.1:%d/events" % self.port

    def records(self):
        with self.lock:
            return [r for e in self.events for r in e["Records"]]


def kinesis_data(record):
    return base64.b64decode(record["kinesis"]["data"]).decode()


def put_all(kinesis, stream, items):
    """Puts (key, data) pairs in order, 100 per PutRecords; all must be acknowledged."""
    for i in range(0, len(items), 100):
        chunk = items[i:i + 100]
        answer = kinesis.put_records(StreamName=stream, Records=[
            {"PartitionKey": k, "Data": d.encode()} for k, d in chunk])
        assert answer["FailedRecordCount"] == 0


def test_http_pipe_poison_record_outage_and_kill(folder):
    server = Server(folder)
    try:
        kinesis = server.client("kinesis")
        kinesis.create_stream(StreamName="orders", ShardCount=2)
        kinesis.get_waiter("stream_exists").wait(StreamName="orders")

        def behaviour(records):
            if any(json.loads(kinesis_data(r)).get("poison") for r in records):
                return 500, '{"errorMessage":"cannot parse"}'
            return 200, ""

        endpoint = Endpoint(behaviour)
        dead_letters = folder / "dlq" / "orders.jsonl"
        pipes = write_pipes(folder, [{
            "Name": "orders", "EventSourceArn": kinesis_arn("orders"), "TargetUrl": endpoint.url,
            "StartingPosition": "TRIM_HORIZON", "BatchSize": 10,
            "BisectBatchOnFunctionError": True, "MaximumRetryAttempts": 1,
            "DestinationConfig": {"OnFailure": {"Destination": "file://%s" % dead_letters}}}])
        worker = start_worker(folder, server, pipes)

        items = [("k%d" % (i % 7), json.dumps({"n": i})) for i in range(300)]
        items.insert(137, ("k3", json.dumps({"n": "poison", "poison": True})))
        put_all(kinesis, "orders", items)
        expected = {d for _, d in items if "poison" not in d}
        wait_for("300 records delivered",
                 lambda: expected <= {kinesis_data(r) for r in endpoint.records()})
        wait_for("the dead letter", lambda: dead_letters.exists() and dead_letters.read_text())
        lines = dead_letters.read_text().splitlines()
        assert len(lines) == 1, lines
        failure = json.loads(lines[0])
        assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
        assert failure["responseContext"]["functionError"] == "Unhandled"
        assert failure["KinesisBatchInfo"]["batchSize"] == 1
        assert failure["KinesisBatchInfo"]["streamArn"] == kinesis_arn("orders")
        assert [kinesis_data(r) for r in failure["records"]] == [items[137][1]]
        # Events are Lambda's.
        record = endpoint.records()[0]
        assert record["eventSource"] == "aws:kinesis"
        assert record["eventName"] == "aws:kinesis:record"
        assert record["eventSourceARN"] == kinesis_arn("orders")
        assert record["eventID"].startswith("shardId-")
        assert record["kinesis"]["kinesisSchemaVersion"] == "1.0"

        # The target goes away: nothing may be given up on; all arrives once it is back.
        endpoint.stop()
        second = [("k%d" % (i % 5), json.dumps({"m": i})) for i in range(200)]
        put_all(kinesis, "orders", second[:100])
        time.sleep(2)
        # Kill -9 in the middle of the outage, start again.
        worker.stop(signal.SIGKILL)
        put_all(kinesis, "orders", second[100:])
        worker = start_worker(folder, server, pipes, name="worker2")
        time.sleep(1)
        endpoint.start()  # same port
        wanted = {d for _, d in second}
        wait_for("every record after the outage",
                 lambda: wanted <= {kinesis_data(r) for r in endpoint.records()}, timeout=90)
        assert len(dead_letters.read_text().splitlines()) == 1
        # Per key, the first delivery of each record is in the order it was put.
        firsts = {}
        for r in endpoint.records():
            firsts.setdefault(kinesis_data(r), r["kinesis"]["partitionKey"])
        order = {}
        for r in endpoint.records():
            d = kinesis_data(r)
            if "m" in json.loads(d):
                order.setdefault(r["kinesis"]["partitionKey"], [])
                if json.loads(d)["m"] not in order[r["kinesis"]["partitionKey"]]:
                    order[r["kinesis"]["partitionKey"]].append(json.loads(d)["m"])
        for key, ms in order.items():
            assert ms == sorted(ms), (key, ms)
        assert worker.stop() == 0
        endpoint.stop()
    finally:
        server.stop()


BOOTSTRAP = r'''#!/usr/bin/env python3
# A custom runtime: the Lambda Runtime API loop, by hand. For each DynamoDB change it puts one
# event on the Kinesis stream named by TARGET_STREAM, through AWS_ENDPOINT_URL.
import json, os, urllib.request
import boto3
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
# boto3 reads AWS_ENDPOINT_URL itself since 1.28; Debian's older one needs it given.
kinesis = boto3.client("kinesis", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
while True:
    with urllib.request.urlopen(api + "next") as r:
        request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read())
    try:
        entries = []
        for record in event["Records"]:
            image = record["dynamodb"].get("NewImage", {})
            entries.append({"PartitionKey": record["dynamodb"]["Keys"]["id"]["S"],
                            "Data": json.dumps({"change": record["eventName"],
                                                "id": record["dynamodb"]["Keys"]["id"]["S"],
                                                "source": record["eventSourceARN"],
                                                "seq": record["dynamodb"]["SequenceNumber"],
                                                "v": image.get("v", {}).get("N"),
                                                "fn": os.environ["AWS_LAMBDA_FUNCTION_NAME"]})})
        if entries:
            kinesis.put_records(StreamName=os.environ["TARGET_STREAM"], Records=entries)
        req = urllib.request.Request(api + request_id + "/response", data=b"{}", method="POST")
    except Exception as e:
        req = urllib.request.Request(api + request_id + "/error", method="POST",
            data=json.dumps({"errorMessage": str(e), "errorType": type(e).__name__}).encode(),
            headers={"Lambda-Runtime-Function-Error-Type": "Unhandled"})
    urllib.request.urlopen(req).read()
'''


def read_stream(kinesis, stream):
    out = []
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        it = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            answer = kinesis.get_records(ShardIterator=it, Limit=1000)
            out += [json.loads(r["Data"]) for r in answer["Records"]]
            if not answer["Records"]:
                break
            it = answer.get("NextShardIterator")
    return out


def test_dynamodb_stream_to_custom_runtime_function_writing_to_kinesis(folder):
    server = Server(folder)
    try:
        dynamodb = server.client("dynamodb")
        kinesis = server.client("kinesis")
        table = dynamodb.create_table(
            TableName="users", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        stream_arn = table["TableDescription"]["LatestStreamArn"]
        kinesis.create_stream(StreamName="user-events", ShardCount=1)
        kinesis.get_waiter("stream_exists").wait(StreamName="user-events")
        code = folder / "fn"
        code.mkdir()
        (code / "bootstrap").write_text(BOOTSTRAP.replace("/usr/bin/env python3", sys.executable))
        (code / "bootstrap").chmod(0o755)
        pipes = write_pipes(folder, [{
            "Name": "users", "EventSourceArn": stream_arn, "FunctionName": "to-events",
            "StartingPosition": "TRIM_HORIZON", "BatchSize": 20}],
            functions=[{"FunctionName": "to-events", "Runtime": "provided.al2023",
                        "Handler": "unused", "Code": "fn", "Timeout": 30,
                        "Environment": {"Variables": {"TARGET_STREAM": "user-events"}}}])
        worker = start_worker(folder, server, pipes)
        for i in range(40):
            dynamodb.put_item(TableName="users", Item={"id": {"S": "u%d" % i}, "v": {"N": "1"}})
        for i in range(10):
            dynamodb.update_item(TableName="users", Key={"id": {"S": "u%d" % i}},
                                 UpdateExpression="SET v = :v",
                                 ExpressionAttributeValues={":v": {"N": "2"}})
        events = wait_for("50 events on user-events",
                          lambda: len(read_stream(kinesis, "user-events")) >= 50 and
                          read_stream(kinesis, "user-events"), timeout=90)
        changes = sorted((e["change"], e["id"], e["v"]) for e in events)
        assert changes.count(("MODIFY", "u3", "2")) == 1
        assert sum(1 for c in changes if c[0] == "INSERT") == 40
        assert all(e["source"] == stream_arn and e["fn"] == "to-events" for e in events)
        assert "function to-events" in worker.text()  # the function's output reached the log
        assert worker.stop() == 0
    finally:
        server.stop()


def test_filters_inside_eddy_serve(folder):
    calls = []

    def behaviour(records):
        calls.append([json.loads(kinesis_data(r))["n"] for r in records])
        return 200, "{}"

    endpoint = Endpoint(behaviour)
    pipes = write_pipes(folder, [{
        "Name": "filtered", "EventSourceArn": kinesis_arn("readings"), "TargetUrl": endpoint.url,
        "StartingPosition": "TRIM_HORIZON", "BatchSize": 100,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "FilterCriteria": {"Filters": [{"Pattern": json.dumps(
            {"data": {"kind": ["reading"], "n": [{"numeric": ["<", 20]}]}})}]}}])
    # The stream must exist before the pipe starts: make it with a first server, then restart
    # with the pipes file.
    server = Server(folder)
    kinesis = server.client("kinesis")
    kinesis.create_stream(StreamName="readings", ShardCount=1)
    kinesis.get_waiter("stream_exists").wait(StreamName="readings")
    put_all(kinesis, "readings",
            [("k", json.dumps({"kind": "reading" if n % 2 == 0 else "noise", "n": n}))
             for n in range(30)] + [("k", "not json")])
    server.stop()
    server = Server(folder, pipes_file=pipes)
    try:
        wanted = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18}
        wait_for("the readings below 20", lambda: {n for c in calls for n in c} >= wanted)
        time.sleep(1)
        # Odd ones are "noise", 20 and above fail the numeric test, "not json" has no data to
        # match: none of them reached the target.
        assert [n for c in calls for n in c] == sorted(wanted), calls
    finally:
        server.stop()
        endpoint.stop()


def test_partial_batch_response_retries_from_the_lowest_failure(folder):
    calls = []

    def behaviour(records):
        ns = [json.loads(kinesis_data(r))["n"] for r in records]
        calls.append(ns)
        if len(calls) == 1:
            failed = [r for r in records if json.loads(kinesis_data(r))["n"] in (5, 8)]
            return 200, json.dumps({"batchItemFailures": [
                {"itemIdentifier": r["kinesis"]["sequenceNumber"]} for r in reversed(failed)]})
        return 200, "{}"

    endpoint = Endpoint(behaviour)
    server = Server(folder)
    try:
        kinesis = server.client("kinesis")
        kinesis.create_stream(StreamName="replicate", ShardCount=1)
        kinesis.get_waiter("stream_exists").wait(StreamName="replicate")
        put_all(kinesis, "replicate", [("k", json.dumps({"n": n})) for n in range(10)])
        pipes = write_pipes(folder, [{
            "Name": "replicator", "EventSourceArn": kinesis_arn("replicate"),
            "TargetUrl": endpoint.url, "StartingPosition": "TRIM_HORIZON", "BatchSize": 100,
            "FunctionResponseTypes": ["ReportBatchItemFailures"]}])
        worker = start_worker(folder, server, pipes)
        wait_for("the retry", lambda: len(calls) >= 2)
        assert calls[0] == list(range(10))
        assert calls[1] == [5, 6, 7, 8, 9]
        time.sleep(1)
        assert len(calls) == 2
        assert worker.stop() == 0
    finally:
        server.stop()
        endpoint.stop()


def test_a_bad_pipes_file_is_refused_with_the_reason(folder):
    server = Server(folder)
    try:
        pipes = write_pipes(folder, [{
            "Name": "bad", "EventSourceArn": kinesis_arn("x"), "TargetUrl": "http://127.0.0.1:9",
            "StartingPosition": "TRIM_HORIZON", "BatchSize": 0}])
        worker = start_worker(folder, server, pipes)
        assert worker.proc.wait(timeout=30) == 2
        assert "Value '0' at 'batchSize' failed to satisfy constraint" in worker.text()
    finally:
        server.stop()
