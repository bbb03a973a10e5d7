"""Fixtures for the compatibility suite: a real `eddy serve` on a free loopback port, and
boto3 / aws CLI clients pointed at it. The eddy binary comes from $EDDY_BIN."""
import http.client
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import boto3
import botocore.config
import pytest

EDDY_BIN = os.environ.get("EDDY_BIN", "build/release/src/eddy/cli/eddy")
CREDENTIALS = dict(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
                   region_name="us-east-1")


class EddyServer:
    """One `eddy serve` process with its own data directory."""

    def __init__(self, data_dir, *extra_args):
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None

    def start(self):
        self.proc = subprocess.Popen(
            [EDDY_BIN, "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir",
             self.data_dir] + self.extra_args,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("eddy serve exited: %s" % self.proc.wait())
            if "listening on http://" in line:
                self.port = int(line.split("http://127.0.0.1:")[1].split()[0])
                return self
        raise RuntimeError("eddy serve did not start in time")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        return self.proc.returncode if self.proc else None

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def client(self, service="kinesis"):
        return boto3.client(service, endpoint_url=self.endpoint,
                            config=botocore.config.Config(retries={"max_attempts": 1}),
                            **CREDENTIALS)

    def raw(self, target, body, content_type="application/x-amz-json-1.1"):
        """POSTs `body` (bytes or str) with X-Amz-Target; returns (status, parsed JSON or None)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": content_type}
        if target is not None:
            headers["X-Amz-Target"] = target
        conn.request("POST", "/", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        try:
            return resp.status, json.loads(data) if data else None
        except ValueError:
            return resp.status, None

    def aws(self, *args):
        """Runs the aws CLI against this server; returns parsed JSON output (or None)."""
        env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="secret",
                   AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="")
        out = subprocess.run(["/usr/bin/aws", "--endpoint-url", self.endpoint, "--output",
                              "json"] + list(args), env=env, capture_output=True, text=True,
                             timeout=60)
        if out.returncode != 0:
            raise RuntimeError("aws %s failed: %s" % (" ".join(args), out.stderr))
        return json.loads(out.stdout) if out.stdout.strip() else None


@pytest.fixture(scope="session")
def server():
    data_dir = tempfile.mkdtemp(prefix="eddy-compat-")
    s = EddyServer(data_dir).start()
    yield s
    s.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def fresh_server():
    """A server of the test's own, for restarts."""
    data_dir = tempfile.mkdtemp(prefix="eddy-compat-")
    s = EddyServer(data_dir)
    yield s
    s.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def kinesis(server):
    return server.client("kinesis")


_counter = [0]


@pytest.fixture
def stream_name(request):
    _counter[0] += 1
    return "compat-%s-%d" % (request.node.name[:40].replace("[", "-").replace("]", ""),
                             _counter[0])
